output "media_bucket" {
  description = "Name of the media bucket (DZINZA_MEDIA_URL: s3://NAME?region=...&prefix=media&sse=aws:kms&kms_key_id=...)."
  value       = aws_s3_bucket.media.id
}

output "media_bucket_arn" {
  description = "ARN of the media bucket."
  value       = aws_s3_bucket.media.arn
}

output "media_bucket_regional_domain_name" {
  description = "Regional domain name of the media bucket (the CDN's origin)."
  value       = aws_s3_bucket.media.bucket_regional_domain_name
}

output "media_dr_bucket" {
  description = "Name of the media replica in the DR region."
  value       = aws_s3_bucket.media_dr.id
}

output "media_dr_bucket_regional_domain_name" {
  description = "Regional domain name of the media replica (the CDN's failover origin)."
  value       = aws_s3_bucket.media_dr.bucket_regional_domain_name
}

output "backup_bucket" {
  description = "Name of the backup bucket (DZINZA_BACKUP_URL: s3://NAME?region=...&prefix=nightly&sse=aws:kms&kms_key_id=...)."
  value       = aws_s3_bucket.backups.id
}

output "backup_bucket_arn" {
  description = "ARN of the backup bucket."
  value       = aws_s3_bucket.backups.arn
}

output "backup_dr_bucket" {
  description = "Name of the backup replica in the DR region."
  value       = aws_s3_bucket.backups_dr.id
}

output "backup_dr_bucket_arn" {
  description = "ARN of the backup replica in the DR region."
  value       = aws_s3_bucket.backups_dr.arn
}

output "audit_bucket" {
  description = "Name of the AWS Config delivery bucket."
  value       = aws_s3_bucket.audit.id
}

output "audit_bucket_arn" {
  description = "ARN of the AWS Config delivery bucket."
  value       = aws_s3_bucket.audit.arn
}

# The log bucket's outputs wait for its policy and ownership settings: the ALB and CloudFront
# check that they may write there when they are created.
output "logs_bucket" {
  description = "Name of the log bucket (S3, ALB and CloudFront access logs)."
  value       = aws_s3_bucket.logs.id
  depends_on  = [aws_s3_bucket_policy.logs, aws_s3_bucket_ownership_controls.logs]
}

output "logs_bucket_domain_name" {
  description = "Domain name of the log bucket (CloudFront logging's target)."
  value       = aws_s3_bucket.logs.bucket_domain_name
  depends_on  = [aws_s3_bucket_policy.logs, aws_s3_bucket_ownership_controls.logs]
}

output "media_prefix" {
  description = "Prefix of the media keys, without its slash (prefix= of DZINZA_MEDIA_URL)."
  value       = trimsuffix(var.media_prefix, "/")
}

output "backup_prefix" {
  description = "Prefix of the daily backups, without its slash (prefix= of DZINZA_BACKUP_URL)."
  value       = trimsuffix(var.backup_prefix, "/")
}
