variable "zone_name" {
  description = "Public hosted zone of the environment, e.g. dzinza.example (delegate it from the parent zone: name servers and DS record)."
  type        = string
}

variable "app_domain_name" {
  description = "Host name of the web app and API (alias to the ALB)."
  type        = string
}

variable "media_domain_name" {
  description = "Host name of the media CDN (alias to CloudFront)."
  type        = string
}

variable "alb_dns_name" {
  description = "DNS name of the ALB."
  type        = string
}

variable "alb_zone_id" {
  description = "Route 53 zone id of the ALB."
  type        = string
}

variable "cdn_domain_name" {
  description = "Domain name of the CloudFront distribution."
  type        = string
}

variable "cdn_zone_id" {
  description = "Route 53 zone id of CloudFront."
  type        = string
}

variable "health_check_path" {
  description = "Path the health check requests over HTTPS."
  type        = string
  default     = "/healthz"
}

variable "logs_kms_key_arn" {
  description = "KMS key in us-east-1 of the query log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days DNS query logs are kept."
  type        = number
  default     = 365
}
