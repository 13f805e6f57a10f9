# A plan against mocked providers: no AWS account is touched. It catches what validate cannot:
# dependency cycles between modules, for_each keys unknown at plan time, type mismatches.
# Run from this directory after `terraform init -backend=false`: terraform test

mock_provider "random" {}

mock_provider "aws" {
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
}

mock_provider "aws" {
  alias = "dr"
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-2" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

mock_provider "aws" {
  alias = "us_east_1"
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

variables {
  smtp_url = "smtp://mail.example.org:587?starttls=1"
}

run "plan" {
  command = plan

  assert {
    condition     = output.cluster_name == "dzinza-production"
    error_message = "The cluster is named after the environment (the pipeline's EKS_CLUSTER_NAME)."
  }

  assert {
    condition     = output.app_url == "https://dzinza.example.org" && output.media_cdn_url == "https://media.dzinza.example.org"
    error_message = "The hosts are the Kubernetes overlay's."
  }
}
