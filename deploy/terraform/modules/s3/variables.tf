variable "name" {
  description = "Name prefix of the buckets, e.g. dzinza-production: dzinza-production-media, -backups, -audit, -logs, and -media-dr, -backups-dr, -logs-dr in the DR region."
  type        = string
}

variable "bucket_name_suffix" {
  description = "Appended to every bucket name, should a name be taken already (bucket names are global)."
  type        = string
  default     = ""
}

variable "media_prefix" {
  description = "Prefix of the application's media keys (the prefix= of DZINZA_MEDIA_URL), with its slash."
  type        = string
  default     = "media/"
}

variable "backup_prefix" {
  description = "Prefix of the daily backups (the prefix= of DZINZA_BACKUP_URL), with its slash."
  type        = string
  default     = "nightly/"
}

variable "yearly_archive_prefix" {
  description = "Prefix under which one backup a year is copied and kept longer."
  type        = string
  default     = "yearly/"
}

variable "media_kms_key_arn" {
  description = "KMS key of the media bucket."
  type        = string
}

variable "backups_kms_key_arn" {
  description = "KMS key (multi-Region primary) of the backup bucket."
  type        = string
}

variable "audit_kms_key_arn" {
  description = "KMS key of the AWS Config bucket (the logs key)."
  type        = string
}

variable "media_dr_kms_key_arn" {
  description = "KMS key of the media replica in the DR region."
  type        = string
}

variable "backups_dr_kms_key_arn" {
  description = "KMS key (replica of the backups key) of the backup replica in the DR region."
  type        = string
}

variable "cloudfront_distribution_arn" {
  description = "Distribution whose origin access control may read derivatives/* of the media bucket and its replica (null: none yet)."
  type        = string
  default     = null
}

variable "cors_allowed_origins" {
  description = "Origins of the web app that upload directly to the media bucket."
  type        = list(string)
}

variable "backup_retention_days" {
  description = "Days daily backups are kept, and the Object Lock governance period."
  type        = number
  default     = 35
}

variable "yearly_archive_retention_days" {
  description = "Days the yearly archives are kept."
  type        = number
  default     = 2555
}

variable "log_retention_days" {
  description = "Days access logs are kept."
  type        = number
  default     = 365
}

variable "audit_retention_days" {
  description = "Days AWS Config deliveries are kept."
  type        = number
  default     = 2555
}

variable "force_destroy" {
  description = "Allow Terraform to delete non-empty buckets (never in production; Object Lock still protects locked backups)."
  type        = bool
  default     = false
}
