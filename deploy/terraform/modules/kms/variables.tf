variable "name" {
  description = "Name of the environment's stack, e.g. dzinza-production (in the keys' descriptions)."
  type        = string
}

variable "alias_prefix" {
  description = "Aliases are alias/PREFIX-PURPOSE (alias/dzinza-s3, alias/dzinza-backups: the names the Kubernetes overlays use; one account per environment)."
  type        = string
  default     = "dzinza"
}

variable "deletion_window_in_days" {
  description = "Days a key waits after a deletion request before it is destroyed (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}
