# Dzinza, development: a single node, reduced resources, asleep outside working hours (the
# infrastructure brief). The platform is modules/platform; what differs is below. Replace the
# example.org domain, the repository, the addresses and the CDN public key before the first apply.

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

  # --- What makes this environment development ---------------------------------------------
  nat_gateway_per_az           = false # one NAT gateway for the three zones
  multi_az                     = false # single-AZ RDS, one Redis node without failover
  deletion_protection          = false # torn down and rebuilt at will
  opensearch_zone_awareness    = false # a single node
  opensearch_dedicated_masters = false
  opensearch_yellow_alarm      = false # a single node never places its replicas
  cross_region_backups         = false # development data is disposable
  force_destroy_buckets        = true  # Object Lock still keeps locked backups their 35 days
  # Node groups sleep outside working hours (cron in the time zone below).
  scale_to_zero_schedule = {
    enabled   = true
    time_zone = "Etc/UTC" # set to the team's time zone
    stop      = "0 19 * * MON-FRI"
    start     = "0 7 * * MON-FRI"
  }

  # --- Names and sizes -------------------------------------------------------------------------
  # The Kubernetes manifests name this range (DZINZA_TRUSTED_PROXIES, the egress NetworkPolicy).
  # Each environment has its own account and VPC, never peered, so they may share it.
  vpc_cidr  = "10.20.0.0/16"
  zone_name = "dev.dzinza.example.org"

  github_repository = "dzinza/dzinza"

  # One on-demand node; spot workers only when jobs wait (the Cluster Autoscaler adds them).
  kubernetes_version = "1.33"
  api_nodes = {
    instance_types = ["t3.medium"]
    min_size       = 1
    desired_size   = 1
    max_size       = 3
  }
  worker_nodes = {
    instance_types = ["t3.medium", "t3a.medium"]
    min_size       = 0
    desired_size   = 0
    max_size       = 2
  }

  rds_instance_class        = "db.t4g.micro"
  rds_allocated_storage     = 20
  rds_max_allocated_storage = 50

  redis_node_type = "cache.t4g.micro"
  redis_num_nodes = 1

  opensearch_instance_type  = "t3.small.search"
  opensearch_instance_count = 1
  opensearch_volume_size    = 10

  enable_shield_advanced = false
  waf_rate_limit         = 1000

  cloudfront_public_key_pem = <<-PEM
    -----BEGIN PUBLIC KEY-----
    REPLACE-WITH-THE-CDN-SIGNING-PUBLIC-KEY
    -----END PUBLIC KEY-----
  PEM

  alarm_emails       = ["dev@dzinza.example.org"]
  monthly_budget_usd = 300
  budget_emails      = ["dev@dzinza.example.org"]
}
