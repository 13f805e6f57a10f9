output "alarm_topic_arn" {
  description = "SNS topic of the alarms in the primary region (Alertmanager or chat can subscribe too)."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_topic_arn_us_east_1" {
  description = "SNS topic of the alarms on global services' metrics (us-east-1)."
  value       = aws_sns_topic.alarms_us_east_1.arn
}
