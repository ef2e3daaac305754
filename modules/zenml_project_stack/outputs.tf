output "artifact_store_id" {
  value = zenml_stack_component.artifact_store.id
}

output "stack_id" {
  value = zenml_stack.project.id
}
