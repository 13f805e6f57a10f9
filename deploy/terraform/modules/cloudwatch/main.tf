# Alarms on the managed services, sent to a KMS-encrypted SNS topic. Metrics of global
# services (CloudFront's WAF, Route 53 health checks) exist in us-east-1 only, so a second
# topic there carries those alarms. The application's own alerts are Prometheus rules
# (deploy/prometheus/rules.yml); these cover what the application cannot see.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

# --- Topics ----------------------------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic" "alarms_us_east_1" {
  provider = aws.us_east_1

  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn_us_east_1
}

locals {
  topics = {
    primary   = aws_sns_topic.alarms
    us_east_1 = aws_sns_topic.alarms_us_east_1
  }

  topic_policy = {
    for k, t in local.topics : k => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = t.arn
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      }]
    })
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = local.topic_policy["primary"]
}

resource "aws_sns_topic_policy" "alarms_us_east_1" {
  provider = aws.us_east_1

  arn    = aws_sns_topic.alarms_us_east_1.arn
  policy = local.topic_policy["us_east_1"]
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "email_us_east_1" {
  for_each = toset(var.alarm_emails)
  provider = aws.us_east_1

  topic_arn = aws_sns_topic.alarms_us_east_1.arn
  protocol  = "email"
  endpoint  = each.value
}

# --- RDS -------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${var.name}-rds-cpu"
  alarm_description   = "PostgreSQL CPU above ${var.rds_cpu_threshold}% for 15 minutes: slow queries (Performance Insights) or a larger instance class."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = var.rds_instance_id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rds_cpu_threshold
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "rds_free_storage" {
  alarm_name          = "${var.name}-rds-free-storage"
  alarm_description   = "PostgreSQL free storage low: storage autoscaling is at its ceiling (max_allocated_storage) or not keeping up."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = var.rds_instance_id }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = var.rds_free_storage_threshold_bytes
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "rds_replica_lag" {
  for_each = toset(var.rds_replica_identifiers)

  alarm_name          = "${var.name}-rds-replica-lag-${each.key}"
  alarm_description   = "Read replica ${each.key} lags its primary by more than ${var.rds_replica_lag_threshold_seconds} s."
  namespace           = "AWS/RDS"
  metric_name         = "ReplicaLag"
  dimensions          = { DBInstanceIdentifier = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rds_replica_lag_threshold_seconds
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# --- ElastiCache -----------------------------------------------------------------------------

locals {
  # Member clusters are named GROUP-001, GROUP-002...; keyed by number, known at plan time.
  redis_nodes = { for i in range(var.redis_num_nodes) : format("%03d", i + 1) => format("%s-%03d", var.redis_replication_group_id, i + 1) }
}

resource "aws_cloudwatch_metric_alarm" "redis_cpu" {
  for_each = local.redis_nodes

  alarm_name          = "${var.name}-redis-cpu-${each.key}"
  alarm_description   = "Redis engine CPU above ${var.redis_cpu_threshold}% on node ${each.key} (Redis runs commands on one thread)."
  namespace           = "AWS/ElastiCache"
  metric_name         = "EngineCPUUtilization"
  dimensions          = { CacheClusterId = each.value }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.redis_cpu_threshold
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "redis_evictions" {
  for_each = local.redis_nodes

  alarm_name          = "${var.name}-redis-evictions-${each.key}"
  alarm_description   = "Redis is evicting cache keys on node ${each.key}: memory is short (the queue's keys are never evicted, but the cache suffers)."
  namespace           = "AWS/ElastiCache"
  metric_name         = "Evictions"
  dimensions          = { CacheClusterId = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.redis_evictions_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Only replicas publish ReplicationLag; the primary's alarm stays without data.
resource "aws_cloudwatch_metric_alarm" "redis_replication_lag" {
  for_each = { for k, id in local.redis_nodes : k => id if var.redis_num_nodes > 1 }

  alarm_name          = "${var.name}-redis-replication-lag-${each.key}"
  alarm_description   = "Redis node ${each.key} lags the primary by more than ${var.redis_replication_lag_threshold_seconds} s (while it is a replica)."
  namespace           = "AWS/ElastiCache"
  metric_name         = "ReplicationLag"
  dimensions          = { CacheClusterId = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.redis_replication_lag_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# --- OpenSearch ------------------------------------------------------------------------------

locals {
  opensearch_dimensions = {
    DomainName = var.opensearch_domain_name
    ClientId   = data.aws_caller_identity.current.account_id
  }
}

resource "aws_cloudwatch_metric_alarm" "opensearch_red" {
  alarm_name          = "${var.name}-opensearch-red"
  alarm_description   = "OpenSearch cluster RED: a primary shard is unassigned, searches miss people. `dzinza search reindex` rebuilds the index from the database."
  namespace           = "AWS/ES"
  metric_name         = "ClusterStatus.red"
  dimensions          = local.opensearch_dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "opensearch_yellow" {
  count = var.opensearch_yellow_alarm ? 1 : 0

  alarm_name          = "${var.name}-opensearch-yellow"
  alarm_description   = "OpenSearch cluster YELLOW for 15 minutes: a replica shard is unassigned, one more node loss would lose data."
  namespace           = "AWS/ES"
  metric_name         = "ClusterStatus.yellow"
  dimensions          = local.opensearch_dimensions
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "opensearch_free_storage" {
  alarm_name          = "${var.name}-opensearch-free-storage"
  alarm_description   = "OpenSearch node storage low: past the disk watermarks indexes go read-only."
  namespace           = "AWS/ES"
  metric_name         = "FreeStorageSpace"
  dimensions          = local.opensearch_dimensions
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = var.opensearch_free_storage_threshold_mb
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# --- ALB -------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.name}-alb-5xx"
  alarm_description   = "More than ${var.alb_5xx_threshold} 5xx responses in 5 minutes (from the ALB itself or from behind it: ingress-nginx and the API)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alb_5xx_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "total"
    expression  = "elb + target"
    label       = "5xx responses"
    return_data = true
  }

  metric_query {
    id = "elb"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "target"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      stat        = "Sum"
      period      = 300
    }
  }
}

# --- WAF -------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "waf_blocked_regional" {
  alarm_name          = "${var.name}-waf-blocked-spike-alb"
  alarm_description   = "The ALB's WAF blocked more than ${var.waf_blocked_threshold} requests in 5 minutes: an attack, or a rule blocking real users (see the WAF logs)."
  namespace           = "AWS/WAFV2"
  metric_name         = "BlockedRequests"
  dimensions          = { WebACL = var.waf_regional_acl_name, Region = data.aws_region.current.name, Rule = "ALL" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.waf_blocked_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "waf_blocked_cloudfront" {
  provider = aws.us_east_1

  alarm_name          = "${var.name}-waf-blocked-spike-cdn"
  alarm_description   = "The CDN's WAF blocked more than ${var.waf_blocked_threshold} requests in 5 minutes."
  namespace           = "AWS/WAFV2"
  metric_name         = "BlockedRequests"
  dimensions          = { WebACL = var.waf_cloudfront_acl_name, Rule = "ALL" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.waf_blocked_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms_us_east_1.arn]
  ok_actions          = [aws_sns_topic.alarms_us_east_1.arn]
}

# --- Route 53 health check -------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "app_health" {
  provider = aws.us_east_1

  alarm_name          = "${var.name}-app-health-check"
  alarm_description   = "The app's /healthz fails from Route 53's checkers: the site is down for visitors."
  namespace           = "AWS/Route53"
  metric_name         = "HealthCheckStatus"
  dimensions          = { HealthCheckId = var.health_check_id }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms_us_east_1.arn]
  ok_actions          = [aws_sns_topic.alarms_us_east_1.arn]
}
