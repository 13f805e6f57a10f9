# Shield Advanced protections of the public entry points. Shield Standard protects everything
# at no cost already; Advanced adds DDoS response, cost protection and health-based detection.

data "aws_partition" "current" {}

locals {
  protected = var.enable_shield_advanced ? {
    alb        = var.alb_arn
    cloudfront = var.cloudfront_distribution_arn
    zone       = var.hosted_zone_arn
  } : {}
}

resource "aws_shield_protection" "this" {
  for_each = local.protected

  name         = "${var.name}-${each.key}"
  resource_arn = each.value
}

# Detection uses the app's health: an attack is declared sooner when the app suffers from it.
resource "aws_shield_protection_health_check_association" "alb" {
  count = var.enable_shield_advanced ? 1 : 0

  shield_protection_id = aws_shield_protection.this["alb"].id
  health_check_arn     = "arn:${data.aws_partition.current.partition}:route53:::healthcheck/${var.alb_health_check_id}"
}
