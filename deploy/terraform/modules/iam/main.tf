# IAM roles for service accounts (IRSA) of the platform's pods, and the GitHub Actions deploy
# role. Each policy names the resources it may touch; actions AWS cannot scope to a resource
# (Describe*, GetAuthorizationToken, X-Ray writes) are the only ones on "*".

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  # namespace/name of each service account.
  subjects = {
    api                = "${var.app_namespace}/${var.service_accounts.api}"
    worker             = "${var.app_namespace}/${var.service_accounts.worker}"
    backup             = "${var.app_namespace}/${var.service_accounts.backup}"
    external_secrets   = "${var.app_namespace}/${var.service_accounts.external_secrets}"
    cluster_autoscaler = var.service_accounts.cluster_autoscaler
    adot_collector     = var.service_accounts.adot_collector
    lb_controller      = var.service_accounts.lb_controller
    cert_manager       = var.service_accounts.cert_manager
  }

  role_names = {
    api                = "${var.name}-api"
    worker             = "${var.name}-worker"
    backup             = "${var.name}-backup"
    external_secrets   = "${var.name}-external-secrets"
    cluster_autoscaler = "${var.name}-cluster-autoscaler"
    adot_collector     = "${var.name}-adot-collector"
    lb_controller      = "${var.name}-lb-controller"
    cert_manager       = "${var.name}-cert-manager"
  }

  # What the API and the workers do with photos and documents (docs/operations/media.md).
  media_statements = [
    {
      Sid    = "MediaObjects"
      Effect = "Allow"
      Action = [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ]
      Resource = ["${var.media_bucket_arn}/${var.media_prefix}/*"]
    },
    {
      Sid      = "MediaBucket"
      Effect   = "Allow"
      Action   = ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"]
      Resource = [var.media_bucket_arn]
    },
    {
      Sid       = "MediaKey"
      Effect    = "Allow"
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = [var.media_kms_key_arn]
      Condition = { StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" } }
    },
  ]

  search_statements = [{
    Sid      = "SearchIndex"
    Effect   = "Allow"
    Action   = ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"]
    Resource = ["${var.opensearch_domain_arn}/*"]
  }]

  policies = {
    api    = concat(local.media_statements, local.search_statements)
    worker = concat(local.media_statements, local.search_statements)

    # `dzinza backup create|verify|prune`: reads the media, writes, reads and prunes backups,
    # encrypts them under the backups key (kms://..., docs/operations/backups.md). Object Lock
    # keeps every version 35 days whatever it deletes.
    backup = [
      {
        Sid    = "BackupObjects"
        Effect = "Allow"
        Action = [
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ]
        Resource = ["${var.backup_bucket_arn}/${var.backup_prefix}/*"]
      },
      {
        Sid      = "BackupBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
        Resource = [var.backup_bucket_arn]
      },
      {
        Sid      = "ReadMedia"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = ["${var.media_bucket_arn}/${var.media_prefix}/*"]
      },
      {
        Sid      = "ListMedia"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [var.media_bucket_arn]
      },
      {
        Sid       = "MediaKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.media_kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" } }
      },
      {
        Sid      = "BackupKey"
        Effect   = "Allow"
        Action   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = [var.backups_kms_key_arn]
      },
    ]

    external_secrets = [
      {
        Sid      = "ReadNamedSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = var.secret_arns
      },
      {
        Sid       = "SecretsKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.secrets_kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
      },
    ]

    # Resizes only this cluster's node groups, found by their auto-discovery tags.
    cluster_autoscaler = [
      {
        Sid      = "ResizeOwnNodeGroups"
        Effect   = "Allow"
        Action   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
        Resource = [for n in var.autoscaling_group_names : "arn:${local.partition}:autoscaling:${local.region}:${local.account}:autoScalingGroup:*:autoScalingGroupName/${n}"]
        Condition = {
          StringEquals = { "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.cluster_name}" = "owned" }
        }
      },
      {
        Sid    = "DescribeNodeGroups"
        Effect = "Allow"
        Action = [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "DescribeEksNodeGroups"
        Effect   = "Allow"
        Action   = ["eks:DescribeNodegroup"]
        Resource = ["arn:${local.partition}:eks:${local.region}:${local.account}:nodegroup/${var.cluster_name}/*/*"]
      },
    ]

    # DNS-01 challenges of the Ingress certificates: TXT records in this environment's zone.
    cert_manager = [
      {
        Sid      = "ChallengeRecords"
        Effect   = "Allow"
        Action   = ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]
        Resource = [var.hosted_zone_arn]
        Condition = {
          "ForAllValues:StringEquals" = { "route53:ChangeResourceRecordSetsRecordTypes" = ["TXT"] }
        }
      },
      {
        Sid      = "ChangeStatus"
        Effect   = "Allow"
        Action   = ["route53:GetChange"]
        Resource = ["arn:${local.partition}:route53:::change/*"]
      },
      {
        Sid      = "FindZone"
        Effect   = "Allow"
        Action   = ["route53:ListHostedZonesByName"]
        Resource = ["*"]
      },
    ]

    # TargetGroupBinding: registers the ingress-nginx pods in the ALB's target group and opens
    # the pods' security groups to the ALB.
    lb_controller = [
      {
        Sid      = "RegisterPods"
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
        Resource = [var.target_group_arn]
      },
      {
        Sid    = "Describe"
        Effect = "Allow"
        Action = [
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeTags",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeInstances",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeVpcs",
          "ec2:DescribeSubnets",
          "ec2:DescribeAvailabilityZones",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "OpenPodSecurityGroups"
        Effect   = "Allow"
        Action   = ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]
        Resource = [for id in var.target_security_group_ids : "arn:${local.partition}:ec2:${local.region}:${local.account}:security-group/${id}"]
      },
    ]
  }
}

