# What the Kubernetes manifests (deploy/k8s) and the operators need from this environment.

output "cluster_name" {
  description = "EKS cluster (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = module.eks.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster (IRSA)."
  value       = module.eks.oidc_provider_arn
}

output "oidc_issuer" {
  description = "OIDC issuer of the cluster, without https://."
  value       = module.eks.oidc_issuer
}

output "irsa_role_arns" {
  description = "IRSA roles by workload: the eks.amazonaws.com/role-arn annotation of each service account."
  value       = module.iam.irsa_role_arns
}

output "irsa_service_accounts" {
  description = "namespace/name of the service account each IRSA role trusts."
  value       = module.iam.service_account_subjects
}

output "github_deploy_role_arn" {
  description = "Role GitHub Actions assumes (role-to-assume)."
  value       = module.iam.github_deploy_role_arn
}

output "search_admin_role_arn" {
  description = "OpenSearch fine-grained access control master role."
  value       = module.iam.search_admin_role_arn
}

output "rds_endpoint" {
  description = "PostgreSQL host name."
  value       = module.rds.address
}

output "rds_port" {
  description = "PostgreSQL port."
  value       = module.rds.port
}

output "rds_database_name" {
  description = "Database of the application."
  value       = module.rds.database_name
}

output "rds_master_secret_arn" {
  description = "Secret with the master password (managed and rotated by RDS)."
  value       = module.rds.master_user_secret_arn
}

output "redis_endpoint" {
  description = "ElastiCache primary endpoint (rediss://:TOKEN@HOST:6379/0 for DZINZA_CACHE_URL and DZINZA_QUEUE_URL)."
  value       = module.elasticache.primary_endpoint
}

output "redis_port" {
  description = "ElastiCache port."
  value       = module.elasticache.port
}

output "opensearch_endpoint" {
  description = "OpenSearch VPC endpoint."
  value       = module.opensearch.endpoint
}

output "media_bucket" {
  description = "Media bucket."
  value       = module.s3.media_bucket
}

output "backup_bucket" {
  description = "Backup bucket (Object Lock, 35 days)."
  value       = module.s3.backup_bucket
}

output "backup_dr_bucket" {
  description = "Backup replica in the DR region."
  value       = module.s3.backup_dr_bucket
}

output "media_dr_bucket" {
  description = "Media replica in the DR region."
  value       = module.s3.media_dr_bucket
}

output "cloudfront_domain_name" {
  description = "CloudFront domain of the media CDN."
  value       = module.cloudfront.domain_name
}

output "media_cdn_url" {
  description = "DZINZA_MEDIA_CDN_URL."
  value       = "https://${local.media_domain_name}"
}

output "media_cdn_key_id" {
  description = "DZINZA_MEDIA_CDN_KEY_ID: id of the CDN's signing public key."
  value       = module.cloudfront.public_key_id
}

output "ecr_repository_url" {
  description = "Image repository of the application."
  value       = module.ecr.repository_url
}

output "alb_target_group_arn" {
  description = "Target group the ingress-nginx controller pods join (TargetGroupBinding)."
  value       = module.alb.target_group_arn
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = module.security_groups.alb_security_group_id
}

output "app_url" {
  description = "Public URL of the app (DZINZA_PUBLIC_URL)."
  value       = "https://${local.app_domain_name}"
}

output "secret_names" {
  description = "Secrets Manager names the External Secrets Operator reads."
  value       = module.secrets.secret_names
}

output "dzinza_settings" {
  description = "Non-secret DZINZA_* settings of the overlay's dzinza-config ConfigMap (DZINZA_SEARCH_URL is in the app secret)."
  value = {
    DZINZA_PUBLIC_URL       = "https://${local.app_domain_name}"
    DZINZA_MEDIA_URL        = "s3://${module.s3.media_bucket}?region=${var.region}&prefix=${module.s3.media_prefix}&sse=aws:kms&kms_key_id=${module.kms.alias_names["s3"]}"
    DZINZA_BACKUP_URL       = "s3://${module.s3.backup_bucket}?region=${var.region}&prefix=${module.s3.backup_prefix}&sse=aws:kms&kms_key_id=${module.kms.alias_names["backups"]}"
    DZINZA_BACKUP_KEY_URL   = "kms://${module.kms.alias_names["backups"]}?region=${var.region}"
    DZINZA_MEDIA_CDN_URL    = "https://${local.media_domain_name}"
    DZINZA_MEDIA_CDN_KEY_ID = module.cloudfront.public_key_id
  }
}

output "alarm_topic_arn" {
  description = "SNS topic of the CloudWatch alarms."
  value       = module.cloudwatch.alarm_topic_arn
}

output "zone_name_servers" {
  description = "Name servers to delegate the zone to."
  value       = module.route53.name_servers
}

output "zone_ds_record" {
  description = "DS record to publish in the parent zone (DNSSEC)."
  value       = module.route53.ds_record
}
