# The three groups of the infrastructure brief: the ALB takes HTTP/HTTPS from the internet,
# the application takes traffic from the ALB only, the databases from the application only.
# Kubernetes' own traffic (control plane to kubelet, node to node) rides on the EKS cluster
# security group, which the node launch templates attach beside the application group.

resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:Attached to the ALB (modules/alb); checkov does not follow the group id across module boundaries.
  name        = "${var.name}-alb"
  description = "Application Load Balancer: HTTP and HTTPS from the internet"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-alb" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "app" {
  #checkov:skip=CKV2_AWS_5:Attached to the EKS nodes' launch templates (modules/eks); checkov does not follow the group id across module boundaries.
  name        = "${var.name}-app"
  description = "EKS nodes and pods: traffic from the ALB only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-app" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "database" {
  #checkov:skip=CKV2_AWS_5:Attached to RDS, ElastiCache and OpenSearch (modules/rds, elasticache, opensearch); checkov does not follow the group id across module boundaries.
  name        = "${var.name}-database"
  description = "RDS, ElastiCache and OpenSearch: traffic from the application only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-database" }

  lifecycle {
    create_before_destroy = true
  }
}

# --- ALB -----------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 only serves the listener's permanent redirect to HTTPS.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the internet (redirected to HTTPS)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_app" {
  for_each = toset([for p in var.alb_target_ports : tostring(p)])

  security_group_id            = aws_security_group.alb.id
  description                  = "To the ingress pods on TCP ${each.key} (requests, health checks)"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = aws_security_group.app.id
}

# --- Application ---------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "app_from_alb" {
  for_each = toset([for p in var.alb_target_ports : tostring(p)])

  security_group_id            = aws_security_group.app.id
  description                  = "From the ALB only, TCP ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "app_to_database" {
  for_each = { postgresql = 5432, redis = 6379, opensearch = 443 }

  security_group_id            = aws_security_group.app.id
  description                  = "To ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.database.id
}

#trivy:ignore:AVD-AWS-0104 AWS APIs, ECR, STS and SMTP relays have no fixed addresses; only these ports leave, through NAT.
resource "aws_vpc_security_group_egress_rule" "app_to_internet" {
  for_each = toset([for p in var.egress_tcp_ports : tostring(p)])

  security_group_id = aws_security_group.app.id
  description       = "To the internet on TCP ${each.key} through NAT"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.key)
  to_port           = tonumber(each.key)
  cidr_ipv4         = "0.0.0.0/0"
}

# --- Databases -----------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "database_from_app" {
  for_each = { postgresql = 5432, redis = 6379, opensearch = 443 }

  security_group_id            = aws_security_group.database.id
  description                  = "${each.key} from the application"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.app.id
}
