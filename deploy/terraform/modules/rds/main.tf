# PostgreSQL on RDS (15: see variables.tf): encrypted with KMS, 35 days of automated backups (point-in-time
# recovery over the same 35 days, docs/operations/pitr.md), backups replicated to the DR
# region, TLS required, IAM authentication on, the master password kept and rotated by RDS in
# Secrets Manager.

data "aws_partition" "current" {}

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.name}-"
  description = "Isolated database subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  lifecycle {
    create_before_destroy = true
  }
}

# pg_trgm and unaccent need no preloading: the application's migrations create them
# (CREATE EXTENSION) in its database. pg_stat_statements must be preloaded.
resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-pg16-"
  family      = "postgres${var.engine_version}"
  description = "Dzinza PostgreSQL settings"

  parameter {
    name         = "shared_preload_libraries"
    value        = "pg_stat_statements"
    apply_method = "pending-reboot"
  }

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Slow statements and schema changes go to the exported log.
  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.slow_query_ms)
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  parameter {
    name  = "log_lock_waits"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role" "monitoring" {
  name = "${var.name}-rds-monitoring"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# The export targets exist before the instance, with retention and encryption.
resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(["postgresql", "upgrade"])

  name              = "/aws/rds/instance/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_157:Multi-AZ is chosen per environment: true in staging and production, false in development (the infrastructure brief's reduced resources).
  #checkov:skip=CKV_AWS_293:Deletion protection is chosen per environment: true in production and staging, false in development so that it can be torn down.
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_name                             = var.database_name
  username                            = var.master_username
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = var.master_secret_kms_key_arn
  iam_database_authentication_enabled = true

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = var.security_group_ids
  publicly_accessible    = false
  port                   = 5432
  ca_cert_identifier     = "rds-ca-rsa2048-g1"
  parameter_group_name   = aws_db_parameter_group.this.name

  multi_az            = var.multi_az
  deletion_protection = var.deletion_protection

  backup_retention_period   = var.backup_retention_period
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = var.performance_insights_retention_period
  monitoring_interval                   = var.monitoring_interval
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy_attachment.monitoring]
}

# Automated backups (snapshots and transaction logs) copied to the DR region: a point-in-time
# restore there survives the loss of the primary region.
resource "aws_db_instance_automated_backups_replication" "dr" {
  count    = var.cross_region_backups ? 1 : 0
  provider = aws.dr

  source_db_instance_arn = aws_db_instance.this.arn
  kms_key_id             = var.dr_kms_key_arn
  retention_period       = var.dr_backup_retention_period
}
