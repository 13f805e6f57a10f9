# Dzinza's whole platform in one AWS account and region: the wiring of every module, shared by
# the environments (environments/dev, staging, production), which differ only in the settings
# and sizes they pass.

locals {

  name          = "dzinza-${var.environment}"
  app_namespace = var.environment # the overlay's namespace (deploy/k8s/overlays/ENVIRONMENT)
  # The app at the zone's apex, the media CDN beside it (the overlays' hosts).
  app_domain_name   = var.zone_name
  media_domain_name = "media.${var.zone_name}"
  # ALB -> ingress-nginx pods: HTTPS, and the controller's health port.
  alb_target_port       = 443
  alb_health_check_port = 10254
}

# Every new EBS volume of the account is encrypted (nodes, and anything made by hand).
resource "aws_ebs_encryption_by_default" "this" {
  enabled = true
}

module "kms" {
  source = "../kms"
  providers = {
    aws           = aws
    aws.dr        = aws.dr
    aws.us_east_1 = aws.us_east_1
  }

  name         = local.name
  alias_prefix = "dzinza" # alias/dzinza-s3, alias/dzinza-backups, as the overlays name them
}

# --- Network -----------------------------------------------------------------------------------

module "vpc" {
  source = "../vpc"

  name               = local.name
  cidr_block         = var.vpc_cidr
  azs                = var.availability_zones
  nat_gateway_per_az = var.nat_gateway_per_az
  cluster_name       = local.name
  alb_target_ports   = [local.alb_target_port, local.alb_health_check_port]
  logs_kms_key_arn   = module.kms.key_arns["logs"]
}

module "security_groups" {
  source = "../security_groups"

  name             = local.name
  vpc_id           = module.vpc.vpc_id
  alb_target_ports = [local.alb_target_port, local.alb_health_check_port]
}

# --- Kubernetes --------------------------------------------------------------------------------

module "eks" {
  source = "../eks"

  cluster_name           = local.name
  kubernetes_version     = var.kubernetes_version
  subnet_ids             = module.vpc.private_subnet_ids
  endpoint_public_access = length(var.eks_public_endpoint_cidrs) > 0
  public_access_cidrs    = var.eks_public_endpoint_cidrs
  secrets_kms_key_arn    = module.kms.key_arns["eks"]
  logs_kms_key_arn       = module.kms.key_arns["logs"]
  app_security_group_id  = module.security_groups.app_security_group_id
  api_nodes              = var.api_nodes
  worker_nodes           = var.worker_nodes
  scale_to_zero_schedule = var.scale_to_zero_schedule

  access_entries = merge(
    {
      # GitHub Actions administers the application's namespace only. The pipeline also
      # applies that Namespace object itself, a cluster-scoped kind: in-cluster RBAC grants
      # it to the group dzinza-deployers (get and patch on that one namespace).
      github-deploy = {
        principal_arn     = module.iam.github_deploy_role_arn
        policy_arn        = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"
        namespaces        = [local.app_namespace]
        kubernetes_groups = ["dzinza-deployers"]
      }
    },
    {
      for i, arn in var.cluster_admin_arns : "admin-${i}" => {
        principal_arn = arn
        policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
      }
    },
  )
}

module "ecr" {
  source = "../ecr"

  repository_name  = "dzinza"
  kms_key_arn      = module.kms.key_arns["ecr"]
  pull_account_ids = var.ecr_pull_account_ids
}

module "iam" {
  source = "../iam"

  name                        = local.name
  oidc_provider_arn           = module.eks.oidc_provider_arn
  oidc_issuer                 = module.eks.oidc_issuer
  app_namespace               = local.app_namespace
  media_bucket_arn            = module.s3.media_bucket_arn
  backup_bucket_arn           = module.s3.backup_bucket_arn
  media_prefix                = module.s3.media_prefix
  backup_prefix               = module.s3.backup_prefix
  hosted_zone_arn             = module.route53.zone_arn
  media_kms_key_arn           = module.kms.key_arns["s3"]
  backups_kms_key_arn         = module.kms.key_arns["backups"]
  secrets_kms_key_arn         = module.kms.key_arns["secrets"]
  opensearch_domain_arn       = module.opensearch.arn
  secret_arns                 = values(module.secrets.secret_arns)
  cluster_arn                 = module.eks.cluster_arn
  cluster_name                = module.eks.cluster_name
  autoscaling_group_names     = values(module.eks.autoscaling_group_names)
  target_group_arn            = module.alb.target_group_arn
  target_security_group_ids   = [module.security_groups.app_security_group_id, module.eks.cluster_security_group_id]
  ecr_repository_arn          = module.ecr.repository_arn
  github_repository           = var.github_repository
  github_environment          = var.environment
  create_github_oidc_provider = var.create_github_oidc_provider
}

