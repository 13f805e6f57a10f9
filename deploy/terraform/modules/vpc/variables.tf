variable "name" {
  description = "Name prefix, e.g. dzinza-production."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 range of the VPC (a /16: public and database /24s, private /19s)."
  type        = string
}

variable "azs" {
  description = "The three availability zones the subnets are spread over."
  type        = list(string)

  validation {
    condition     = length(var.azs) == 3
    error_message = "Exactly three availability zones are expected."
  }
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per zone (production: a zone's loss does not cut the others off); false: a single one."
  type        = bool
  default     = true
}

variable "cluster_name" {
  description = "EKS cluster name, for the subnet tags Kubernetes load balancers look for."
  type        = string
}

variable "alb_target_ports" {
  description = "Ports the ALB reaches in the private subnets (ingress-nginx's HTTPS and health ports)."
  type        = list(number)
  default     = [443, 10254]
}

variable "egress_tcp_ports" {
  description = "TCP ports the private subnets may reach on the internet through NAT (HTTPS for AWS APIs and registries; SMTP submission for mail)."
  type        = list(number)
  default     = [443, 465, 587]
}

variable "logs_kms_key_arn" {
  description = "KMS key encrypting the flow log group."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Days the flow logs are kept."
  type        = number
  default     = 365
}
