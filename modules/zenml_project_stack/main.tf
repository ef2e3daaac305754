# A project's stack: its own artifact store, isolated under projects/<project>/<environment>
# of the shared bucket, over its team's stack.

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
