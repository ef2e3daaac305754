# A project's ZenML project (its pipelines run there) and its stack: its own artifact
# store, isolated under projects/<project>/<environment> of the shared bucket, over its
# team's stack.

terraform {
  required_version = ">= 1.5"
  required_providers {
    zenml = {
      source  = "zenml-io/zenml"
      version = ">= 3.0.0"
    }
  }
}

locals {
  prefix = "${var.environment}-${replace(var.project, "_", "-")}"
}

# A ZenML project has no labels: its description carries them, so the dashboard and
# zenml-tui can tell whose it is. Names are lowercase on the server.
resource "zenml_project" "this" {
  name         = lower(local.prefix)
  display_name = "${var.project} (${var.environment})"
  description  = join(", ", [for k, v in var.labels : "${k}=${v}"])
}

resource "zenml_stack_component" "artifact_store" {
  name                  = "${local.prefix}-artifact-store"
  type                  = "artifact_store"
  flavor                = var.artifact_store.flavor
  configuration         = var.artifact_store.configuration
  connector_id          = var.connector_id != null && var.artifact_store.use_connector ? var.connector_id : null
  connector_resource_id = var.connector_id != null && var.artifact_store.use_connector ? var.artifact_store.connector_resource_id : null
  labels                = merge(var.labels, var.artifact_store.labels)
}

resource "zenml_stack" "project" {
  name       = "${local.prefix}-stack"
  components = merge(var.team_component_ids, { artifact_store = zenml_stack_component.artifact_store.id })
  labels     = merge(var.labels, { type = "project" })
}
