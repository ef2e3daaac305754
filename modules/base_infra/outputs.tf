# Copy these into the environment's layer under `infrastructure:`.

output "bucket" {
  value = google_storage_bucket.artifacts.name
}

output "artifact_root" {
  value = "gs://${google_storage_bucket.artifacts.name}"
}

output "registry_uri" {
  value = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.containers.repository_id}"
}

output "service_account" {
  value = google_service_account.zenml.email
}
