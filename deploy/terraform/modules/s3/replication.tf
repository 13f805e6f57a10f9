# Cross-region replication of media and backups to the DR region.

data "aws_region" "current" {}

data "aws_region" "dr" {
  provider = aws.dr
}

resource "aws_iam_role" "replication" {
  name = "${var.name}-s3-replication"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "replication" {
  name = "replicate-to-dr"
  role = aws_iam_role.replication.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadSourceConfiguration"
        Effect   = "Allow"
        Action   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
        Resource = [aws_s3_bucket.media.arn, aws_s3_bucket.backups.arn]
      },
      {
        Sid    = "ReadSourceVersions"
        Effect = "Allow"
        Action = [
          "s3:GetObjectVersionForReplication",
          "s3:GetObjectVersionAcl",
          "s3:GetObjectVersionTagging",
          "s3:GetObjectRetention",
          "s3:GetObjectLegalHold",
        ]
        Resource = ["${aws_s3_bucket.media.arn}/*", "${aws_s3_bucket.backups.arn}/*"]
      },
      {
        Sid      = "WriteReplicas"
        Effect   = "Allow"
        Action   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"]
        Resource = ["${aws_s3_bucket.media_dr.arn}/*", "${aws_s3_bucket.backups_dr.arn}/*"]
      },
      {
        Sid      = "DecryptSource"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.media_kms_key_arn, var.backups_kms_key_arn]
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${data.aws_region.current.name}.amazonaws.com" }
        }
      },
      {
        Sid      = "EncryptReplicas"
        Effect   = "Allow"
        Action   = ["kms:Encrypt", "kms:GenerateDataKey"]
        Resource = [var.media_dr_kms_key_arn, var.backups_dr_kms_key_arn]
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${data.aws_region.dr.name}.amazonaws.com" }
        }
      },
    ]
  })
}

# Media: deletions replicate too, so that the replica serves as the CDN's failover origin
# with the same content.
resource "aws_s3_bucket_replication_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  role   = aws_iam_role.replication.arn

  rule {
    id     = "media-to-dr"
    status = "Enabled"
    filter {}

    delete_marker_replication {
      status = "Enabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = aws_s3_bucket.media_dr.arn
      storage_class = "STANDARD"
      encryption_configuration {
        replica_kms_key_id = var.media_dr_kms_key_arn
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.media, aws_s3_bucket_versioning.media_dr]
}

# Backups: deletions do not replicate. Someone deleting backups in the primary region does
# not touch the DR copies, which expire by their own lifecycle rules.
resource "aws_s3_bucket_replication_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id
  role   = aws_iam_role.replication.arn

  rule {
    id     = "backups-to-dr"
    status = "Enabled"
    filter {}

    delete_marker_replication {
      status = "Disabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = aws_s3_bucket.backups_dr.arn
      storage_class = "STANDARD_IA"
      encryption_configuration {
        replica_kms_key_id = var.backups_dr_kms_key_arn
      }
    }
  }

  depends_on = [
    aws_s3_bucket_versioning.backups,
    aws_s3_bucket_versioning.backups_dr,
    aws_s3_bucket_object_lock_configuration.backups_dr,
  ]
}
