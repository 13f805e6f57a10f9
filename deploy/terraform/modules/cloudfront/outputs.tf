output "distribution_id" {
  description = "Id of the distribution."
  value       = aws_cloudfront_distribution.media.id
}

output "distribution_arn" {
  description = "ARN of the distribution (the media bucket policy names it)."
  value       = aws_cloudfront_distribution.media.arn
}

output "domain_name" {
  description = "CloudFront domain name of the distribution."
  value       = aws_cloudfront_distribution.media.domain_name
}

output "hosted_zone_id" {
  description = "Route 53 zone id of CloudFront aliases."
  value       = aws_cloudfront_distribution.media.hosted_zone_id
}

output "public_key_id" {
  description = "Id of the signing public key (DZINZA_MEDIA_CDN_KEY_ID)."
  value       = aws_cloudfront_public_key.media.id
}

output "key_group_id" {
  description = "Id of the trusted key group."
  value       = aws_cloudfront_key_group.media.id
}
