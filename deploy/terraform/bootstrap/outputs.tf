output "state_bucket" {
  description = "Bucket of the environments' state (the bucket of their backend blocks)."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "KMS key of the state: give it at init (-backend-config=\"kms_key_id=...\")."
  value       = aws_kms_key.state.arn
}
