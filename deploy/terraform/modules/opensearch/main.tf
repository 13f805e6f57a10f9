# OpenSearch domain in the VPC: encrypted at rest (KMS) and between nodes, HTTPS with TLS 1.2
# or later only, fine-grained access control with an IAM master role (the application signs
# its requests with SigV4 from its IRSA role), audit, slow and error logs to CloudWatch.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  domain_arn = "arn:${data.aws_partition.current.partition}:es:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:domain/${var.name}"
  log_types  = { AUDIT_LOGS = "audit", INDEX_SLOW_LOGS = "index-slow", SEARCH_SLOW_LOGS = "search-slow", ES_APPLICATION_LOGS = "application" }
}

resource "aws_iam_service_linked_role" "opensearch" {
  count = var.create_service_linked_role ? 1 : 0

  aws_service_name = "opensearchservice.amazonaws.com"
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.log_types

  name              = "/aws/opensearch/${var.name}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_cloudwatch_log_resource_policy" "this" {
  policy_name = "${var.name}-opensearch-logs"

  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "es.amazonaws.com" }
      Action    = ["logs:PutLogEvents", "logs:CreateLogStream"]
      Resource  = [for g in aws_cloudwatch_log_group.this : "${g.arn}:*"]
      Condition = {
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        ArnLike      = { "aws:SourceArn" = local.domain_arn }
      }
    }]
  })
}

resource "aws_opensearch_domain" "this" {
  #checkov:skip=CKV_AWS_318:Three dedicated masters are chosen per environment: on in production; development and staging run without them to save cost (the infrastructure brief's reduced resources).
  #checkov:skip=CKV2_AWS_59:Dedicated masters are chosen per environment (production on), as for CKV_AWS_318.
  domain_name    = var.name
  engine_version = var.engine_version

  cluster_config {
    instance_type          = var.instance_type
    instance_count         = var.instance_count
    zone_awareness_enabled = var.zone_awareness

    dynamic "zone_awareness_config" {
      for_each = var.zone_awareness ? [1] : []
      content {
        availability_zone_count = 3
      }
    }

    dedicated_master_enabled = var.dedicated_masters
    dedicated_master_type    = var.dedicated_masters ? var.master_instance_type : null
    dedicated_master_count   = var.dedicated_masters ? 3 : null
  }

  ebs_options {
    ebs_enabled = true
    volume_type = "gp3"
    volume_size = var.volume_size
  }

  vpc_options {
    subnet_ids         = var.zone_awareness ? var.subnet_ids : [var.subnet_ids[0]]
    security_group_ids = var.security_group_ids
  }

  encrypt_at_rest {
    enabled    = true
    kms_key_id = var.kms_key_arn
  }

  node_to_node_encryption {
    enabled = true
  }

  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }

  advanced_security_options {
    enabled                        = true
    anonymous_auth_enabled         = false
    internal_user_database_enabled = false

    master_user_options {
      master_user_arn = var.master_role_arn
    }
  }

  # Only the named roles get past the resource policy; inside, fine-grained access control
  # maps each role to its OpenSearch permissions.
  access_policies = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = distinct(concat([var.master_role_arn], var.client_role_arns)) }
      Action    = ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete", "es:ESHttpPatch"]
      Resource  = "${local.domain_arn}/*"
    }]
  })

  log_publishing_options {
    log_type                 = "AUDIT_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.this["AUDIT_LOGS"].arn
    enabled                  = true
  }

  log_publishing_options {
    log_type                 = "INDEX_SLOW_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.this["INDEX_SLOW_LOGS"].arn
    enabled                  = true
  }

  log_publishing_options {
    log_type                 = "SEARCH_SLOW_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.this["SEARCH_SLOW_LOGS"].arn
    enabled                  = true
  }

  log_publishing_options {
    log_type                 = "ES_APPLICATION_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.this["ES_APPLICATION_LOGS"].arn
    enabled                  = true
  }

  software_update_options {
    auto_software_update_enabled = true
  }

  depends_on = [aws_iam_service_linked_role.opensearch, aws_cloudwatch_log_resource_policy.this]
}
