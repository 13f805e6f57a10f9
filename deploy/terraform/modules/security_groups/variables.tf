variable "name" {
  description = "Name prefix, e.g. dzinza-production."
  type        = string
}

variable "vpc_id" {
  description = "VPC the groups belong to."
  type        = string
}

variable "alb_target_ports" {
  description = "Ports the ALB reaches in the cluster: ingress-nginx's HTTPS port and its health port."
  type        = list(number)
  default     = [443, 10254]
}

variable "egress_tcp_ports" {
  description = "TCP ports the application may reach on the internet (through NAT)."
  type        = list(number)
  default     = [443, 465, 587]
}
