# CDN for thumbnails and previews (derivatives/* of the media bucket): origin access control
# to S3 (the bucket stays private), viewer access only by signed URLs from a trusted key group,
# TLS 1.2 or later, the CLOUDFRONT-scope WAF in front, standard logs to the log bucket, and the
# DR replica as failover origin.

# CloudFront only uses certificates from us-east-1.
resource "aws_acm_certificate" "media" {
  provider = aws.us_east_1

  domain_name       = var.media_domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  validation = {
    for o in aws_acm_certificate.media.domain_validation_options : o.domain_name => o
  }
}

# Keyed by the configured name, known before the certificate exists.
resource "aws_route53_record" "validation" {
  for_each = toset([var.media_domain_name])

  zone_id         = var.zone_id
  name            = local.validation[each.key].resource_record_name
  type            = local.validation[each.key].resource_record_type
  records         = [local.validation[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "media" {
  provider = aws.us_east_1

  certificate_arn         = aws_acm_certificate.media.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_cloudfront_origin_access_control" "media" {
  name                              = "${var.name}-media"
  description                       = "Signed requests from the media CDN to its S3 origins"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Rotating the signing key: add the new public key, deploy the application with the new private
# key, then remove the old one (each key of the group verifies).
resource "aws_cloudfront_public_key" "media" {
  name        = "${var.name}-media-signing"
  comment     = "Verifies Dzinza's signed media URLs"
  encoded_key = var.public_key_pem

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudfront_key_group" "media" {
  name    = "${var.name}-media"
  comment = "Keys whose signatures the media CDN accepts"
  items   = [aws_cloudfront_public_key.media.id]
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

resource "aws_cloudfront_response_headers_policy" "media" {
  name    = "${var.name}-media-security"
  comment = "Security headers on media responses"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
  }
}

resource "aws_cloudfront_distribution" "media" {
  #checkov:skip=CKV_AWS_305:A media CDN serves objects by key only; there is no root document to name.
  #checkov:skip=CKV_AWS_374:Families use Dzinza from every country (the diaspora included); no country is refused.
  #checkov:skip=CKV2_AWS_47:The web ACL (modules/waf, CLOUDFRONT scope) includes AWSManagedRulesKnownBadInputsRuleSet, which blocks Log4j lookups; checkov does not follow the ACL across module boundaries.
  enabled         = true
  is_ipv6_enabled = true
  comment         = "${var.name} media (thumbnails and previews)"
  aliases         = [var.media_domain_name]
  price_class     = var.price_class
  http_version    = "http2and3"
  web_acl_id      = var.web_acl_arn

  origin {
    origin_id                = "media"
    domain_name              = var.origin_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.media.id
  }

  origin {
    origin_id                = "media-dr"
    domain_name              = var.failover_origin_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.media.id
  }

  # Served from the DR replica while the primary region's bucket fails.
  origin_group {
    origin_id = "media-with-failover"

    failover_criteria {
      status_codes = [500, 502, 503, 504]
    }

    member {
      origin_id = "media"
    }

    member {
      origin_id = "media-dr"
    }
  }

  default_cache_behavior {
    target_origin_id           = "media-with-failover"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
    trusted_key_groups         = [aws_cloudfront_key_group.media.id]
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.media.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  logging_config {
    bucket          = var.logs_bucket_domain_name
    prefix          = "cloudfront/"
    include_cookies = false
  }
}
