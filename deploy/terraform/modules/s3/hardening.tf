# Per-bucket settings, written out bucket by bucket so that each one reads (and scans) on its
# own: versioning, public access block, object ownership, EventBridge notifications,
# encryption, access logging and the bucket policy (statements in policies.tf).

# --- Media ---------------------------------------------------------------------------

resource "aws_s3_bucket_versioning" "media" {
  bucket = aws_s3_bucket.media.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket                  = aws_s3_bucket.media.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_notification" "media" {
  bucket      = aws_s3_bucket.media.id
  eventbridge = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.media_kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "media" {
  bucket        = aws_s3_bucket.media.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/media/"
}

resource "aws_s3_bucket_policy" "media" {
  bucket = aws_s3_bucket.media.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_media })

  depends_on = [aws_s3_bucket_public_access_block.media]
}

# --- Backups -------------------------------------------------------------------------

resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "backups" {
  bucket                  = aws_s3_bucket.backups.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_notification" "backups" {
  bucket      = aws_s3_bucket.backups.id
  eventbridge = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.backups_kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "backups" {
  bucket        = aws_s3_bucket.backups.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/backups/"
}

resource "aws_s3_bucket_policy" "backups" {
  bucket = aws_s3_bucket.backups.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_backups })

  depends_on = [aws_s3_bucket_public_access_block.backups]
}

# --- Audit (AWS Config) --------------------------------------------------------------

resource "aws_s3_bucket_versioning" "audit" {
  bucket = aws_s3_bucket.audit.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "audit" {
  bucket                  = aws_s3_bucket.audit.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "audit" {
  bucket = aws_s3_bucket.audit.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_notification" "audit" {
  bucket      = aws_s3_bucket.audit.id
  eventbridge = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "audit" {
  bucket = aws_s3_bucket.audit.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.audit_kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "audit" {
  bucket        = aws_s3_bucket.audit.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/audit/"
}

resource "aws_s3_bucket_policy" "audit" {
  bucket = aws_s3_bucket.audit.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_audit })

  depends_on = [aws_s3_bucket_public_access_block.audit]
}

# --- Logs ----------------------------------------------------------------------------

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs stay enabled here only: CloudFront's standard logging writes through an ACL grant.
resource "aws_s3_bucket_ownership_controls" "logs" {
  #checkov:skip=CKV2_AWS_65:CloudFront standard logging needs ACLs on its target bucket (BucketOwnerPreferred).
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_notification" "logs" {
  bucket      = aws_s3_bucket.logs.id
  eventbridge = true
}

# Log delivery supports SSE-S3 only.
#trivy:ignore:AVD-AWS-0132 S3 server access logs and ALB access logs cannot be delivered to an SSE-KMS bucket.
resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_logs })

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

# --- Media replica (DR region) -------------------------------------------------------

resource "aws_s3_bucket_versioning" "media_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.media_dr.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "media_dr" {
  provider = aws.dr

  bucket                  = aws_s3_bucket.media_dr.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "media_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.media_dr.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_notification" "media_dr" {
  provider = aws.dr

  bucket      = aws_s3_bucket.media_dr.id
  eventbridge = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "media_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.media_dr.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.media_dr_kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "media_dr" {
  provider = aws.dr

  bucket        = aws_s3_bucket.media_dr.id
  target_bucket = aws_s3_bucket.logs_dr.id
  target_prefix = "s3/media_dr/"
}

resource "aws_s3_bucket_policy" "media_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.media_dr.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_media_dr })

  depends_on = [aws_s3_bucket_public_access_block.media_dr]
}

# --- Backup replica (DR region) ------------------------------------------------------

resource "aws_s3_bucket_versioning" "backups_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.backups_dr.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "backups_dr" {
  provider = aws.dr

  bucket                  = aws_s3_bucket.backups_dr.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "backups_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.backups_dr.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_notification" "backups_dr" {
  provider = aws.dr

  bucket      = aws_s3_bucket.backups_dr.id
  eventbridge = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backups_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.backups_dr.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.backups_dr_kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "backups_dr" {
  provider = aws.dr

  bucket        = aws_s3_bucket.backups_dr.id
  target_bucket = aws_s3_bucket.logs_dr.id
  target_prefix = "s3/backups_dr/"
}

resource "aws_s3_bucket_policy" "backups_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.backups_dr.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_backups_dr })

  depends_on = [aws_s3_bucket_public_access_block.backups_dr]
}

# --- Logs (DR region) ----------------------------------------------------------------

resource "aws_s3_bucket_versioning" "logs_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.logs_dr.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "logs_dr" {
  provider = aws.dr

  bucket                  = aws_s3_bucket.logs_dr.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.logs_dr.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_notification" "logs_dr" {
  provider = aws.dr

  bucket      = aws_s3_bucket.logs_dr.id
  eventbridge = true
}

# Log delivery supports SSE-S3 only.
#trivy:ignore:AVD-AWS-0132 S3 server access logs cannot be delivered to an SSE-KMS bucket.
resource "aws_s3_bucket_server_side_encryption_configuration" "logs_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.logs_dr.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "logs_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.logs_dr.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_logs_dr })

  depends_on = [aws_s3_bucket_public_access_block.logs_dr]
}
