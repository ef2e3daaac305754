output "connector_id" {
  value = length(zenml_service_connector.team) > 0 ? zenml_service_connector.team[0].id : null
}

output "component_ids" {
  description = "The team stack's component ids by type."
  value       = local.component_ids
}

output "stack_id" {
  value = zenml_stack.team.id
}
