output "replication_group_id" {
  description = "Id of the replication group."
  value       = aws_elasticache_replication_group.this.id
}

output "primary_endpoint" {
  description = "Host name of the primary (writes: the job queue and the cache)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "reader_endpoint" {
  description = "Host name spreading reads over the replicas."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "Port of the nodes (TLS: rediss://)."
  value       = aws_elasticache_replication_group.this.port
}

output "member_clusters" {
  description = "Cache cluster ids of the nodes (CloudWatch dimensions)."
  value       = aws_elasticache_replication_group.this.member_clusters
}
