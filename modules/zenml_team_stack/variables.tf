variable "environment" {
  type = string
}

variable "team" {
  type = string
}

variable "labels" {
  description = "Labels on every object (the common ones plus team)."
  type        = map(string)
}

variable "connector" {
  description = "The team's own connector (credentials already resolved), or null."
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
  description = "The components the team owns, by type."
  type = map(object({
    flavor                = string
    configuration         = optional(map(string), {})
    connector_resource_id = optional(string)
    use_connector         = optional(bool, true)
    labels                = optional(map(string), {})
  }))
  default = {}
}

variable "base_component_ids" {
  description = "The base stack's component ids by type."
  type        = map(string)
}