# --- Data --------------------------------------------------------------------------------------

module "secrets" {
  source = "../secrets"

  prefix               = "dzinza/${var.environment}"
  kms_key_arn          = module.kms.key_arns["secrets"]
  region               = var.region
  backup_kms_key_alias = module.kms.alias_names["backups"]
  database = {
    host = module.rds.address
    port = module.rds.port
    name = module.rds.database_name
  }
  redis = {
    host = module.elasticache.primary_endpoint
    port = module.elasticache.port
  }
  opensearch_endpoint = module.opensearch.endpoint
  smtp_url            = var.smtp_url
}

module "rds" {
  source = "../rds"
  providers = {
    aws    = aws
    aws.dr = aws.dr
  }

  name                      = local.name
  instance_class            = var.rds_instance_class
  allocated_storage         = var.rds_allocated_storage
  max_allocated_storage     = var.rds_max_allocated_storage
  multi_az                  = var.multi_az
  deletion_protection       = var.deletion_protection
  subnet_ids                = module.vpc.database_subnet_ids
  security_group_ids        = [module.security_groups.database_security_group_id]
  kms_key_arn               = module.kms.key_arns["rds"]
  master_secret_kms_key_arn = module.kms.key_arns["secrets"]
  logs_kms_key_arn          = module.kms.key_arns["logs"]
  cross_region_backups      = var.cross_region_backups
  dr_kms_key_arn            = module.kms.rds_dr_key_arn
}

module "elasticache" {
  source = "../elasticache"

  name               = local.name
  node_type          = var.redis_node_type
  num_cache_clusters = var.redis_num_nodes
  multi_az           = var.multi_az
  subnet_ids         = module.vpc.database_subnet_ids
  security_group_ids = [module.security_groups.database_security_group_id]
  kms_key_arn        = module.kms.key_arns["elasticache"]
  auth_token         = module.secrets.redis_auth_token
  logs_kms_key_arn   = module.kms.key_arns["logs"]
}

module "opensearch" {
  source = "../opensearch"

  name                       = local.name
  instance_type              = var.opensearch_instance_type
  instance_count             = var.opensearch_instance_count
  zone_awareness             = var.opensearch_zone_awareness
  dedicated_masters          = var.opensearch_dedicated_masters
  volume_size                = var.opensearch_volume_size
  subnet_ids                 = module.vpc.database_subnet_ids
  security_group_ids         = [module.security_groups.database_security_group_id]
  kms_key_arn                = module.kms.key_arns["opensearch"]
  master_role_arn            = module.iam.search_admin_role_arn
  client_role_arns           = [module.iam.api_role_arn, module.iam.worker_role_arn]
  logs_kms_key_arn           = module.kms.key_arns["logs"]
  create_service_linked_role = var.create_opensearch_service_linked_role
}

module "s3" {
  source = "../s3"
  providers = {
    aws    = aws
    aws.dr = aws.dr
  }

  name                        = local.name
  media_kms_key_arn           = module.kms.key_arns["s3"]
  backups_kms_key_arn         = module.kms.key_arns["backups"]
  audit_kms_key_arn           = module.kms.key_arns["logs"]
  media_dr_kms_key_arn        = module.kms.s3_dr_key_arn
  backups_dr_kms_key_arn      = module.kms.backups_dr_key_arn
  cloudfront_distribution_arn = module.cloudfront.distribution_arn
  cors_allowed_origins        = ["https://${local.app_domain_name}"]
  force_destroy               = var.force_destroy_buckets
}

# --- Edge --------------------------------------------------------------------------------------

