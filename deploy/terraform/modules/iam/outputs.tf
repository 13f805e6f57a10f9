output "irsa_role_arns" {
  description = "IRSA role ARNs by workload (api, worker, backup, external_secrets, cluster_autoscaler, adot_collector, lb_controller, cert_manager): the eks.amazonaws.com/role-arn annotations."
  value       = { for k, r in aws_iam_role.irsa : k => r.arn }
}

output "service_account_subjects" {
  description = "namespace/name of the service account each IRSA role trusts."
  value       = local.subjects
}

output "api_role_arn" {
  description = "IRSA role of the API."
  value       = aws_iam_role.irsa["api"].arn
}

output "worker_role_arn" {
  description = "IRSA role of the workers."
  value       = aws_iam_role.irsa["worker"].arn
}

output "backup_role_arn" {
  description = "IRSA role of the backup CronJob."
  value       = aws_iam_role.irsa["backup"].arn
}

output "github_deploy_role_arn" {
  description = "Role GitHub Actions assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.github_deploy.arn
}

output "search_admin_role_arn" {
  description = "OpenSearch master role (fine-grained access control)."
  value       = aws_iam_role.search_admin.arn
}
