locals {
  tags = {
    Project     = "dzinza"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = var.aws_account_id == null ? null : [var.aws_account_id]

  default_tags {
    tags = local.tags
  }
}

# Disaster-recovery region: replicas of backups and media, replicated RDS backups.
provider "aws" {
  alias               = "dr"
  region              = var.dr_region
  allowed_account_ids = var.aws_account_id == null ? null : [var.aws_account_id]

  default_tags {
    tags = local.tags
  }
}

# CloudFront's certificate and WAF, Route 53 query logs and global-service alarms live here.
provider "aws" {
  alias               = "us_east_1"
  region              = "us-east-1"
  allowed_account_ids = var.aws_account_id == null ? null : [var.aws_account_id]

  default_tags {
    tags = local.tags
  }
}
