# The Application Load Balancer of the brief, owned here so that its certificate, TLS policy,
# WAF, access logs, Shield protection and alarms are all declared in one place. Behind it sits
# ingress-nginx (deploy/k8s): its controller pods join the target group as IP targets through
# a TargetGroupBinding (AWS Load Balancer Controller), and it routes to dzinza-api.

resource "aws_acm_certificate" "app" {
  domain_name       = var.app_domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  validation = {
    for o in aws_acm_certificate.app.domain_validation_options : o.domain_name => o
  }
}

# Keyed by the configured name, known before the certificate exists.
resource "aws_route53_record" "validation" {
  for_each = toset([var.app_domain_name])

  zone_id         = var.zone_id
  name            = local.validation[each.key].resource_record_name
  type            = local.validation[each.key].resource_record_type
  records         = [local.validation[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "app" {
  certificate_arn         = aws_acm_certificate.app.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

#trivy:ignore:AVD-AWS-0053 The platform's public entry point: it must face the internet (WAF and Shield stand in front).
resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_76:The web ACL (modules/waf, REGIONAL scope) includes AWSManagedRulesKnownBadInputsRuleSet, which blocks Log4j lookups; checkov does not follow the ACL across module boundaries.
  #checkov:skip=CKV_AWS_150:Deletion protection is chosen per environment: on in production and staging, off in development so that it can be torn down.
  name               = var.name
  load_balancer_type = "application"
  internal           = false
  subnets            = var.public_subnet_ids
  security_groups    = [var.security_group_id]

  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.idle_timeout

  access_logs {
    bucket  = var.logs_bucket
    prefix  = "alb"
    enabled = true
  }
}

# HTTPS to the targets too: ingress-nginx terminates TLS again with its cert-manager
# certificate, so requests stay encrypted up to the cluster (and its HTTPS redirect holds).
resource "aws_lb_target_group" "app" {
  name                 = "${var.name}-ingress"
  target_type          = "ip"
  protocol             = "HTTPS"
  port                 = var.target_port
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    protocol            = "HTTP"
    port                = tostring(var.health_check_port)
    path                = var.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.app.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}
