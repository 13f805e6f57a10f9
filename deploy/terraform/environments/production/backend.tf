# State in the bucket made by deploy/terraform/bootstrap, one key per environment. S3-native
# locking (a .tflock object beside the state, Terraform >= 1.10) needs no DynamoDB table.
# The state's KMS key is given at init (README): -backend-config="kms_key_id=..."
terraform {
  backend "s3" {
    bucket       = "dzinza-terraform-state"
    key          = "environments/production/terraform.tfstate"
    region       = "us-west-2"
    encrypt      = true
    use_lockfile = true
  }
}
