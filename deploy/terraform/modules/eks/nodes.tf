# Managed node groups, their launch templates, the Cluster Autoscaler's discovery tags and the
# development schedule.

resource "aws_iam_role" "node" {
  name = "${var.cluster_name}-node"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# No SSH: operators reach a node through Session Manager (AmazonSSMManagedInstanceCore).
resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
  ])

  role       = aws_iam_role.node.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.key}"
}

resource "aws_launch_template" "node" {
  for_each = local.node_groups

  name_prefix            = "${var.cluster_name}-${each.key}-"
  update_default_version = true

  # With its own security groups a launch template replaces the cluster security group that
  # EKS would attach, so both are listed: the cluster group carries Kubernetes' own traffic,
  # the application group the ALB's.
  vpc_security_group_ids = [
    aws_eks_cluster.this.vpc_config[0].cluster_security_group_id,
    var.app_security_group_id,
  ]

  # IMDSv2 only, one hop: pods cannot reach the node's credentials, they use IRSA.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  # Nodes hold no data of their own (images and scratch space); encrypted with the account's
  # EBS key, which the Auto Scaling service-linked role can use without a key policy grant.
  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.node_disk_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.cluster_name}-${each.key}" }
  }

  tag_specifications {
    resource_type = "volume"
    tags          = { Name = "${var.cluster_name}-${each.key}" }
  }
}

resource "aws_eks_node_group" "this" {
  for_each = local.node_groups

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.cluster_name}-${each.key}"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  ami_type        = var.ami_type
  capacity_type   = each.value.capacity_type
  instance_types  = each.value.instance_types
  labels          = { "dzinza.io/pool" = each.key }

  dynamic "taint" {
    for_each = local.taints[each.key]
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  scaling_config {
    min_size     = each.value.min_size
    desired_size = each.value.desired_size
    max_size     = each.value.max_size
  }

  update_config {
    max_unavailable_percentage = 33
  }

  launch_template {
    id      = aws_launch_template.node[each.key].id
    version = aws_launch_template.node[each.key].latest_version
  }

  # The Cluster Autoscaler (and the development schedule) own the running size.
  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [
    aws_iam_role_policy_attachment.node,
    aws_eks_addon.vpc_cni,
  ]
}

locals {
  asg_names = { for k, ng in aws_eks_node_group.this : k => ng.resources[0].autoscaling_groups[0].name }

  # Auto-discovery tags, plus node-template tags so that the autoscaler knows a group's labels
  # and taints while it has no node (scaling up from zero).
  autoscaler_tags = merge([
    for k, ng in local.node_groups : merge(
      {
        "${k}|k8s.io/cluster-autoscaler/enabled"                            = "true"
        "${k}|k8s.io/cluster-autoscaler/${var.cluster_name}"                = "owned"
        "${k}|k8s.io/cluster-autoscaler/node-template/label/dzinza.io/pool" = k
      },
      {
        for t in local.taints[k] : "${k}|k8s.io/cluster-autoscaler/node-template/taint/${t.key}" => "${t.value}:NoSchedule"
      },
    )
  ]...)
}

resource "aws_autoscaling_group_tag" "autoscaler" {
  for_each = local.autoscaler_tags

  autoscaling_group_name = local.asg_names[split("|", each.key)[0]]

  tag {
    key                 = split("|", each.key)[1]
    value               = each.value
    propagate_at_launch = false
  }
}

# Development: every group goes to zero in the evening and comes back in the morning. The
# maximum goes to zero too, so the Cluster Autoscaler cannot undo it.
resource "aws_autoscaling_schedule" "stop" {
  for_each = { for k, v in local.node_groups : k => v if var.scale_to_zero_schedule.enabled }

  scheduled_action_name  = "${var.cluster_name}-${each.key}-stop"
  autoscaling_group_name = local.asg_names[each.key]
  recurrence             = var.scale_to_zero_schedule.stop
  time_zone              = var.scale_to_zero_schedule.time_zone
  min_size               = 0
  max_size               = 0
  desired_capacity       = 0
}

resource "aws_autoscaling_schedule" "start" {
  for_each = { for k, v in local.node_groups : k => v if var.scale_to_zero_schedule.enabled }

  scheduled_action_name  = "${var.cluster_name}-${each.key}-start"
  autoscaling_group_name = local.asg_names[each.key]
  recurrence             = var.scale_to_zero_schedule.start
  time_zone              = var.scale_to_zero_schedule.time_zone
  min_size               = each.value.min_size
  max_size               = each.value.max_size
  desired_capacity       = each.value.desired_size
}
