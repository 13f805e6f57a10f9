# Bucket policies: every bucket refuses requests without TLS (or below TLS 1.2); each adds
# what its writers or readers need.

locals {
  all_buckets = {
    media      = aws_s3_bucket.media
    backups    = aws_s3_bucket.backups
    audit      = aws_s3_bucket.audit
    logs       = aws_s3_bucket.logs
    media_dr   = aws_s3_bucket.media_dr
    backups_dr = aws_s3_bucket.backups_dr
    logs_dr    = aws_s3_bucket.logs_dr
  }

  tls_only = {
    for k, b in local.all_buckets : k => [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [b.arn, "${b.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOldTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [b.arn, "${b.arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
    ]
  }

  # CloudFront's origin access control reads thumbnails and previews only.
  cloudfront_reads = {
    for k, b in { media = aws_s3_bucket.media, media_dr = aws_s3_bucket.media_dr } : k => var.cloudfront_distribution_arn == null ? [] : [{
      Sid       = "CloudFrontReadsDerivatives"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "${b.arn}/${var.media_prefix}derivatives/*"
      Condition = { StringEquals = { "AWS:SourceArn" = var.cloudfront_distribution_arn } }
    }]
  }

  # Governance retention can be bypassed by a permission; nobody gets it while this policy
  # stands (changing the policy first is recorded by CloudTrail).
  no_lock_bypass = {
    for k, b in { backups = aws_s3_bucket.backups, backups_dr = aws_s3_bucket.backups_dr } : k => [{
      Sid       = "DenyRetentionBypass"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:BypassGovernanceRetention"
      Resource  = [b.arn, "${b.arn}/*"]
    }]
  }

  access_log_writes = {
    for k, b in { logs = aws_s3_bucket.logs, logs_dr = aws_s3_bucket.logs_dr } : k => [{
      Sid       = "S3ServerAccessLogs"
      Effect    = "Allow"
      Principal = { Service = "logging.s3.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "${b.arn}/s3/*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  }

  # ALB access logs: older regions deliver from the regional ELB account, newer ones from the
  # log delivery service principal; both are allowed on the alb/ prefix only.
  alb_log_writes = [
    {
      Sid       = "AlbAccessLogsElbAccount"
      Effect    = "Allow"
      Principal = { AWS = data.aws_elb_service_account.current.arn }
      Action    = "s3:PutObject"
      Resource  = "${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account}/*"
    },
    {
      Sid       = "AlbAccessLogsDeliveryService"
      Effect    = "Allow"
      Principal = { Service = "logdelivery.elasticloadbalancing.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account}/*"
    },
  ]

  config_writes = [
    {
      Sid       = "ConfigBucketCheck"
      Effect    = "Allow"
      Principal = { Service = "config.amazonaws.com" }
      Action    = ["s3:GetBucketAcl", "s3:ListBucket"]
      Resource  = aws_s3_bucket.audit.arn
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    },
    {
      Sid       = "ConfigDelivery"
      Effect    = "Allow"
      Principal = { Service = "config.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "${aws_s3_bucket.audit.arn}/config/AWSLogs/${local.account}/Config/*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    },
  ]

  # One local per bucket (not one map): the media policies wait for the CDN, while the log
  # bucket's policy must be in place before the CDN and the ALB are created.
  policy_media      = concat(local.tls_only["media"], local.cloudfront_reads["media"])
  policy_backups    = concat(local.tls_only["backups"], local.no_lock_bypass["backups"])
  policy_audit      = concat(local.tls_only["audit"], local.config_writes)
  policy_logs       = concat(local.tls_only["logs"], local.access_log_writes["logs"], local.alb_log_writes)
  policy_media_dr   = concat(local.tls_only["media_dr"], local.cloudfront_reads["media_dr"])
  policy_backups_dr = concat(local.tls_only["backups_dr"], local.no_lock_bypass["backups_dr"])
  policy_logs_dr    = concat(local.tls_only["logs_dr"], local.access_log_writes["logs_dr"])
}
