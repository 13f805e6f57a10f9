variable "name" {
  description = "Name of the budget, e.g. dzinza-production-monthly."
  type        = string
}

variable "monthly_limit_usd" {
  description = "Monthly cost budget, USD."
  type        = number
}

variable "notification_emails" {
  description = "Addresses told when the month's forecast passes 80% and 100% of the budget."
  type        = list(string)
}

variable "cost_filters" {
  description = "Optional cost filters (e.g. { TagKeyValue = [\"user:Environment$production\"] } when environments share an account)."
  type        = map(list(string))
  default     = {}
}
