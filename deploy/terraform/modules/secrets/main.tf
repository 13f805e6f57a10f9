# Secrets Manager secrets of one environment, KMS-encrypted, read in the cluster by the External
# Secrets Operator. Terraform generates every value it can and composes the `app` secret the
# Kubernetes manifests expect (deploy/k8s/base/secrets/externalsecrets.yaml), so that one apply
# keeps them consistent with the endpoints. Generated values pass through Terraform's state,
# which the S3 backend keeps encrypted and versioned.
#
# Rotation: RDS rotates its master password itself (manage_master_user_password). AWS has no
# managed rotation for these, so they rotate here: bump an epoch or put a new signing key id
# first, apply, then restart the pods (the Secrets follow within the ExternalSecrets' refresh).

resource "random_password" "redis_auth_token" {
  # Letters and digits only: the token goes into rediss:// URLs unescaped.
  length  = 64
  special = false

  keepers = {
    epoch = var.redis_auth_token_epoch
  }
}

resource "random_password" "media_signing" {
  for_each = toset(var.media_signing_key_ids)

  length  = 64
  special = false
}

resource "random_password" "metrics_token" {
  length  = 48
  special = false

  keepers = {
    epoch = var.metrics_token_epoch
  }
}

resource "random_password" "database" {
  for_each = toset(["app", "restore"])

  length  = 40
  special = false

  keepers = {
    epoch = var.database.password_epoch
  }
}

locals {
  media_signing_keys = join(",", [for id in var.media_signing_key_ids : "${id}:${random_password.media_signing[id].result}"])

  database_url = {
    for who, user in { app = var.database.app_user, restore = var.database.restore_user } :
    who => "postgresql+psycopg://${user}:${random_password.database[who].result}@${var.database.host}:${var.database.port}/${var.database.name}?sslmode=require"
  }

  redis_url = "rediss://:${random_password.redis_auth_token.result}@${var.redis.host}:${var.redis.port}"

  descriptions = {
    app                    = "The application's DZINZA_* secrets (JSON), read by the ExternalSecret dzinza"
    restore-verify         = "DZINZA_DATABASE_URL of the CREATEDB role of the monthly restore test (JSON)"
    cloudfront-private-key = "PEM private key signing the media CDN's URLs (an operator stores it; its public key is in Terraform)"
    redis-auth-token       = "AUTH token of the ElastiCache Redis replication group"
    media-signing-keys     = "DZINZA_MEDIA_SIGNING_KEYS: kid:secret[,kid:secret...], the first signs"
    metrics-token          = "DZINZA_METRICS_TOKEN: bearer token of GET /metrics (Prometheus reads it too)"
    backup-key             = "DZINZA_BACKUP_KEY_URL: the KMS key wrapping each backup's data key (the key itself never leaves KMS)"
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.descriptions

  #checkov:skip=CKV2_AWS_57:AWS has managed rotation for database credentials only; these values rotate through the epoch and key-id variables of this module (see the top of main.tf).
  name                    = "${var.prefix}/${each.key}"
  description             = each.value
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id = aws_secretsmanager_secret.this["app"].id
  secret_string = jsonencode({
    DZINZA_DATABASE_URL       = local.database_url["app"]
    DZINZA_CACHE_URL          = "${local.redis_url}/0"
    DZINZA_QUEUE_URL          = "${local.redis_url}/1"
    DZINZA_MEDIA_SIGNING_KEYS = local.media_signing_keys
    DZINZA_METRICS_TOKEN      = random_password.metrics_token.result
    DZINZA_SMTP_URL           = var.smtp_url
    DZINZA_SEARCH_URL         = "opensearch://${var.opensearch_endpoint}:443/?aws_region=${var.region}"
  })
}

resource "aws_secretsmanager_secret_version" "restore_verify" {
  secret_id     = aws_secretsmanager_secret.this["restore-verify"].id
  secret_string = jsonencode({ DZINZA_DATABASE_URL = local.database_url["restore"] })
}

resource "aws_secretsmanager_secret_version" "redis_auth_token" {
  secret_id     = aws_secretsmanager_secret.this["redis-auth-token"].id
  secret_string = random_password.redis_auth_token.result
}

resource "aws_secretsmanager_secret_version" "media_signing_keys" {
  secret_id     = aws_secretsmanager_secret.this["media-signing-keys"].id
  secret_string = local.media_signing_keys
}

resource "aws_secretsmanager_secret_version" "metrics_token" {
  secret_id     = aws_secretsmanager_secret.this["metrics-token"].id
  secret_string = random_password.metrics_token.result
}

# Not key material: the URL names the multi-Region KMS key; after a regional loss the same key
# id answers in the DR region (change region= there).
resource "aws_secretsmanager_secret_version" "backup_key" {
  secret_id     = aws_secretsmanager_secret.this["backup-key"].id
  secret_string = "kms://${var.backup_kms_key_alias}?region=${var.region}"
}
