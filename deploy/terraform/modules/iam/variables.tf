variable "name" {
  description = "Prefix of the role names, e.g. dzinza-production."
  type        = string
}

variable "oidc_provider_arn" {
  description = "IAM OIDC provider of the EKS cluster."
  type        = string
}

variable "oidc_issuer" {
  description = "OIDC issuer of the cluster without https://."
  type        = string
}

variable "app_namespace" {
  description = "Kubernetes namespace of the API, the workers and the backup CronJob."
  type        = string
}

variable "service_accounts" {
  description = "Kubernetes service accounts that assume each role: a name in app_namespace (api, worker, backup, external_secrets) or namespace/name."
  type = object({
    api                = optional(string, "dzinza-api")
    worker             = optional(string, "dzinza-worker")
    backup             = optional(string, "dzinza-backup")
    external_secrets   = optional(string, "dzinza-external-secrets")
    cluster_autoscaler = optional(string, "kube-system/cluster-autoscaler")
    adot_collector     = optional(string, "monitoring/adot-collector")
    lb_controller      = optional(string, "kube-system/aws-load-balancer-controller")
    cert_manager       = optional(string, "cert-manager/cert-manager")
  })
  default = {}
}

variable "media_bucket_arn" {
  description = "Media bucket."
  type        = string
}

variable "backup_bucket_arn" {
  description = "Backup bucket."
  type        = string
}

variable "media_prefix" {
  description = "Prefix of the application's media keys (without slash)."
  type        = string
  default     = "media"
}

variable "backup_prefix" {
  description = "Prefix of the daily backups (without slash)."
  type        = string
  default     = "nightly"
}

variable "hosted_zone_arn" {
  description = "Route 53 zone where cert-manager answers DNS-01 challenges."
  type        = string
}

variable "media_kms_key_arn" {
  description = "KMS key of the media bucket."
  type        = string
}

variable "backups_kms_key_arn" {
  description = "KMS key of the backups (bucket encryption and the application's backup encryption)."
  type        = string
}

variable "secrets_kms_key_arn" {
  description = "KMS key of the Secrets Manager secrets."
  type        = string
}

variable "opensearch_domain_arn" {
  description = "OpenSearch domain the API and workers search and index."
  type        = string
}

variable "secret_arns" {
  description = "Secrets the External Secrets Operator may read (the environment's application secrets)."
  type        = list(string)
}

variable "cluster_arn" {
  description = "EKS cluster (GitHub Actions describes it to reach the API)."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster name (the Cluster Autoscaler's ownership tag)."
  type        = string
}

variable "autoscaling_group_names" {
  description = "Auto Scaling groups of the node groups the Cluster Autoscaler may resize."
  type        = list(string)
}

variable "target_group_arn" {
  description = "ALB target group the load balancer controller registers the ingress-nginx pods in."
  type        = string
}

variable "target_security_group_ids" {
  description = "Security groups of the pods' interfaces, which the load balancer controller may open to the ALB."
  type        = list(string)
}

variable "ecr_repository_arn" {
  description = "ECR repository GitHub Actions pushes images to."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may deploy."
  type        = string
}

variable "github_environment" {
  description = "GitHub environment whose deployment jobs may assume the deploy role."
  type        = string
}

variable "create_github_oidc_provider" {
  description = "Create GitHub's OIDC provider (once per account; false to use the existing one)."
  type        = bool
  default     = true
}

variable "search_admin_principal_arns" {
  description = "IAM principals (operators' roles) allowed to assume the OpenSearch master role. Empty: any principal of this account that IAM allows to."
  type        = list(string)
  default     = []
}
