output "secret_arns" {
  description = "ARNs of the secrets by name (app, restore-verify, cloudfront-private-key, redis-auth-token, media-signing-keys, metrics-token, backup-key)."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "secret_names" {
  description = "Names of the secrets (the ExternalSecrets' remote keys)."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}

output "redis_auth_token" {
  description = "Redis AUTH token, for the replication group."
  value       = random_password.redis_auth_token.result
  sensitive   = true
}
