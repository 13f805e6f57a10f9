# Lifecycle rules. Media rules follow docs/operations/media.md (under DZINZA_MEDIA_URL's prefix);
# backups keep 35 days of daily backups (docs/operations/backups.md) and the yearly archives
# much longer.

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  # Originals: rarely read after a few months. A deleted or replaced one stays 35 days, in
  # Glacier Instant Retrieval after a week (cheaper even with its 90-day minimum charge).
  rule {
    id     = "originals"
    status = "Enabled"
    filter {
      prefix = "${var.media_prefix}originals/"
    }
    transition {
      days          = 90
      storage_class = "STANDARD_IA"
    }
    noncurrent_version_transition {
      noncurrent_days = 7
      storage_class   = "GLACIER_IR"
    }
    noncurrent_version_expiration {
      noncurrent_days = 35
    }
  }

  # Thumbnails and previews are made again from the originals.
  rule {
    id     = "derivatives"
    status = "Enabled"
    filter {
      prefix = "${var.media_prefix}derivatives/"
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  # Direct uploads in progress: abandoned after a day by the application, gone after two.
  rule {
    id     = "uploads"
    status = "Enabled"
    filter {
      prefix = "${var.media_prefix}uploads/"
    }
    expiration {
      days = 2
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "whole-bucket"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.media]
}

resource "aws_s3_bucket_lifecycle_configuration" "media_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.media_dr.id

  rule {
    id     = "noncurrent"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 35
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.media_dr]
}

# Object Lock keeps each version for 35 days whatever these rules say; the rules then remove
# what has expired.
resource "aws_s3_bucket_lifecycle_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id

  rule {
    id     = "daily"
    status = "Enabled"
    filter {
      prefix = var.backup_prefix
    }
    expiration {
      days = var.backup_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # One backup a year is copied under the yearly prefix and kept for years, in Glacier.
  rule {
    id     = "yearly-archive"
    status = "Enabled"
    filter {
      prefix = var.yearly_archive_prefix
    }
    transition {
      days          = 30
      storage_class = "GLACIER"
    }
    expiration {
      days = var.yearly_archive_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "whole-bucket"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.backups]
}

resource "aws_s3_bucket_lifecycle_configuration" "backups_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.backups_dr.id

  rule {
    id     = "daily"
    status = "Enabled"
    filter {
      prefix = var.backup_prefix
    }
    expiration {
      days = var.backup_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "yearly-archive"
    status = "Enabled"
    filter {
      prefix = var.yearly_archive_prefix
    }
    transition {
      days          = 30
      storage_class = "GLACIER"
    }
    expiration {
      days = var.yearly_archive_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "whole-bucket"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.backups_dr]
}

resource "aws_s3_bucket_lifecycle_configuration" "audit" {
  bucket = aws_s3_bucket.audit.id

  rule {
    id     = "config-history"
    status = "Enabled"
    filter {}
    transition {
      days          = 90
      storage_class = "GLACIER"
    }
    expiration {
      days = var.audit_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.audit]
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "logs_dr" {
  provider = aws.dr

  bucket = aws_s3_bucket.logs_dr.id

  rule {
    id     = "logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs_dr]
}
