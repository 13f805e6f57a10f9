variable "name" {
  description = "Name of the load balancer, e.g. dzinza-production (at most 32 characters)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the load balancer (three zones)."
  type        = list(string)
}

variable "security_group_id" {
  description = "ALB security group (HTTP and HTTPS from the internet)."
  type        = string
}

variable "app_domain_name" {
  description = "Host name of the application, e.g. app.dzinza.example."
  type        = string
}

variable "zone_id" {
  description = "Route 53 zone where the certificate's validation records go."
  type        = string
}

variable "target_port" {
  description = "HTTPS port of the targets: the ingress-nginx controller pods (IP targets), which route to dzinza-api."
  type        = number
  default     = 443
}

variable "health_check_port" {
  description = "Port of the targets' health endpoint (ingress-nginx: 10254, plain HTTP)."
  type        = number
  default     = 10254
}

variable "health_check_path" {
  description = "Health path on health_check_port."
  type        = string
  default     = "/healthz"
}

variable "logs_bucket" {
  description = "Bucket of the access logs (prefix alb/)."
  type        = string
}

variable "web_acl_arn" {
  description = "REGIONAL WAF web ACL attached to the load balancer."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse deletion of the load balancer (production and staging)."
  type        = bool
  default     = true
}

variable "idle_timeout" {
  description = "Seconds an idle connection stays open (large GEDCOM and photo uploads need time)."
  type        = number
  default     = 120
}
