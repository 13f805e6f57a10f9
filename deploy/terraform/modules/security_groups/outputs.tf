output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "app_security_group_id" {
  description = "Security group of the EKS nodes and pods."
  value       = aws_security_group.app.id
}

output "database_security_group_id" {
  description = "Security group of RDS, ElastiCache and OpenSearch."
  value       = aws_security_group.database.id
}
