variable "environment" {
  type = string
}

variable "project" {
  type = string
}

variable "labels" {
  description = "Labels on every object (the common ones plus team and project)."
  type        = map(string)
}

variable "artifact_store" {
  description = "The project's artifact store (configuration already resolved)."
  type = object({
    flavor                = string
    configuration         = optional(map(string), {})
    connector_resource_id = optional(string)
    use_connector         = optional(bool, true)
    labels                = optional(map(string), {})
  })
}

variable "connector_id" {
  description = "The connector the artifact store uses (the team's, else the base one), or null."
  type        = string
  default     = null
}

variable "team_component_ids" {
  description = "The team stack's component ids by type."
  type        = map(string)
}
