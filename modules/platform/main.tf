# The platform's ZenML registration for one environment, driven by the tfvars that
# `zenml-tui render --env ENV --tfvars` writes: the base stack, a stack per team and a
# stack per project. Cloud infrastructure lives in its own state (modules/base_infra);
# its outputs arrive here as plain inputs (var.infrastructure), so this plans without any
# cloud provider.

terraform {
  required_version = ">= 1.5"
  required_providers {
    zenml = {
      source  = "zenml-io/zenml"
      version = ">= 3.0.0"
    }
  }
  # zenml-tui keeps each environment's state in its own workspace under the platform's
  # state directory (-backend-config=workspace_dir=...), apart from the infrastructure's.
  backend "local" {}
}

# Configured from ZENML_SERVER_URL and ZENML_API_KEY (or ZENML_API_TOKEN).
provider "zenml" {}

locals {
  # a configuration value "«secret:NAME»" is the secret NAME from var.secrets
  secret = "^«secret:([A-Za-z_][A-Za-z0-9_]*)»$"

  labels = merge(var.labels, {
    platform    = var.platform
    environment = var.environment
    version     = var.stack_version
    managed_by  = "terraform"
  })

  connector = var.connector == null ? null : merge(var.connector, {
    configuration = {
      for k, v in var.connector.configuration :
      k => can(regex(local.secret, v)) ? var.secrets[regex(local.secret, v)[0]] : v
    }
  })

  # a component's credential is a ZenML secret, referenced the ZenML way
  # ({{name.value}}): its configuration holds no credential. A connector's credentials
  # stay in its configuration, which ZenML keeps in its secrets store.
  component_secrets = toset(flatten(concat(
    [for type, c in var.components : [
      for k, v in c.configuration : regex(local.secret, v)[0] if can(regex(local.secret, v))
    ]],
    [for name, t in var.teams : [for type, c in t.components : [
      for k, v in c.configuration : regex(local.secret, v)[0] if can(regex(local.secret, v))
    ]]],
    [for name, p in var.projects : [
      for k, v in p.artifact_store.configuration :
      regex(local.secret, v)[0] if can(regex(local.secret, v))
    ]],
  )))
  secret_ref = {
    for name in local.component_secrets : name => "{{${zenml_secret.component[name].name}.value}}"
  }

  components = {
    for type, c in var.components : type => merge(c, {
      configuration = {
        for k, v in c.configuration :
        k => can(regex(local.secret, v)) ? local.secret_ref[regex(local.secret, v)[0]] : v
      }
    })
  }

  base_types = ["artifact_store", "container_registry", "orchestrator", "image_builder"]

  teams = {
    for name, t in var.teams : name => {
      labels = merge(t.labels, local.labels, { team = name })
      connector = t.connector == null ? null : merge(t.connector, {
        configuration = {
          for k, v in t.connector.configuration :
          k => can(regex(local.secret, v)) ? var.secrets[regex(local.secret, v)[0]] : v
        }
      })
      components = {
        for type, c in t.components : type => merge(c, {
          configuration = {
            for k, v in c.configuration :
            k => can(regex(local.secret, v)) ? local.secret_ref[regex(local.secret, v)[0]] : v
          }
        })
      }
    }
  }

  projects = {
    for name, p in var.projects : name => {
      team   = p.team
      labels = merge(p.labels, local.labels, { team = p.team, project = name })
      artifact_store = merge(p.artifact_store, {
        configuration = {
          for k, v in p.artifact_store.configuration :
          k => can(regex(local.secret, v)) ? local.secret_ref[regex(local.secret, v)[0]] : v
        }
      })
    }
  }
}

# one ZenML secret per secret a component references, in this environment
resource "zenml_secret" "component" {
  for_each = local.component_secrets

  name   = lower("${var.platform}-${var.environment}-${replace(each.key, "_", "-")}")
  values = { value = var.secrets[each.key] }
}

module "base" {
  source = "../zenml_stack_base"

  environment = var.environment
  labels      = local.labels
  connector   = local.connector
  components  = { for type, c in local.components : type => c if contains(local.base_types, type) }
}

module "team" {
  source   = "../zenml_team_stack"
  for_each = local.teams

  environment        = var.environment
  team               = each.key
  labels             = each.value.labels
  connector          = each.value.connector
  components         = each.value.components
  base_component_ids = module.base.component_ids
}

module "project" {
  source   = "../zenml_project_stack"
  for_each = local.projects

  environment        = var.environment
  project            = each.key
  labels             = each.value.labels
  artifact_store     = each.value.artifact_store
  connector_id       = try(coalesce(module.team[each.value.team].connector_id, module.base.connector_id), null)
  team_component_ids = module.team[each.value.team].component_ids
}
