variable "name" {
  description = "Name of the web ACL, e.g. dzinza-production-alb."
  type        = string
}

variable "scope" {
  description = "REGIONAL (the ALB) or CLOUDFRONT (the CDN; the module must then get a us-east-1 provider)."
  type        = string

  validation {
    condition     = contains(["REGIONAL", "CLOUDFRONT"], var.scope)
    error_message = "scope is REGIONAL or CLOUDFRONT."
  }
}

variable "rate_limit" {
  description = "Requests one IP address may make in 5 minutes before it is blocked."
  type        = number
  default     = 2000
}

variable "common_rule_count_overrides" {
  description = "Rules of the Common rule set that only count instead of blocking (e.g. SizeRestrictions_BODY where uploads are larger than 8 KB)."
  type        = list(string)
  default     = []
}

variable "logs_kms_key_arn" {
  description = "KMS key of the WAF log group (in the web ACL's region)."
  type        = string
}

variable "log_retention_days" {
  description = "Days the WAF logs are kept."
  type        = number
  default     = 365
}
