# Customer-managed keys, one per kind of data, each with yearly rotation and a key policy.
# Usage by the application's roles is granted in their IAM policies (the account statement
# delegates to IAM); AWS services that act on their own are named here with conditions.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_region" "us_east_1" {
  provider = aws.us_east_1
}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition

  account_statement = {
    Sid       = "AccountAdministration"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }

  # CloudWatch Logs encrypts log groups of this account in the key's region only.
  logs_statement = {
    for region in distinct([data.aws_region.current.name, data.aws_region.us_east_1.name]) : region => {
      Sid       = "CloudWatchLogs"
      Effect    = "Allow"
      Principal = { Service = "logs.${region}.amazonaws.com" }
      Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      Resource  = "*"
      Condition = {
        ArnLike = {
          "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${region}:${local.account}:log-group:*"
        }
      }
    }
  }

  # Alarms publish to the KMS-encrypted SNS topic through CloudWatch.
  alarms_statement = {
    Sid       = "CloudWatchAlarmsToEncryptedTopic"
    Effect    = "Allow"
    Principal = { Service = "cloudwatch.amazonaws.com" }
    Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
    Resource  = "*"
  }

  # AWS Config delivers its snapshots to the audit bucket, which this account's logs key encrypts.
  config_statement = {
    Sid       = "ConfigDelivery"
    Effect    = "Allow"
    Principal = { Service = "config.amazonaws.com" }
    Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
    Resource  = "*"
    Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
  }

  # CloudFront's origin access control reads SSE-KMS objects of this account's distributions.
  cloudfront_statement = {
    Sid       = "CloudFrontOriginAccessControl"
    Effect    = "Allow"
    Principal = { Service = "cloudfront.amazonaws.com" }
    Action    = ["kms:Decrypt"]
    Resource  = "*"
    Condition = {
      StringLike = {
        "AWS:SourceArn" = "arn:${local.partition}:cloudfront::${local.account}:distribution/*"
      }
    }
  }

  keys = {
    rds = {
      description  = "RDS storage, snapshots and Performance Insights"
      multi_region = false
      statements   = []
    }
    s3 = {
      description  = "Media bucket objects"
      multi_region = false
      statements   = [local.cloudfront_statement]
    }
    eks = {
      description  = "EKS secrets envelope encryption"
      multi_region = false
      statements   = []
    }
    # Multi-Region: a replica in us-east-1 encrypts the CloudFront-scope WAF and Route 53 query logs.
    logs = {
      description  = "CloudWatch Logs, VPC flow logs, the alarm topic and the AWS Config bucket"
      multi_region = true
      statements   = [local.logs_statement[data.aws_region.current.name], local.alarms_statement, local.config_statement]
    }
    # Multi-Region: the replica in the DR region decrypts replicated backups after a regional loss.
    backups = {
      description  = "Backup bucket and the application's backup encryption"
      multi_region = true
      statements   = []
    }
    secrets = {
      description  = "Secrets Manager secrets"
      multi_region = false
      statements   = []
    }
    elasticache = {
      description  = "ElastiCache data at rest"
      multi_region = false
      statements   = []
    }
    opensearch = {
      description  = "OpenSearch data at rest"
      multi_region = false
      statements   = []
    }
    ecr = {
      description  = "ECR images"
      multi_region = false
      statements   = []
    }
  }
}

resource "aws_kms_key" "this" {
  for_each = local.keys

  description             = "${var.name}: ${each.value.description}"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  multi_region            = each.value.multi_region

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat([local.account_statement], each.value.statements)
  })
}

resource "aws_kms_alias" "this" {
  for_each = local.keys

  name          = "alias/${var.alias_prefix}-${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}

# --- DR region -------------------------------------------------------------------------------

resource "aws_kms_key" "rds_dr" {
  provider = aws.dr

  description             = "${var.name}: RDS automated backups replicated to the DR region"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_statement]
  })
}

resource "aws_kms_alias" "rds_dr" {
  provider = aws.dr

  name          = "alias/${var.alias_prefix}-rds-dr"
  target_key_id = aws_kms_key.rds_dr.key_id
}

# The media replica is a failover origin of the CDN, so CloudFront may read it too.
resource "aws_kms_key" "s3_dr" {
  provider = aws.dr

  description             = "${var.name}: media bucket replica in the DR region"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_statement, local.cloudfront_statement]
  })
}

resource "aws_kms_alias" "s3_dr" {
  provider = aws.dr

  name          = "alias/${var.alias_prefix}-s3-dr"
  target_key_id = aws_kms_key.s3_dr.key_id
}

# Same key material and key id as the primary: backups encrypted by the application
# (kms://...) are readable in the DR region with the same key id.
resource "aws_kms_replica_key" "backups_dr" {
  provider = aws.dr

  description             = "${var.name}: backups (replica of the multi-Region key)"
  primary_key_arn         = aws_kms_key.this["backups"].arn
  deletion_window_in_days = var.deletion_window_in_days

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_statement]
  })
}

resource "aws_kms_alias" "backups_dr" {
  provider = aws.dr

  name          = "alias/${var.alias_prefix}-backups"
  target_key_id = aws_kms_replica_key.backups_dr.key_id
}

# --- us-east-1 (CloudFront-scope resources and Route 53 log and alarm there) ----------------

resource "aws_kms_replica_key" "logs_us_east_1" {
  provider = aws.us_east_1

  description             = "${var.name}: CloudWatch Logs in us-east-1 (replica of the multi-Region key)"
  primary_key_arn         = aws_kms_key.this["logs"].arn
  deletion_window_in_days = var.deletion_window_in_days

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_statement, local.logs_statement[data.aws_region.us_east_1.name], local.alarms_statement]
  })
}

resource "aws_kms_alias" "logs_us_east_1" {
  provider = aws.us_east_1

  name          = "alias/${var.alias_prefix}-logs"
  target_key_id = aws_kms_replica_key.logs_us_east_1.key_id
}
