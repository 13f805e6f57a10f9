# The environment's public zone: signed with DNSSEC, queries logged, alias records of the app
# (ALB) and of the media CDN (CloudFront), and an HTTPS health check of the app (used by the
# alarms and by Shield Advanced's health-based detection).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
}

resource "aws_route53_zone" "this" {
  name    = var.zone_name
  comment = "Dzinza public zone"
}

# --- Query logging (public zones log to us-east-1) -----------------------------------------

resource "aws_cloudwatch_log_group" "queries" {
  provider = aws.us_east_1

  name              = "/aws/route53/${var.zone_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_cloudwatch_log_resource_policy" "queries" {
  provider = aws.us_east_1

  policy_name = "route53-query-logs-${var.zone_name}"

  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "route53.amazonaws.com" }
      Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource  = ["${aws_cloudwatch_log_group.queries.arn}:*"]
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:route53:::hostedzone/*" }
      }
    }]
  })
}

resource "aws_route53_query_log" "this" {
  zone_id                  = aws_route53_zone.this.zone_id
  cloudwatch_log_group_arn = aws_cloudwatch_log_group.queries.arn

  depends_on = [aws_cloudwatch_log_resource_policy.queries]
}

# --- DNSSEC ----------------------------------------------------------------------------------
# The key-signing key lives in KMS (us-east-1, ECC P-256, as Route 53 requires). Signing starts
# at once; validation starts when the parent zone publishes the DS record (output ds_record).

resource "aws_kms_key" "dnssec" {
  #checkov:skip=CKV_AWS_7:Asymmetric signing keys cannot rotate automatically; a DNSSEC key-signing key is rolled by adding a second key-signing key and a new DS record.
  provider = aws.us_east_1

  description              = "DNSSEC key-signing key of ${var.zone_name}"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "Route53DnssecSigning"
        Effect    = "Allow"
        Principal = { Service = "dnssec-route53.amazonaws.com" }
        Action    = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:route53:::hostedzone/*" }
        }
      },
      {
        Sid       = "Route53DnssecGrant"
        Effect    = "Allow"
        Principal = { Service = "dnssec-route53.amazonaws.com" }
        Action    = "kms:CreateGrant"
        Resource  = "*"
        Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
      },
    ]
  })
}

resource "aws_route53_key_signing_key" "this" {
  name                       = "ksk1"
  hosted_zone_id             = aws_route53_zone.this.id
  key_management_service_arn = aws_kms_key.dnssec.arn
  status                     = "ACTIVE"
}

resource "aws_route53_hosted_zone_dnssec" "this" {
  hosted_zone_id = aws_route53_key_signing_key.this.hosted_zone_id

  depends_on = [aws_route53_key_signing_key.this]
}

# --- Records ---------------------------------------------------------------------------------

resource "aws_route53_record" "app" {
  zone_id = aws_route53_zone.this.zone_id
  name    = var.app_domain_name
  type    = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "media" {
  for_each = toset(["A", "AAAA"])

  zone_id = aws_route53_zone.this.zone_id
  name    = var.media_domain_name
  type    = each.key

  alias {
    name                   = var.cdn_domain_name
    zone_id                = var.cdn_zone_id
    evaluate_target_health = false
  }
}

resource "aws_route53_health_check" "app" {
  fqdn              = var.app_domain_name
  port              = 443
  type              = "HTTPS"
  resource_path     = var.health_check_path
  enable_sni        = true
  failure_threshold = 3
  request_interval  = 30

  tags = { Name = "${var.app_domain_name} liveness" }
}
