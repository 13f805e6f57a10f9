variable "name" {
  description = "Name prefix of the topics and alarms, e.g. dzinza-production."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the alarm topic (primary region)."
  type        = string
}

variable "kms_key_arn_us_east_1" {
  description = "KMS key of the us-east-1 alarm topic (CloudFront WAF and Route 53 metrics live there)."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topics (each confirms by email)."
  type        = list(string)
  default     = []
}

variable "rds_instance_id" {
  description = "DB instance identifier."
  type        = string
}

variable "rds_cpu_threshold" {
  description = "RDS CPU utilisation (%) that alarms after 15 minutes."
  type        = number
  default     = 80
}

variable "rds_free_storage_threshold_bytes" {
  description = "Free storage below which RDS alarms (storage autoscaling should act before)."
  type        = number
  default     = 5368709120
}

variable "rds_replica_identifiers" {
  description = "Read replicas whose ReplicaLag is watched (none today; Multi-AZ standbys are synchronous and publish no lag)."
  type        = list(string)
  default     = []
}

variable "rds_replica_lag_threshold_seconds" {
  description = "Replica lag (s) that alarms; the brief's RPO is one hour."
  type        = number
  default     = 300
}

variable "redis_replication_group_id" {
  description = "ElastiCache replication group."
  type        = string
}

variable "redis_num_nodes" {
  description = "Nodes of the replication group (member cluster ids are GROUP-001, GROUP-002, ...)."
  type        = number
}

variable "redis_cpu_threshold" {
  description = "Redis engine CPU (%) that alarms."
  type        = number
  default     = 80
}

variable "redis_evictions_threshold" {
  description = "Evictions in 5 minutes that alarm (cache keys are being dropped for memory)."
  type        = number
  default     = 100
}

variable "redis_replication_lag_threshold_seconds" {
  description = "Redis replica lag (s) that alarms."
  type        = number
  default     = 30
}

variable "opensearch_domain_name" {
  description = "OpenSearch domain."
  type        = string
}

variable "opensearch_free_storage_threshold_mb" {
  description = "Free storage (MiB) of the smallest node below which OpenSearch alarms."
  type        = number
  default     = 5120
}

variable "opensearch_yellow_alarm" {
  description = "Alarm on yellow status (off for a single node, where replicas cannot be placed)."
  type        = bool
  default     = true
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB."
  type        = string
}

variable "alb_5xx_threshold" {
  description = "5xx responses in 5 minutes (from the ALB or the targets) that alarm."
  type        = number
  default     = 25
}

variable "waf_regional_acl_name" {
  description = "REGIONAL web ACL (the ALB's)."
  type        = string
}

variable "waf_cloudfront_acl_name" {
  description = "CLOUDFRONT web ACL (the CDN's)."
  type        = string
}

variable "waf_blocked_threshold" {
  description = "Blocked requests in 5 minutes that count as a spike."
  type        = number
  default     = 500
}

variable "health_check_id" {
  description = "Route 53 health check of the app."
  type        = string
}
