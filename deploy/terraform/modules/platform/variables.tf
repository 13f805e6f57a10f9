variable "environment" {
  description = "Environment name: tags, resource names (dzinza-ENVIRONMENT) and the application's Kubernetes namespace."
  type        = string
}

variable "aws_account_id" {
  description = "The AWS account this environment lives in; Terraform refuses to run against another. Null: not checked."
  type        = string
  default     = null
}

variable "region" {
  description = "Primary region (the infrastructure brief: us-west-2)."
  type        = string
  default     = "us-west-2"
}

variable "dr_region" {
  description = "Disaster-recovery region: replicated backups and media."
  type        = string
  default     = "us-east-2"
}

variable "availability_zones" {
  description = "The three zones of the primary region (named, so that the subnets never move when AWS adds a zone)."
  type        = list(string)
  default     = ["us-west-2a", "us-west-2b", "us-west-2c"]
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC (a /16)."
  type        = string
}

variable "zone_name" {
  description = "Public DNS zone of the environment: the app answers at its apex, the media CDN at media.ZONE (the hosts of the Kubernetes overlay)."
  type        = string
}

# No default: an apply without it would blank the mail settings of the running application.
variable "smtp_url" {
  description = "DZINZA_SMTP_URL, written into the app secret. Give it as TF_VAR_smtp_url from the password manager, never in a file; \"\" on purpose: mail goes to files."
  type        = string
  sensitive   = true
}

variable "github_repository" {
  description = "GitHub repository (owner/name) allowed to deploy."
  type        = string
}

variable "create_github_oidc_provider" {
  description = "Create GitHub's OIDC provider in the account (false where another stack made it)."
  type        = bool
  default     = true
}

variable "cluster_admin_arns" {
  description = "IAM roles given cluster-admin in Kubernetes (operators' SSO roles)."
  type        = list(string)
  default     = []
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"
}

variable "ecr_pull_account_ids" {
  description = "Accounts of other environments allowed to pull this environment's images."
  type        = list(string)
  default     = []
}

variable "eks_public_endpoint_cidrs" {
  description = "Address ranges allowed to the Kubernetes API's public endpoint; empty: private endpoint only (deploys then run from inside the VPC)."
  type        = list(string)
  default     = []
}

variable "api_nodes" {
  description = "On-demand node group of the API."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
  })
}

variable "worker_nodes" {
  description = "Spot node group of the workers."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
  })
}

variable "rds_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "rds_allocated_storage" {
  description = "Initial RDS storage, GiB."
  type        = number
}

variable "rds_max_allocated_storage" {
  description = "RDS storage autoscaling ceiling, GiB."
  type        = number
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_num_nodes" {
  description = "ElastiCache nodes (primary plus replicas)."
  type        = number
}

variable "opensearch_instance_type" {
  description = "OpenSearch data node type."
  type        = string
}

variable "opensearch_instance_count" {
  description = "OpenSearch data nodes."
  type        = number
}

variable "opensearch_volume_size" {
  description = "EBS volume per OpenSearch data node, GiB."
  type        = number
}

variable "create_opensearch_service_linked_role" {
  description = "Create OpenSearch's service-linked role (false where the account has it)."
  type        = bool
  default     = true
}

variable "cloudfront_public_key_pem" {
  description = "PEM public key verifying the media CDN's signed URLs (its private key goes into the cdn-private-key secret)."
  type        = string
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes one IP address may make to the ALB."
  type        = number
  default     = 2000
}

variable "enable_shield_advanced" {
  description = "Shield Advanced protections on the ALB, CloudFront and the zone (the account must be subscribed)."
  type        = bool
  default     = false
}

variable "alarm_emails" {
  description = "Addresses receiving CloudWatch alarms."
  type        = list(string)
  default     = []
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget, USD."
  type        = number
}

variable "budget_emails" {
  description = "Addresses receiving the budget's 80% and 100% forecast warnings."
  type        = list(string)
}

# --- What makes an environment what it is (each environment's main.tf says why) ------------------

variable "nat_gateway_per_az" {
  description = "A NAT gateway in each zone (else one for all)."
  type        = bool
}

variable "multi_az" {
  description = "An RDS standby in another zone, Redis replicas with automatic failover."
  type        = bool
}

variable "deletion_protection" {
  description = "RDS and the load balancer refuse deletion."
  type        = bool
}

variable "opensearch_zone_awareness" {
  description = "OpenSearch data nodes and replicas spread over the zones."
  type        = bool
}

variable "opensearch_dedicated_masters" {
  description = "Dedicated OpenSearch master nodes."
  type        = bool
}

variable "opensearch_yellow_alarm" {
  description = "Alarm on a yellow OpenSearch cluster (a single node is always yellow)."
  type        = bool
}

variable "cross_region_backups" {
  description = "RDS automated backups replicated to the DR region."
  type        = bool
}

variable "force_destroy_buckets" {
  description = "Buckets may be destroyed with objects in them."
  type        = bool
}

variable "scale_to_zero_schedule" {
  description = "Node groups scaled to zero outside working hours (cron expressions in time_zone)."
  type = object({
    enabled   = bool
    time_zone = optional(string, "Etc/UTC")
    stop      = optional(string, "0 19 * * MON-FRI")
    start     = optional(string, "0 7 * * MON-FRI")
  })
}
