variable "name" {
  description = "Identifier of the DB instance, e.g. dzinza-production."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL version: a major version takes AWS's default minor, upgraded automatically."
  type        = string
  # 15: the PostgreSQL the image's pg_dump and pg_restore belong to (Debian 12's client), which
  # must be at least as new as the server for `dzinza backup`; and the version the tests run on.
  default = "15"
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
}

variable "allocated_storage" {
  description = "Initial storage, GiB."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Ceiling of storage autoscaling, GiB."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "Synchronous standby in another zone (production and staging)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse deletion of the instance (production)."
  type        = bool
  default     = true
}

variable "subnet_ids" {
  description = "Isolated database subnets."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the instance (the database group)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key of the storage, snapshots, automated backups and Performance Insights."
  type        = string
}

variable "master_secret_kms_key_arn" {
  description = "KMS key of the master password secret that RDS manages in Secrets Manager."
  type        = string
}

variable "database_name" {
  description = "Database created with the instance."
  type        = string
  default     = "dzinza"
}

variable "master_username" {
  description = "Master user (the application connects with its own role, created by an operator)."
  type        = string
  default     = "dzinza_admin"
}

variable "backup_retention_period" {
  description = "Days of automated backups, hence of point-in-time recovery (the brief: 35)."
  type        = number
  default     = 35
}

variable "backup_window" {
  description = "Daily backup window (UTC), before the maintenance window."
  type        = string
  default     = "00:30-01:30"
}

variable "maintenance_window" {
  description = "Weekly maintenance window (UTC)."
  type        = string
  default     = "sun:02:00-sun:03:00"
}

variable "monitoring_interval" {
  description = "Seconds between Enhanced Monitoring samples."
  type        = number
  default     = 60
}

variable "performance_insights_retention_period" {
  description = "Days Performance Insights keeps its data (7 is free)."
  type        = number
  default     = 7
}

variable "cross_region_backups" {
  description = "Replicate automated backups to the DR region."
  type        = bool
  default     = true
}

variable "dr_kms_key_arn" {
  description = "KMS key in the DR region for the replicated automated backups."
  type        = string
  default     = null
}

variable "dr_backup_retention_period" {
  description = "Days the replicated automated backups are kept in the DR region."
  type        = number
  default     = 35
}

variable "log_retention_days" {
  description = "Days the exported PostgreSQL logs are kept."
  type        = number
  default     = 365
}

variable "logs_kms_key_arn" {
  description = "KMS key of the exported log groups."
  type        = string
}

variable "slow_query_ms" {
  description = "Statements slower than this are logged (ms)."
  type        = number
  default     = 500
}
