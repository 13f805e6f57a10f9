variable "repository_name" {
  description = "Name of the image repository."
  type        = string
  default     = "dzinza"
}

variable "kms_key_arn" {
  description = "KMS key encrypting the images."
  type        = string
}

variable "keep_tagged_images" {
  description = "Tagged images kept (the newest); older ones expire."
  type        = number
  default     = 30
}

variable "untagged_expiry_days" {
  description = "Days an untagged image is kept."
  type        = number
  default     = 7
}

variable "pull_account_ids" {
  description = "Other AWS accounts whose nodes pull images from here (the pipeline pushes once; staging and dev may run in accounts of their own)."
  type        = list(string)
  default     = []
}
