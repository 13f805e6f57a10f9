variable "name" {
  description = "Domain name (lowercase, at most 28 characters), e.g. dzinza-production."
  type        = string
}

variable "engine_version" {
  description = "OpenSearch version."
  type        = string
  default     = "OpenSearch_2.17"
}

variable "instance_type" {
  description = "Data node instance type."
  type        = string
}

variable "instance_count" {
  description = "Data nodes (a multiple of the zone count when zone awareness is on)."
  type        = number
}

variable "zone_awareness" {
  description = "Spread data nodes and replicas over three zones (production)."
  type        = bool
  default     = true
}

variable "dedicated_masters" {
  description = "Three dedicated master nodes (production)."
  type        = bool
  default     = true
}

variable "master_instance_type" {
  description = "Dedicated master instance type."
  type        = string
  default     = "m6g.large.search"
}

variable "volume_size" {
  description = "EBS volume per data node, GiB."
  type        = number
  default     = 20
}

variable "subnet_ids" {
  description = "Subnets of the domain: the isolated database subnets, private to the VPC (three; the first alone without zone awareness)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the domain (the database group)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key of the data at rest."
  type        = string
}

variable "master_role_arn" {
  description = "IAM role that is the fine-grained access control master (maps the application's roles)."
  type        = string
}

variable "client_role_arns" {
  description = "IAM roles the domain's access policy admits (the application's IRSA roles); fine-grained access control decides the rest."
  type        = list(string)
  default     = []
}

variable "logs_kms_key_arn" {
  description = "KMS key of the log groups."
  type        = string
}

variable "log_retention_days" {
  description = "Days the audit, slow and error logs are kept."
  type        = number
  default     = 365
}

variable "create_service_linked_role" {
  description = "Create the OpenSearch service-linked role (once per account; false where it exists)."
  type        = bool
  default     = true
}
