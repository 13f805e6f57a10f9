output "platform" {
  description = "What the Kubernetes manifests, the pipeline and the operators need (modules/platform/outputs.tf): terraform output -json platform"
  value       = module.platform
}
