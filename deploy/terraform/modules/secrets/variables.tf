variable "prefix" {
  description = "Path of the environment's secrets, e.g. dzinza/production (the remote keys the Kubernetes ExternalSecrets read: PREFIX/app, PREFIX/restore-verify, PREFIX/cloudfront-private-key)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the secrets."
  type        = string
}

variable "region" {
  description = "Primary region (the backups key's region, the search endpoint's signing region)."
  type        = string
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30
}

variable "backup_kms_key_alias" {
  description = "Alias of the backups KMS key (alias/...), written into the backup key URL."
  type        = string
}

variable "database" {
  description = "PostgreSQL the application connects to, and the roles it connects as (created once by an operator with the passwords from these secrets, README)."
  type = object({
    host           = string
    port           = number
    name           = string
    app_user       = optional(string, "dzinza")
    restore_user   = optional(string, "dzinza_restore")
    password_epoch = optional(number, 1)
  })
}

variable "redis" {
  description = "ElastiCache endpoint (TLS) of the cache and the queue."
  type = object({
    host = string
    port = number
  })
}

variable "opensearch_endpoint" {
  description = "OpenSearch VPC endpoint (requests signed with SigV4)."
  type        = string
}

variable "smtp_url" {
  description = "DZINZA_SMTP_URL (smtp://user:password@host:587?starttls=1). Give it as TF_VAR_smtp_url, never in a file; empty: mail is written to files."
  type        = string
  default     = ""
  sensitive   = true
}

variable "redis_auth_token_epoch" {
  description = "Bump to rotate the Redis AUTH token (ElastiCache's ROTATE strategy accepts the old and the new one meanwhile)."
  type        = number
  default     = 1
}

variable "media_signing_key_ids" {
  description = "Ids of the media signing keys, newest first: the first signs, all verify. Rotate by putting a new id first; drop the old one after DZINZA_MEDIA_URL_TTL_SECONDS."
  type        = list(string)
  default     = ["k1"]

  validation {
    condition     = length(var.media_signing_key_ids) > 0 && alltrue([for id in var.media_signing_key_ids : can(regex("^[A-Za-z0-9_-]+$", id))])
    error_message = "At least one key id, of letters, digits, - and _."
  }
}

variable "metrics_token_epoch" {
  description = "Bump to rotate the metrics bearer token."
  type        = number
  default     = 1
}