module "route53" {
  source = "../route53"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  zone_name         = var.zone_name
  app_domain_name   = local.app_domain_name
  media_domain_name = local.media_domain_name
  alb_dns_name      = module.alb.dns_name
  alb_zone_id       = module.alb.zone_id
  cdn_domain_name   = module.cloudfront.domain_name
  cdn_zone_id       = module.cloudfront.hosted_zone_id
  logs_kms_key_arn  = module.kms.logs_us_east_1_key_arn
}

module "waf_alb" {
  source = "../waf"

  name       = "${local.name}-alb"
  scope      = "REGIONAL"
  rate_limit = var.waf_rate_limit
  # Photo uploads and GEDCOM imports exceed the rule's 8 KB body limit; the application
  # enforces its own limits (DZINZA_IMPORT_MAX_BYTES, DZINZA_MEDIA_FORM_MAX_BYTES).
  common_rule_count_overrides = ["SizeRestrictions_BODY"]
  logs_kms_key_arn            = module.kms.key_arns["logs"]
}

# CLOUDFRONT-scope web ACLs exist only in us-east-1.
module "waf_cdn" {
  source = "../waf"
  providers = {
    aws = aws.us_east_1
  }

  name             = "${local.name}-cdn"
  scope            = "CLOUDFRONT"
  logs_kms_key_arn = module.kms.logs_us_east_1_key_arn
}

module "alb" {
  source = "../alb"

  name                = local.name
  vpc_id              = module.vpc.vpc_id
  public_subnet_ids   = module.vpc.public_subnet_ids
  security_group_id   = module.security_groups.alb_security_group_id
  app_domain_name     = local.app_domain_name
  zone_id             = module.route53.zone_id
  target_port         = local.alb_target_port
  health_check_port   = local.alb_health_check_port
  logs_bucket         = module.s3.logs_bucket
  web_acl_arn         = module.waf_alb.web_acl_arn
  deletion_protection = var.deletion_protection
}

module "cloudfront" {
  source = "../cloudfront"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                        = local.name
  media_domain_name           = local.media_domain_name
  zone_id                     = module.route53.zone_id
  origin_domain_name          = module.s3.media_bucket_regional_domain_name
  failover_origin_domain_name = module.s3.media_dr_bucket_regional_domain_name
  public_key_pem              = var.cloudfront_public_key_pem
  web_acl_arn                 = module.waf_cdn.web_acl_arn
  logs_bucket_domain_name     = module.s3.logs_bucket_domain_name
}

module "shield" {
  source = "../shield"

  enable_shield_advanced      = var.enable_shield_advanced
  name                        = local.name
  alb_arn                     = module.alb.arn
  cloudfront_distribution_arn = module.cloudfront.distribution_arn
  hosted_zone_arn             = module.route53.zone_arn
  alb_health_check_id         = module.route53.health_check_id
}

# --- Operations --------------------------------------------------------------------------------

module "cloudwatch" {
  source = "../cloudwatch"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                       = local.name
  kms_key_arn                = module.kms.key_arns["logs"]
  kms_key_arn_us_east_1      = module.kms.logs_us_east_1_key_arn
  alarm_emails               = var.alarm_emails
  rds_instance_id            = module.rds.identifier
  redis_replication_group_id = module.elasticache.replication_group_id
  redis_num_nodes            = var.redis_num_nodes
  opensearch_domain_name     = module.opensearch.domain_name
  opensearch_yellow_alarm    = var.opensearch_yellow_alarm
  alb_arn_suffix             = module.alb.arn_suffix
  waf_regional_acl_name      = module.waf_alb.web_acl_name
  waf_cloudfront_acl_name    = module.waf_cdn.web_acl_name
  health_check_id            = module.route53.health_check_id
}

module "config" {
  source = "../config"

  name        = local.name
  bucket_name = module.s3.audit_bucket
  bucket_arn  = module.s3.audit_bucket_arn
  kms_key_arn = module.kms.key_arns["logs"]
}

module "budgets" {
  source = "../budgets"

  name                = "${local.name}-monthly"
  monthly_limit_usd   = var.monthly_budget_usd
  notification_emails = var.budget_emails
}
