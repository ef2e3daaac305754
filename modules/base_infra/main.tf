# Cloud infrastructure for one environment: the artifact bucket, the container registry
# and the service account ZenML runs as. It has its own Terraform state, apart from the
# ZenML registration (modules/platform), which takes these outputs as plain inputs
# (`infrastructure:` in the layers). Needs the hashicorp/google provider and credentials,
# so zenml-tui only checks it offline (terraform fmt and parsing).

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

resource "random_id" "suffix" {
  byte_length = 2
}

locals {
  prefix = "zenml-${var.environment}-${random_id.suffix.hex}"
  labels = merge(var.labels, { environment = var.environment, managed_by = "terraform" })
}

resource "google_storage_bucket" "artifacts" {
  name                        = "${local.prefix}-artifacts"
  location                    = var.region
  uniform_bucket_level_access = true
  force_destroy               = var.environment != "prod"
  labels                      = local.labels

  versioning {
    enabled = var.environment == "prod"
  }
}

resource "google_artifact_registry_repository" "containers" {
  repository_id = "${local.prefix}-containers"
  location      = var.region
  format        = "DOCKER"
  labels        = local.labels
}

resource "google_service_account" "zenml" {
  account_id   = substr("${local.prefix}-runner", 0, 30)
  display_name = "ZenML runner (${var.environment})"
}

resource "google_storage_bucket_iam_member" "zenml_artifacts" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.zenml.email}"
}

resource "google_artifact_registry_repository_iam_member" "zenml_push" {
  repository = google_artifact_registry_repository.containers.name
  location   = var.region
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.zenml.email}"
}

resource "google_project_iam_member" "zenml_vertex" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.zenml.email}"
}
