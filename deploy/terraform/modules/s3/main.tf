# Buckets of the platform. In the primary region: media (photos and documents), backups
# (Object Lock, 35 days), audit (AWS Config deliveries) and logs (access logs of the others,
# ALB and CloudFront logs). In the DR region: replicas of media and backups, and their log
# bucket. Every bucket: versioning, public access blocked, TLS-only policy, lifecycle rules,
# EventBridge notifications; every data bucket: SSE-KMS and access logging.

data "aws_caller_identity" "current" {}
data "aws_elb_service_account" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
}

# --- Buckets, primary region ---------------------------------------------------------------

resource "aws_s3_bucket" "media" {
  bucket        = "${var.name}-media${var.bucket_name_suffix}"
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "backups" {
  bucket              = "${var.name}-backups${var.bucket_name_suffix}"
  force_destroy       = var.force_destroy
  object_lock_enabled = true
}

resource "aws_s3_bucket" "audit" {
  #checkov:skip=CKV_AWS_144:AWS Config keeps the configuration history itself; this bucket holds delivered copies, re-creatable from Config.
  bucket        = "${var.name}-audit${var.bucket_name_suffix}"
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target; logging it to itself would loop.
  #checkov:skip=CKV_AWS_144:Access logs describe this region's buckets; they are not replicated.
  #checkov:skip=CKV_AWS_145:S3 server access logs and ALB access logs can only be delivered to SSE-S3 buckets, not SSE-KMS.
  bucket        = "${var.name}-logs${var.bucket_name_suffix}"
  force_destroy = var.force_destroy
}

# --- Buckets, DR region --------------------------------------------------------------------

resource "aws_s3_bucket" "media_dr" {
  #checkov:skip=CKV_AWS_144:This is the cross-region replica of the media bucket.
  provider = aws.dr

  bucket        = "${var.name}-media-dr${var.bucket_name_suffix}"
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket" "backups_dr" {
  #checkov:skip=CKV_AWS_144:This is the cross-region replica of the backup bucket.
  provider = aws.dr

  bucket              = "${var.name}-backups-dr${var.bucket_name_suffix}"
  force_destroy       = var.force_destroy
  object_lock_enabled = true
}

resource "aws_s3_bucket" "logs_dr" {
  #checkov:skip=CKV_AWS_18:This is the access-log target of the DR region; logging it to itself would loop.
  #checkov:skip=CKV_AWS_144:Access logs of the DR region's buckets are not replicated further.
  #checkov:skip=CKV_AWS_145:S3 server access logs can only be delivered to SSE-S3 buckets, not SSE-KMS.
  provider = aws.dr

  bucket        = "${var.name}-logs-dr${var.bucket_name_suffix}"
  force_destroy = var.force_destroy
}

# --- Object Lock on the backups ------------------------------------------------------------
# Governance mode, 35 days: no version of a backup can be removed or overwritten during the
# retention period; the bucket policy denies the governance bypass to every principal.

resource "aws_s3_bucket_object_lock_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id

  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = var.backup_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.backups]
}

resource "aws_s3_bucket_object_lock_configuration" "backups_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.backups_dr.id

  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = var.backup_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.backups_dr]
}

# --- Direct uploads from browsers ----------------------------------------------------------

resource "aws_s3_bucket_cors_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  cors_rule {
    allowed_methods = ["PUT", "POST"]
    allowed_origins = var.cors_allowed_origins
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}
