output "zone_id" {
  description = "Id of the hosted zone."
  value       = aws_route53_zone.this.zone_id
}

output "zone_arn" {
  description = "ARN of the hosted zone (Shield Advanced protects it)."
  value       = aws_route53_zone.this.arn
}

output "name_servers" {
  description = "Name servers to delegate the zone to from its parent."
  value       = aws_route53_zone.this.name_servers
}

output "ds_record" {
  description = "DS record to publish in the parent zone so that resolvers validate the DNSSEC signatures."
  value       = aws_route53_key_signing_key.this.ds_record
}

output "health_check_id" {
  description = "Id of the app's HTTPS health check."
  value       = aws_route53_health_check.app.id
}
