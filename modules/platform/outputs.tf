output "base_stack_id" {
  value = module.base.stack_id
}

output "team_stack_ids" {
  value = { for name, m in module.team : name => m.stack_id }
}

output "project_stack_ids" {
  value = { for name, m in module.project : name => m.stack_id }
}
