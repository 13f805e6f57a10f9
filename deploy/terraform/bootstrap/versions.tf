# The state bucket of every environment. Its own state stays local (terraform.tfstate here,
# kept out of git): it holds nothing secret, and the bucket can be imported again if lost.
terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "dzinza"
      Environment = "shared"
      ManagedBy   = "terraform"
    }
  }
}
