variable "region" {
  description = "Region of the state bucket (the backend blocks name it)."
  type        = string
  default     = "us-west-2"
}

variable "state_bucket_name" {
  description = "Name of the state bucket (the backend blocks name it; bucket names are global)."
  type        = string
  default     = "dzinza-terraform-state"
}

variable "noncurrent_state_days" {
  description = "Days old versions of a state file are kept (to roll a state back)."
  type        = number
  default     = 90
}

variable "log_retention_days" {
  description = "Days the state bucket's access logs are kept."
  type        = number
  default     = 365
}
