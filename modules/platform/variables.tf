# Inputs of the platform root module. `zenml-tui render --env ENV --tfvars` writes them
# from the merged layers; secret values never appear there: a configuration value
# "«secret:NAME»" is looked up in var.secrets, which arrives as TF_VAR_secrets.

variable "platform" {
  description = "Platform name (platform.yaml)."
  type        = string
}

variable "environment" {
  description = "Environment being registered; also the Terraform workspace's environment."
  type        = string
}

variable "stack_version" {
  description = "Version label stamped on every object (platform.yaml stack_version)."
  type        = string
}

variable "location" {
  description = "Cloud region the environment runs in."
  type        = string
}

variable "labels" {
  description = "Common labels on every ZenML object."
  type        = map(string)
  default     = {}
}

variable "infrastructure" {
  description = "Outputs of the separately managed cloud infrastructure state, as plain inputs."
  type = object({
    project_id      = optional(string)
    bucket          = optional(string)
    artifact_root   = optional(string)
    registry_uri    = optional(string)
    service_account = optional(string)
  })
  default = {}
}

variable "connector" {
  description = "The environment's service connector; null where components need none."
  type = object({
    type          = string
    auth_method   = string
    resource_type = optional(string)
    resource_id   = optional(string)
    verify        = optional(bool, true)
    configuration = optional(map(string), {})
    labels        = optional(map(string), {})
  })
  default = null
}

variable "components" {
  description = "The environment's components by type (flavor-specific settings already applied); the base stack uses artifact_store, container_registry, orchestrator and image_builder."
  type = map(object({
    flavor                = string
    configuration         = optional(map(string), {})
    connector_resource_id = optional(string)
    use_connector         = optional(bool, true)
    labels                = optional(map(string), {})
  }))
}

variable "teams" {
  description = "Per team: the component types it owns and their configuration in the team's scope."
  type = map(object({
    needs  = list(string)
    labels = optional(map(string), {})
    connector = optional(object({
      type          = string
      auth_method   = string
      resource_type = optional(string)
      resource_id   = optional(string)
      verify        = optional(bool, true)
      configuration = optional(map(string), {})
      labels        = optional(map(string), {})
    }))
    components = map(object({
      flavor                = string
      configuration         = optional(map(string), {})
      connector_resource_id = optional(string)
      use_connector         = optional(bool, true)
      labels                = optional(map(string), {})
    }))
  }))
  default = {}
}

variable "projects" {
  description = "Per project: its team and its isolated artifact store in the project's scope."
  type = map(object({
    team   = string
    labels = optional(map(string), {})
    artifact_store = object({
      flavor                = string
      configuration         = optional(map(string), {})
      connector_resource_id = optional(string)
      use_connector         = optional(bool, true)
      labels                = optional(map(string), {})
    })
  }))
  default = {}
}

variable "secrets" {
  description = "Secret values by name, from TF_VAR_secrets; never in a tfvars file."
  type        = map(string)
  sensitive   = true
  default     = {}
}
