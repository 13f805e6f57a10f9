output "protection_ids" {
  description = "Shield Advanced protections by resource (empty when disabled)."
  value       = { for k, p in aws_shield_protection.this : k => p.id }
}
