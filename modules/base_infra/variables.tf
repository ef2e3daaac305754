variable "project_id" {
  description = "GCP project that holds the environment's infrastructure."
  type        = string
}

variable "region" {
  description = "Region of the bucket, the registry and Vertex AI."
  type        = string
}

variable "environment" {
  type = string
}

variable "labels" {
  type    = map(string)
  default = {}
}
