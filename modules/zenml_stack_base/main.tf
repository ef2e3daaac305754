# The environment's base stack: its service connector, shared components and the base
# stack every team and project stack builds on.

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
  connect = var.connector != null
  # the components of the base stack, by type, with their ZenML names
  names = { for type, _ in var.components : type => "${var.environment}-${replace(type, "_", "-")}" }
}

resource "zenml_service_connector" "base" {
  count = local.connect ? 1 : 0

  name          = "${var.environment}-base-connector"
  type          = var.connector.type
  auth_method   = var.connector.auth_method
  resource_type = var.connector.resource_type
  resource_id   = var.connector.resource_id
  verify        = var.connector.verify
  configuration = var.connector.configuration
  labels        = merge(var.labels, var.connector.labels, { purpose = "base" })
}

resource "zenml_stack_component" "base" {
  for_each = var.components

  name                  = local.names[each.key]
  type                  = each.key
  flavor                = each.value.flavor
  configuration         = each.value.configuration
  connector_id          = local.connect && each.value.use_connector ? zenml_service_connector.base[0].id : null
  connector_resource_id = local.connect && each.value.use_connector ? each.value.connector_resource_id : null
  labels                = merge(var.labels, each.value.labels)
}

resource "zenml_stack" "base" {
  name       = "${var.environment}-base-stack"
  components = { for type, component in zenml_stack_component.base : type => component.id }
  labels     = merge(var.labels, { type = "base" })
}
