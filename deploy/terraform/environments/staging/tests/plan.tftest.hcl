# A plan against mocked providers: no AWS account is touched. It catches what validate cannot:
# dependency cycles between modules, for_each keys unknown at plan time, type mismatches.
# Run from this directory after `terraform init -backend=false`: terraform test

mock_provider "random" {}

mock_provider "aws" {
  source = "../../tests/mocks/aws"
}

mock_provider "aws" {
  alias  = "dr"
  source = "../../tests/mocks/aws_dr"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "../../tests/mocks/aws_us_east_1"
}

variables {
  smtp_url = "smtp://mail.example.org:587?starttls=1"
}

run "plan" {
  command = plan

  assert {
    condition     = output.platform.cluster_name == "dzinza-staging"
    error_message = "The cluster is named after the environment (the pipeline's EKS_CLUSTER_NAME)."
  }

  assert {
    condition     = output.platform.app_url == "https://staging.dzinza.example.org" && output.platform.media_cdn_url == "https://media.staging.dzinza.example.org"
    error_message = "The hosts are the Kubernetes overlay's."
  }
}
