variable "enable_shield_advanced" {
  description = "Protect the resources with Shield Advanced (the account must be subscribed: a one-year commitment made outside Terraform)."
  type        = bool
  default     = false
}

variable "name" {
  description = "Name prefix of the protections, e.g. dzinza-production."
  type        = string
}

variable "alb_arn" {
  description = "ALB to protect."
  type        = string
}

variable "cloudfront_distribution_arn" {
  description = "CloudFront distribution to protect."
  type        = string
}

variable "hosted_zone_arn" {
  description = "Route 53 hosted zone to protect."
  type        = string
}

variable "alb_health_check_id" {
  description = "Route 53 health check of the app, for health-based detection on the ALB."
  type        = string
}
