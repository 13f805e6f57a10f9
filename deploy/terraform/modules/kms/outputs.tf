output "key_arns" {
  description = "ARNs of the primary-region keys by purpose (rds, s3, eks, logs, backups, secrets, elasticache, opensearch, ecr)."
  value       = { for k, v in aws_kms_key.this : k => v.arn }
}

output "alias_names" {
  description = "Alias names of the primary-region keys by purpose."
  value       = { for k, v in aws_kms_alias.this : k => v.name }
}

output "rds_dr_key_arn" {
  description = "Key of the RDS automated backups replicated to the DR region."
  value       = aws_kms_key.rds_dr.arn
}

output "s3_dr_key_arn" {
  description = "Key of the media replica bucket in the DR region."
  value       = aws_kms_key.s3_dr.arn
}

output "backups_dr_key_arn" {
  description = "Replica of the backups key in the DR region."
  value       = aws_kms_replica_key.backups_dr.arn
}

output "logs_us_east_1_key_arn" {
  description = "Replica of the logs key in us-east-1."
  value       = aws_kms_replica_key.logs_us_east_1.arn
}
