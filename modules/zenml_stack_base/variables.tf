variable "environment" {
  description = "Environment name; prefixes every object's name."
  type        = string
}

variable "labels" {
  description = "Labels on every object."
  type        = map(string)
}

variable "connector" {
  description = "The environment's service connector (credentials already resolved), or null."
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
  description = "The base stack's components by type (configuration already resolved)."
  type = map(object({
    flavor                = string
    configuration         = optional(map(string), {})
    connector_resource_id = optional(string)
    use_connector         = optional(bool, true)
    labels                = optional(map(string), {})
  }))
}
