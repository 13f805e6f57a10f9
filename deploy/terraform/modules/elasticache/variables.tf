variable "name" {
  description = "Replication group id, e.g. dzinza-production."
  type        = string
}

variable "engine_version" {
  description = "Redis engine version."
  type        = string
  default     = "7.1"
}

variable "node_type" {
  description = "Cache node type."
  type        = string
}

variable "num_cache_clusters" {
  description = "Nodes: one primary plus replicas (at least 2 for automatic failover)."
  type        = number
}

variable "multi_az" {
  description = "Replicas in other zones with automatic failover (needs num_cache_clusters >= 2)."
  type        = bool
  default     = true
}

variable "subnet_ids" {
  description = "Isolated database subnets."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the nodes (the database group)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key of the data at rest and of the snapshots."
  type        = string
}

variable "auth_token" {
  description = "AUTH token (kept in Secrets Manager by the secrets module)."
  type        = string
  sensitive   = true
}

variable "snapshot_retention_limit" {
  description = "Days of daily snapshots."
  type        = number
  default     = 7
}

variable "snapshot_window" {
  description = "Daily snapshot window (UTC)."
  type        = string
  default     = "00:30-01:30"
}

variable "maintenance_window" {
  description = "Weekly maintenance window (UTC)."
  type        = string
  default     = "sun:03:00-sun:04:00"
}

variable "logs_kms_key_arn" {
  description = "KMS key of the slow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the slow log is kept."
  type        = number
  default     = 365
}
