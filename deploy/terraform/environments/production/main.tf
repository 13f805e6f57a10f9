# Dzinza, production: Multi-AZ, auto-scaling, full security (the infrastructure brief). The
# platform is modules/platform; what differs is below. Replace the example.org domain, the
# repository, the addresses and the CDN public key before the first apply (the same placeholders
# as deploy/k8s/overlays/production).

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

  # --- What makes this environment production ----------------------------------------------
  nat_gateway_per_az           = true # a zone's loss leaves the others their way out
  multi_az                     = true # RDS standby, Redis replicas with automatic failover
  deletion_protection          = true # RDS and the ALB refuse deletion
  opensearch_zone_awareness    = true # data nodes and replicas over three zones
  opensearch_dedicated_masters = true
  opensearch_yellow_alarm      = true
  cross_region_backups         = true # RDS automated backups replicated to the DR region
  force_destroy_buckets        = false
  scale_to_zero_schedule       = { enabled = false }

  # --- Names and sizes -------------------------------------------------------------------------
  # The Kubernetes manifests name this range (DZINZA_TRUSTED_PROXIES, the egress NetworkPolicy).
  # Each environment has its own account and VPC, never peered, so they may share it.
  vpc_cidr  = "10.20.0.0/16"
  zone_name = "dzinza.example.org"

  github_repository = "dzinza/dzinza"

  # The brief's cluster: 3 nodes, 2 to 10 (here per pool: the API on demand, workers on spot).
  kubernetes_version = "1.33"
  api_nodes = {
    instance_types = ["m6i.large"]
    min_size       = 3
    desired_size   = 3
    max_size       = 10
  }
  worker_nodes = {
    instance_types = ["m6i.large", "m6a.large", "m5.large"]
    min_size       = 2
    desired_size   = 2
    max_size       = 10
  }

  rds_instance_class        = "db.r6g.large"
  rds_allocated_storage     = 100
  rds_max_allocated_storage = 1000

  redis_node_type = "cache.r6g.large"
  redis_num_nodes = 3

  opensearch_instance_type  = "r6g.large.search"
  opensearch_instance_count = 3
  opensearch_volume_size    = 100

  enable_shield_advanced = true
  waf_rate_limit         = 2000

  cloudfront_public_key_pem = <<-PEM
    -----BEGIN PUBLIC KEY-----
    REPLACE-WITH-THE-CDN-SIGNING-PUBLIC-KEY
    -----END PUBLIC KEY-----
  PEM

  alarm_emails       = ["ops@dzinza.example.org"]
  monthly_budget_usd = 3000
  budget_emails      = ["ops@dzinza.example.org"]
}
