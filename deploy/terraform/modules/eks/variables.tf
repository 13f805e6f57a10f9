variable "cluster_name" {
  description = "Name of the EKS cluster, e.g. dzinza-production."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane (the brief's 1.27 is past EKS standard support; upgrade one minor at a time)."
  type        = string
  default     = "1.33"
}

variable "subnet_ids" {
  description = "Private subnets of the control plane's interfaces and of the nodes."
  type        = list(string)
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API endpoint on the internet too (to public_access_cidrs only). Default: private endpoint only."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "Address ranges allowed to the public endpoint when endpoint_public_access is true. Never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "The public endpoint must not be open to the whole internet."
  }
}

variable "secrets_kms_key_arn" {
  description = "KMS key for envelope encryption of Kubernetes secrets."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the control-plane log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the control-plane logs are kept."
  type        = number
  default     = 365
}

variable "app_security_group_id" {
  description = "Application security group attached to every node (the ALB reaches pods through it)."
  type        = string
}

variable "ami_type" {
  description = "EKS-optimised AMI family of the nodes."
  type        = string
  default     = "AL2023_x86_64_STANDARD"
}

variable "node_disk_size" {
  description = "Root volume size of a node, GiB."
  type        = number
  default     = 50
}

variable "api_nodes" {
  description = "On-demand node group \"general\" (label dzinza.io/pool=general): the API, the cluster's controllers and the Jobs."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
  })
}

variable "worker_nodes" {
  description = "Spot node group for background workers (tainted dzinza.io/pool=workers:NoSchedule)."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
  })
}

variable "scale_to_zero_schedule" {
  description = "Scale every node group to zero outside working hours (development). Cron expressions in time_zone."
  type = object({
    enabled   = bool
    time_zone = optional(string, "Etc/UTC")
    stop      = optional(string, "0 19 * * MON-FRI")
    start     = optional(string, "0 7 * * MON-FRI")
  })
  default = { enabled = false }
}

variable "access_entries" {
  description = "IAM principals given Kubernetes access: an EKS access policy ARN, cluster-wide (namespaces empty) or limited to namespaces, plus Kubernetes groups that in-cluster RBAC may bind to."
  type = map(object({
    principal_arn     = string
    policy_arn        = string
    namespaces        = optional(list(string), [])
    kubernetes_groups = optional(list(string), [])
  }))
  default = {}
}
