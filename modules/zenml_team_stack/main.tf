# A team's stack: its own connector and the components it needs, over the base stack's.

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
  prefix  = "${var.environment}-${replace(var.team, "_", "-")}"
}

resource "zenml_service_connector" "team" {
  count = local.connect ? 1 : 0

  name          = "${local.prefix}-connector"
  type          = var.connector.type
  auth_method   = var.connector.auth_method
  resource_type = var.connector.resource_type
  resource_id   = var.connector.resource_id
  verify        = var.connector.verify
  configuration = var.connector.configuration
  labels        = merge(var.labels, var.connector.labels, { purpose = var.team })
}

resource "zenml_stack_component" "team" {
  for_each = var.components

  name                  = "${local.prefix}-${replace(each.key, "_", "-")}"
  type                  = each.key
  flavor                = each.value.flavor
  configuration         = each.value.configuration
  connector_id          = local.connect && each.value.use_connector ? zenml_service_connector.team[0].id : null
  connector_resource_id = local.connect && each.value.use_connector ? each.value.connector_resource_id : null
  labels                = merge(var.labels, each.value.labels)
}

locals {
  # the base stack's components, with the team's own in place of those types
  component_ids = merge(var.base_component_ids, { for type, c in zenml_stack_component.team : type => c.id })
}

resource "zenml_stack" "team" {
  name       = "${local.prefix}-stack"
  components = local.component_ids
  labels     = merge(var.labels, { type = "team" })
}
