# Dzinza, staging: production-like with smaller instances (the infrastructure brief). The
# platform is modules/platform; what differs is below. Replace the example.org domain, the
# repository, the addresses and the CDN public key before the first apply (the same placeholders
# as deploy/k8s/overlays/staging).

module "platform" {
  source = "../../modules/platform"
  providers = {
    aws           = aws
    aws.dr        = aws.dr
    aws.us_east_1 = aws.us_east_1
  }

  environment    = var.environment
  aws_account_id = var.aws_account_id
  region         = var.region
  dr_region      = var.dr_region
  smtp_url       = var.smtp_url

  # --- What makes this environment staging -------------------------------------------------
  nat_gateway_per_az           = true # production-like: the same topology, smaller instances
  multi_az                     = true
  deletion_protection          = true # the quarterly DR rehearsal restores beside it, never over it
  opensearch_zone_awareness    = true
  opensearch_dedicated_masters = false # the data nodes elect a master among themselves
  opensearch_yellow_alarm      = true
  cross_region_backups         = true # the DR rehearsal restores from the DR region's copies
  force_destroy_buckets        = false
  scale_to_zero_schedule       = { enabled = false }

  # --- Names and sizes -------------------------------------------------------------------------
  # The Kubernetes manifests name this range (DZINZA_TRUSTED_PROXIES, the egress NetworkPolicy).
  # Each environment has its own account and VPC, never peered, so they may share it.
  vpc_cidr  = "10.20.0.0/16"
  zone_name = "staging.dzinza.example.org"

  github_repository = "dzinza/dzinza"

  kubernetes_version = "1.33"
  api_nodes = {
    instance_types = ["t3.large"]
    min_size       = 2
    desired_size   = 2
    max_size       = 6
  }
  worker_nodes = {
    instance_types = ["t3.large", "t3a.large", "m5.large"]
    min_size       = 0
    desired_size   = 1
    max_size       = 4
  }

  rds_instance_class        = "db.t4g.medium"
  rds_allocated_storage     = 50
  rds_max_allocated_storage = 200

  redis_node_type = "cache.t4g.small"
  redis_num_nodes = 2

  opensearch_instance_type  = "t3.medium.search"
  opensearch_instance_count = 3
  opensearch_volume_size    = 20

  enable_shield_advanced = false
  waf_rate_limit         = 2000

  cloudfront_public_key_pem = <<-PEM
    -----BEGIN PUBLIC KEY-----
    REPLACE-WITH-THE-CDN-SIGNING-PUBLIC-KEY
    -----END PUBLIC KEY-----
  PEM

  alarm_emails       = ["ops@dzinza.example.org"]
  monthly_budget_usd = 800
  budget_emails      = ["ops@dzinza.example.org"]
}
