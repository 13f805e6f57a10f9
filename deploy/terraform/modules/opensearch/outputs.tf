output "domain_name" {
  description = "Name of the domain."
  value       = aws_opensearch_domain.this.domain_name
}

output "arn" {
  description = "ARN of the domain."
  value       = aws_opensearch_domain.this.arn
}

output "endpoint" {
  description = "HTTPS endpoint of the domain inside the VPC (DZINZA_SEARCH_URL: opensearch://ENDPOINT:443/?tls=true with aws_region)."
  value       = aws_opensearch_domain.this.endpoint
}
