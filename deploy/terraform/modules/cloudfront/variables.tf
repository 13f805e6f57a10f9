variable "name" {
  description = "Name prefix, e.g. dzinza-production."
  type        = string
}

variable "media_domain_name" {
  description = "Host name of the CDN, e.g. media.dzinza.example (a record in zone_id points at the distribution)."
  type        = string
}

variable "zone_id" {
  description = "Route 53 zone where the certificate's validation records go."
  type        = string
}

variable "origin_domain_name" {
  description = "Regional domain name of the media bucket."
  type        = string
}

variable "failover_origin_domain_name" {
  description = "Regional domain name of the media replica in the DR region (failover origin)."
  type        = string
}

variable "public_key_pem" {
  description = "PEM public key of the key pair that signs CDN URLs (the application holds the private key: DZINZA_MEDIA_CDN_PRIVATE_KEY_FILE)."
  type        = string
}

variable "web_acl_arn" {
  description = "CLOUDFRONT-scope WAF web ACL (created in us-east-1)."
  type        = string
}

variable "logs_bucket_domain_name" {
  description = "Domain name of the log bucket (standard logging)."
  type        = string
}

variable "price_class" {
  description = "Edge locations used (families use Dzinza worldwide: all of them by default)."
  type        = string
  default     = "PriceClass_All"
}
