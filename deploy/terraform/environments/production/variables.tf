# What the providers need, and the one secret given by TF_VAR_smtp_url; everything else is in
# main.tf.

variable "environment" {
  description = "Environment name: tags, resource names (dzinza-ENVIRONMENT) and the application's Kubernetes namespace."
  type        = string
}

variable "aws_account_id" {
  description = "The AWS account this environment lives in; Terraform refuses to run against another. Null: not checked."
  type        = string
  default     = null
}

variable "region" {
  description = "Primary region (the infrastructure brief: us-west-2)."
  type        = string
  default     = "us-west-2"
}

variable "dr_region" {
  description = "Disaster-recovery region: replicated backups and media."
  type        = string
  default     = "us-east-2"
}

variable "smtp_url" {
  description = "DZINZA_SMTP_URL, written into the app secret. Give it as TF_VAR_smtp_url from the password manager, never in a file; \"\" on purpose: mail goes to files."
  type        = string
  sensitive   = true
}
