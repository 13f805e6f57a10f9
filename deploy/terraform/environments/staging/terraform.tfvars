# The providers' settings; the rest of this environment is in main.tf.
environment = "staging"
region      = "us-west-2"
dr_region   = "us-east-2"
