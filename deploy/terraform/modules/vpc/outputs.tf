output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 range of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT gateways), in zone order."
  value       = [for az in var.azs : aws_subnet.public[az].id]
}

output "private_subnet_ids" {
  description = "Private subnets (EKS nodes and pods), in zone order."
  value       = [for az in var.azs : aws_subnet.private[az].id]
}

output "database_subnet_ids" {
  description = "Isolated database subnets (RDS, ElastiCache, OpenSearch), in zone order."
  value       = [for az in var.azs : aws_subnet.database[az].id]
}

output "nat_public_ips" {
  description = "Public addresses of the NAT gateways (what outside services see of the cluster)."
  value       = [for e in aws_eip.nat : e.public_ip]
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs (accepted and rejected flows)."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