resource "aws_iam_role" "irsa" {
  for_each = local.subjects

  name        = local.role_names[each.key]
  description = "IRSA role of ${each.value}"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = var.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${var.oidc_issuer}:sub" = "system:serviceaccount:${replace(each.value, "/", ":")}"
          "${var.oidc_issuer}:aud" = "sts.amazonaws.com"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy" "irsa" {
  for_each = local.policies

  name   = "least-privilege"
  role   = aws_iam_role.irsa[each.key].id
  policy = jsonencode({ Version = "2012-10-17", Statement = each.value })
}

# X-Ray's write actions cannot be scoped to a resource; AWS's managed policy holds exactly them.
resource "aws_iam_role_policy_attachment" "adot_xray" {
  role       = aws_iam_role.irsa["adot_collector"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

# --- GitHub Actions ------------------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  # IAM validates GitHub's issuer against its own trusted CAs; these published thumbprints
  # satisfy provider versions that still require the argument.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://token.actions.githubusercontent.com"
}

locals {
  github_provider_arn = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
}

# Only workflows of this repository, on its main branch or in a job bound to this
# environment (whose protection rules GitHub enforces), may deploy.
resource "aws_iam_role" "github_deploy" {
  name        = "${var.name}-github-deploy"
  description = "GitHub Actions deploys of ${var.github_repository}"

  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.github_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike = {
          "token.actions.githubusercontent.com:sub" = [
            "repo:${var.github_repository}:ref:refs/heads/main",
            "repo:${var.github_repository}:environment:${var.github_environment}",
          ]
        }
      }
    }]
  })
}

# Pushes the image and reaches the cluster; what it may do inside the cluster is the EKS access
# entry's business (namespace-scoped, see the environment's main.tf).
resource "aws_iam_role_policy" "github_deploy" {
  name = "push-and-deploy"
  role = aws_iam_role.github_deploy.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RegistryLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid    = "PushImages"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:DescribeImageScanFindings",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        Resource = [var.ecr_repository_arn]
      },
      {
        Sid      = "DescribeCluster"
        Effect   = "Allow"
        Action   = ["eks:DescribeCluster"]
        Resource = [var.cluster_arn]
      },
    ]
  })
}

# --- OpenSearch master -----------------------------------------------------------------------
# The fine-grained access control master. An operator assumes it once to map the API's and the
# workers' roles to an OpenSearch role limited to the people indexes (README: first apply).

resource "aws_iam_role" "search_admin" {
  name        = "${var.name}-search-admin"
  description = "OpenSearch fine-grained access control master"

  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Principal = {
        AWS = length(var.search_admin_principal_arns) > 0 ? var.search_admin_principal_arns : ["arn:${local.partition}:iam::${local.account}:root"]
      }
      Action = "sts:AssumeRole"
    }]
  })
}
