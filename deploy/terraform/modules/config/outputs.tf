output "recorder_name" {
  description = "Name of the configuration recorder."
  value       = aws_config_configuration_recorder.this.name
}

output "rule_names" {
  description = "Names of the Config rules."
  value       = [for r in aws_config_config_rule.this : r.name]
}
