# What the mocked AWS provider answers in the environments' plan tests (no account is reached).
mock_data "aws_partition" {
  defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
}
mock_data "aws_region" {
  defaults = { name = "us-west-2" }
}
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}
mock_data "aws_elb_service_account" {
  defaults = { arn = "arn:aws:iam::797873946194:root" }
}
