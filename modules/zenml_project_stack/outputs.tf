output "artifact_store_id" {
  value = zenml_stack_component.artifact_store.id
}

output "stack_id" {
  value = zenml_stack.project.id
}

output "project_id" {
  description = "The ZenML project the project's pipelines run in."
  value       = zenml_project.this.id
}
