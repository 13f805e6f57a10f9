variable "name" {
  description = "Name prefix, e.g. dzinza-production."
  type        = string
}

variable "bucket_name" {
  description = "Bucket AWS Config delivers to (the s3 module's audit bucket)."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of that bucket."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the bucket's objects."
  type        = string
}

variable "include_global_resources" {
  description = "Record global resources (IAM) too: true in one region of the account only."
  type        = bool
  default     = true
}
