output "connector_id" {
  description = "The base connector's id, or null."
  value       = length(zenml_service_connector.base) > 0 ? zenml_service_connector.base[0].id : null
}

output "component_ids" {
  description = "Base component ids by type."
  value       = { for type, component in zenml_stack_component.base : type => component.id }
}

output "stack_id" {
  value = zenml_stack.base.id
}
