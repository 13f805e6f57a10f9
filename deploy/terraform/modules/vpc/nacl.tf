# Network ACLs per tier: only the flows each tier needs, everything else falls to the ACL's
# final deny. ACLs are stateless, so every allowed flow has its reply allowed on ephemeral
# ports (1024-65535: NAT gateways and load balancers use the whole range). Denied packets are
# logged by the VPC flow log as REJECT records (traffic_type ALL, see main.tf).
# Amazon DNS, NTP and instance metadata are not filtered by ACLs and need no rule.

locals {
  any = "0.0.0.0/0"

  # Remote desktop sits inside the ephemeral range; it is refused from the internet before
  # the ephemeral allow rules are read (rule numbers are evaluated in order).
  deny_rdp = [{ rule = 90, egress = false, action = "deny", protocol = "tcp", cidr = local.any, from = 3389, to = 3389 }]

  public_rules = concat(
    local.deny_rdp,
    [
      # Viewers reach the ALB (HTTP only redirects to HTTPS).
      { rule = 100, egress = false, action = "allow", protocol = "tcp", cidr = local.any, from = 443, to = 443 },
      { rule = 110, egress = false, action = "allow", protocol = "tcp", cidr = local.any, from = 80, to = 80 },
      # Replies to the NAT gateways' outbound connections and to the ALB from its targets.
      { rule = 120, egress = false, action = "allow", protocol = "tcp", cidr = local.any, from = 1024, to = 65535 },
    ],
    # Private hosts' outbound connections that the NAT gateways forward.
    flatten([for j, port in var.egress_tcp_ports : [
      for i, cidr in local.private_cidrs : {
        rule = 130 + 3 * j + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = port, to = port
      }
    ]]),
    [
      # Replies to viewers and to private hosts behind NAT.
      { rule = 100, egress = true, action = "allow", protocol = "tcp", cidr = local.any, from = 1024, to = 65535 },
    ],
    # NAT gateways forward the allowed outbound ports.
    [for j, port in var.egress_tcp_ports : {
      rule = 110 + j, egress = true, action = "allow", protocol = "tcp", cidr = local.any, from = port, to = port
    }],
    # The ALB forwards to the ingress pods and checks their health.
    flatten([for j, port in var.alb_target_ports : [
      for i, cidr in local.private_cidrs : {
        rule = 130 + 3 * j + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = port, to = port
      }
    ]]),
  )

  private_rules = concat(
    local.deny_rdp,
    flatten([for i, cidr in local.private_cidrs : [
      # Nodes, pods and the EKS control plane's interfaces talk among themselves on any port
      # (kubelet, webhooks, pod-to-pod, CoreDNS over TCP and UDP).
      { rule = 100 + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = 0, to = 65535 },
      { rule = 110 + i, egress = false, action = "allow", protocol = "udp", cidr = cidr, from = 0, to = 65535 },
      { rule = 100 + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = 0, to = 65535 },
      { rule = 110 + i, egress = true, action = "allow", protocol = "udp", cidr = cidr, from = 0, to = 65535 },
    ]]),
    # The ALB reaches the ingress pods; their replies go back.
    flatten([for j, port in var.alb_target_ports : [
      for i, cidr in local.public_cidrs : {
        rule = 160 + 3 * j + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = port, to = port
      }
    ]]),
    [for i, cidr in local.public_cidrs : {
      rule = 120 + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = 1024, to = 65535
    }],
    flatten([for i, cidr in local.database_cidrs : [
      # PostgreSQL, Redis and OpenSearch (HTTPS), and their replies.
      { rule = 130 + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = 5432, to = 5432 },
      { rule = 140 + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = 6379, to = 6379 },
      { rule = 150 + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = 443, to = 443 },
      { rule = 130 + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = 1024, to = 65535 },
    ]]),
    # Out through NAT on the allowed ports; replies come back on ephemeral ports.
    [for j, port in var.egress_tcp_ports : {
      rule = 200 + j, egress = true, action = "allow", protocol = "tcp", cidr = local.any, from = port, to = port
    }],
    [{ rule = 200, egress = false, action = "allow", protocol = "tcp", cidr = local.any, from = 1024, to = 65535 }],
  )

  database_rules = flatten([
    [for i, cidr in local.private_cidrs : [
      # Only the application tier connects, on the three service ports.
      { rule = 100 + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = 5432, to = 5432 },
      { rule = 110 + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = 6379, to = 6379 },
      { rule = 120 + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = 443, to = 443 },
      { rule = 100 + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = 1024, to = 65535 },
    ]],
    [for i, cidr in local.database_cidrs : [
      # Replication between the data nodes of the tier (Redis replicas, OpenSearch nodes).
      { rule = 130 + i, egress = false, action = "allow", protocol = "tcp", cidr = cidr, from = 1024, to = 65535 },
      { rule = 130 + i, egress = true, action = "allow", protocol = "tcp", cidr = cidr, from = 1024, to = 65535 },
    ]],
  ])

  tier_subnet_ids = {
    public   = [for s in aws_subnet.public : s.id]
    private  = [for s in aws_subnet.private : s.id]
    database = [for s in aws_subnet.database : s.id]
  }

  acl_rules = {
    public   = local.public_rules
    private  = local.private_rules
    database = local.database_rules
  }
}

resource "aws_network_acl" "this" {
  for_each = local.acl_rules

  vpc_id     = aws_vpc.this.id
  subnet_ids = local.tier_subnet_ids[each.key]

  tags = { Name = "${var.name}-${each.key}" }
}

resource "aws_network_acl_rule" "this" {
  for_each = merge([
    for tier, rules in local.acl_rules : {
      for r in rules : "${tier}-${r.egress ? "out" : "in"}-${r.rule}" => merge(r, { tier = tier })
    }
  ]...)

  network_acl_id = aws_network_acl.this[each.value.tier].id
  rule_number    = each.value.rule
  egress         = each.value.egress
  protocol       = each.value.protocol
  rule_action    = each.value.action
  cidr_block     = each.value.cidr
  from_port      = each.value.from
  to_port        = each.value.to
}
