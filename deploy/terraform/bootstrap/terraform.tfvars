region            = "us-west-2"
state_bucket_name = "dzinza-terraform-state"
