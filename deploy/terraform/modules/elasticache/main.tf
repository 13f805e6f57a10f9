# Redis 7 for the cache and the job queue: TLS in transit with an AUTH token, encrypted at
# rest with KMS, replicas in other zones with automatic failover where multi_az is set.

resource "aws_elasticache_subnet_group" "this" {
  name        = var.name
  description = "Isolated database subnets of ${var.name}"
  subnet_ids  = var.subnet_ids
}

# The queue's keys have no expiry and must never be evicted; the cache's keys all carry a
# TTL. volatile-lru evicts only keys with a TTL, so memory pressure drops cache entries,
# never jobs.
resource "aws_elasticache_parameter_group" "this" {
  name        = "${var.name}-redis7"
  family      = "redis7"
  description = "Dzinza Redis 7: evict only expiring (cache) keys"

  parameter {
    name  = "maxmemory-policy"
    value = "volatile-lru"
  }
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = "/aws/elasticache/${var.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_elasticache_replication_group" "this" {
  #checkov:skip=CKV2_AWS_50:Multi-AZ failover is chosen per environment: on in production and staging, off in development's single node (the infrastructure brief's reduced resources).
  replication_group_id = var.name
  description          = "Dzinza cache and job queue"

  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.this.name

  num_cache_clusters         = var.num_cache_clusters
  automatic_failover_enabled = var.multi_az
  multi_az_enabled           = var.multi_az

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = var.security_group_ids

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = var.auth_token
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.snapshot_retention_limit
  snapshot_window            = var.snapshot_window
  maintenance_window         = var.maintenance_window
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  lifecycle {
    precondition {
      condition     = !var.multi_az || var.num_cache_clusters >= 2
      error_message = "Automatic failover needs at least two nodes."
    }
  }
}
