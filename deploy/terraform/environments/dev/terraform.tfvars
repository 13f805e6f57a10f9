# Development: a single node, reduced resources, asleep outside working hours. Replace the
# example.org domain, the repository, the addresses and the CDN public key before the first apply.

environment = "dev"
region      = "us-west-2"
dr_region   = "us-east-2"
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
