################################################################################
# Toggle, naming and tagging
################################################################################

variable "create" {
  description = "Whether to create anything. False creates nothing (outputs are null), e.g. to switch a module call off per environment."
  type        = bool
  nullable    = false
  default     = true
}

variable "name" {
  description = "Project name used as the prefix of every resource name (lower-case letters, digits and single hyphens, 2-24 characters, so that '<name>-airbyte' fits the 32-character ALB/target group limit)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-24 characters of lower-case letters, digits and single hyphens, start with a letter and end with a letter or digit."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource (merged into each resource's tags; provider default_tags are not used inside this module)."
  type        = map(string)
  nullable    = false
  default     = {}
}

################################################################################
# Network
################################################################################

variable "allowed_cidrs" {
  description = "IPv4 CIDR blocks (e.g. the operator's office or VPN egress) allowed to reach the ALB on HTTP/HTTPS. Required; the world (0.0.0.0/0) is rejected because the Airbyte UI and API sit behind it."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.allowed_cidrs) > 0
    error_message = "allowed_cidrs must contain at least one CIDR block."
  }

  validation {
    # cidrsubnet(c, 0, 0) == c also rejects host bits (10.0.0.1/8) that AWS would silently widen.
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrnetmask(c)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "Every allowed_cidrs entry must be an IPv4 network in CIDR notation with no host bits set, e.g. 203.0.113.0/24 or 198.51.100.7/32."
  }

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : try(tonumber(split("/", c)[1]) > 0, false)])
    error_message = "allowed_cidrs must not contain 0.0.0.0/0: Airbyte must only be reachable from the operator's networks."
  }

  validation {
    # Pieces that add up to the whole internet (0.0.0.0/1 + 128.0.0.0/1, ...) are 0.0.0.0/0 too. CIDR blocks are
    # nested or disjoint: drop every block inside another one, then the rest are disjoint and their sizes add up.
    condition = try(sum(concat([0], [
      for c in distinct(var.allowed_cidrs) : pow(2, 32 - tonumber(split("/", c)[1]))
      if !anytrue([
        for outer in distinct(var.allowed_cidrs) :
        outer != c && tonumber(split("/", outer)[1]) <= tonumber(split("/", c)[1]) &&
        cidrsubnet("${split("/", c)[0]}/${split("/", outer)[1]}", 0, 0) == outer
      ])
    ])) < pow(2, 32), true)
    error_message = "allowed_cidrs together cover the whole internet (e.g. 0.0.0.0/1 + 128.0.0.0/1), which is the same as 0.0.0.0/0: list only the operator's networks."
  }
}

variable "vpc_id" {
  description = "Existing VPC to deploy into. When null, the module creates a minimal VPC with two public subnets."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "With vpc_id: at least two subnets in different Availability Zones for the internet-facing ALB (public subnets)."
  type        = list(string)
  nullable    = false
  default     = []

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids entries must look like subnet-0123456789abcdef0."
  }

  validation {
    condition     = length(var.subnet_ids) == 0 || length(var.subnet_ids) >= 2
    error_message = "An application load balancer needs at least two subnets (in two Availability Zones)."
  }
}

variable "instance_subnet_id" {
  description = "Subnet for the Airbyte instance. Defaults to the first ALB subnet. Use a private subnet with NAT egress together with associate_public_ip_address = false."
  type        = string
  default     = null

  validation {
    condition     = var.instance_subnet_id == null || can(regex("^subnet-[0-9a-f]{8,17}$", var.instance_subnet_id))
    error_message = "instance_subnet_id must look like subnet-0123456789abcdef0."
  }
}

variable "vpc_cidr" {
  description = "CIDR of the VPC created when vpc_id is null (/16 to /24; the two public subnets take the first two blocks of 4 extra prefix bits, /20s of a /16)."
  type        = string
  nullable    = false
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24, false)
    error_message = "vpc_cidr must be an IPv4 network between /16 and /24, e.g. 10.42.0.0/16."
  }
}

variable "enable_flow_logs" {
  description = "Send VPC flow logs of the created VPC to CloudWatch Logs (ignored when vpc_id is given)."
  type        = bool
  nullable    = false
  default     = true
}

variable "associate_public_ip_address" {
  description = "Give the instance a public IPv4 address for outbound internet access (Docker images, abctl, connectors). Set false only when instance_subnet_id has a NAT route."
  type        = bool
  nullable    = false
  default     = true
}

variable "instance_egress_ports" {
  description = "TCP ports the instance may open to the internet (0.0.0.0/0). HTTPS covers package repositories, container registries, AWS APIs and the SaaS sources."
  type        = list(number)
  nullable    = false
  default     = [443]

  validation {
    condition     = alltrue([for p in var.instance_egress_ports : p >= 1 && p <= 65535 && floor(p) == p])
    error_message = "instance_egress_ports must be TCP port numbers between 1 and 65535."
  }
}

################################################################################
# Instance and Airbyte
################################################################################

variable "instance_type" {
  description = "EC2 instance type for Airbyte. abctl needs at least 4 vCPU and 16 GiB (checked at plan time); m6i.xlarge by default, m6i.2xlarge for concurrent syncs."
  type        = string
  nullable    = false
  default     = "m6i.xlarge"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as m6i.xlarge."
  }
}

variable "detailed_monitoring" {
  description = "Enable EC2 detailed (1-minute) monitoring. The alarms also work with basic 5-minute metrics, so this only buys resolution."
  type        = bool
  nullable    = false
  default     = true
}

variable "ami_id" {
  description = "AMI for the instance. When null, the most recent Amazon Linux 2023 x86_64 AMI owned by Amazon is used (the instance ignores later AMI releases; replace it to upgrade)."
  type        = string
  default     = null

  validation {
    condition     = var.ami_id == null || can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must look like ami-0123456789abcdef0."
  }
}

variable "root_volume_size_gb" {
  description = "Size of the encrypted gp3 root volume in GiB: the OS, Docker and Airbyte's container images (re-creatable; at least 100). Airbyte's database and job logs are on the data volume."
  type        = number
  nullable    = false
  default     = 100

  validation {
    condition     = var.root_volume_size_gb >= 100 && var.root_volume_size_gb <= 16384 && floor(var.root_volume_size_gb) == var.root_volume_size_gb
    error_message = "root_volume_size_gb must be a whole number between 100 and 16384."
  }
}

variable "data_volume_size_gb" {
  description = "Size of the encrypted gp3 data volume in GiB, mounted at /root/.airbyte: Airbyte's database and job logs. It survives instance replacement (may be grown later, never shrunk)."
  type        = number
  nullable    = false
  default     = 100

  validation {
    condition     = var.data_volume_size_gb >= 20 && var.data_volume_size_gb <= 16384 && floor(var.data_volume_size_gb) == var.data_volume_size_gb
    error_message = "data_volume_size_gb must be a whole number between 20 and 16384."
  }
}

variable "data_volume_final_snapshot" {
  description = "Take a last snapshot of the data volume when Terraform deletes it (destroy). The snapshot is kept until you delete it."
  type        = bool
  nullable    = false
  default     = true
}

variable "enable_data_volume_snapshots" {
  description = "Snapshot the data volume daily with Data Lifecycle Manager (snapshot_time_utc, keeping snapshot_retention_count)."
  type        = bool
  nullable    = false
  default     = true
}

variable "snapshot_time_utc" {
  description = "Time of day (UTC, HH:MM) the daily data volume snapshot starts."
  type        = string
  nullable    = false
  default     = "03:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.snapshot_time_utc))
    error_message = "snapshot_time_utc must be a time of day HH:MM (24 h, UTC), e.g. 03:00."
  }
}

variable "snapshot_retention_count" {
  description = "How many daily snapshots of the data volume to keep (older ones are deleted by DLM)."
  type        = number
  nullable    = false
  default     = 14

  validation {
    condition     = var.snapshot_retention_count >= 1 && var.snapshot_retention_count <= 1000 && floor(var.snapshot_retention_count) == var.snapshot_retention_count
    error_message = "snapshot_retention_count must be a whole number between 1 and 1000."
  }
}

variable "airbyte_log_retention_days" {
  description = "Days Airbyte's job logs are kept on the data volume; a daily systemd timer on the instance deletes older ones (Airbyte itself keeps them forever)."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.airbyte_log_retention_days >= 1 && var.airbyte_log_retention_days <= 3650 && floor(var.airbyte_log_retention_days) == var.airbyte_log_retention_days
    error_message = "airbyte_log_retention_days must be a whole number of days between 1 and 3650."
  }
}

variable "abctl_sha256" {
  description = "SHA-256 (64 hex digits) of the release asset abctl-<abctl_version>-linux-amd64.tar.gz. user_data downloads that tarball from github.com/airbytehq/abctl/releases and refuses to install unless it matches. No default: take it from the release page's asset digest or `sha256sum` of a copy you trust (README: Pinning abctl)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9A-Fa-f]{64}$", var.abctl_sha256))
    error_message = "abctl_sha256 must be the 64 hex digit SHA-256 of abctl-<abctl_version>-linux-amd64.tar.gz (e.g. the digest shown for that asset on github.com/airbytehq/abctl/releases, or `sha256sum abctl-v0.30.4-linux-amd64.tar.gz`)."
  }
}

variable "abctl_version" {
  description = "abctl release tag installed by user_data (pinned; the installer's RELEASE_TAG)."
  type        = string
  nullable    = false
  default     = "v0.30.4"

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.abctl_version))
    error_message = "abctl_version must be a release tag such as v0.30.4."
  }
}

variable "airbyte_chart_version" {
  description = "Airbyte Helm chart version passed to abctl --chart-version (pinned)."
  type        = string
  nullable    = false
  default     = "2.3.0"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.airbyte_chart_version))
    error_message = "airbyte_chart_version must be a semantic version such as 2.3.0."
  }
}

variable "airbyte_public_hostname" {
  description = "DNS name users open Airbyte at (a record you point at the ALB, matching certificate_arn). When null, the ALB's DNS name is used."
  type        = string
  default     = null

  validation {
    condition     = var.airbyte_public_hostname == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.airbyte_public_hostname))
    error_message = "airbyte_public_hostname must be a lower-case DNS name such as airbyte.example.com (no scheme, no path)."
  }
}

variable "ssm_parameter_path" {
  description = "SSM Parameter Store path under which user_data stores the Airbyte API client credentials (client-id, client-secret). Defaults to /tapestry/<name>/airbyte. The instance may only write below this path."
  type        = string
  default     = null

  validation {
    condition     = var.ssm_parameter_path == null || can(regex("^(/[A-Za-z0-9_.-]+)+$", var.ssm_parameter_path))
    error_message = "ssm_parameter_path must start with '/', have no trailing slash and use only letters, digits, '_', '.', '-'."
  }
}

variable "ssm_kms_key_arn" {
  description = "KMS key ARN for the SecureString credentials. When null, the AWS managed key alias/aws/ssm is used (the same default the orchestrator uses for its secrets)."
  type        = string
  default     = null

  validation {
    condition     = var.ssm_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.ssm_kms_key_arn))
    error_message = "ssm_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

################################################################################
# Load balancer
################################################################################

variable "certificate_arn" {
  description = "ACM certificate ARN for airbyte_public_hostname. Required unless allow_plain_http = true: an HTTPS listener terminates TLS and the HTTP listener redirects to it."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }

  validation {
    condition     = var.certificate_arn != null || var.allow_plain_http
    error_message = "certificate_arn is required: without it the ALB serves plain HTTP, and the orchestrator sends Airbyte's admin client secret and the Snowflake loader's private key over it. Fix: give an ACM certificate_arn and airbyte_public_hostname, or set allow_plain_http = true to accept that risk."
  }

  validation {
    condition     = var.certificate_arn == null || var.airbyte_public_hostname != null
    error_message = "certificate_arn needs airbyte_public_hostname: no ACM certificate covers the ALB's *.elb.amazonaws.com name. Fix: set airbyte_public_hostname to the certificate's DNS name and point that name at alb_dns_name."
  }
}

variable "allow_plain_http" {
  description = "Serve Airbyte over plain HTTP when certificate_arn is null. Credentials then cross the network unencrypted; abctl gets --insecure-cookies so the browser login works, and every plan warns. Ignored when certificate_arn is set."
  type        = bool
  nullable    = false
  default     = false
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  nullable    = false
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-")
    error_message = "ssl_policy must be an ELB security policy name (ELBSecurityPolicy-...)."
  }
}

variable "idle_timeout_seconds" {
  description = "ALB idle timeout. At least 600 s to match abctl's nginx proxy-read-timeout: creating a connection discovers the source schema synchronously and takes minutes."
  type        = number
  nullable    = false
  default     = 600

  validation {
    condition     = var.idle_timeout_seconds >= 600 && var.idle_timeout_seconds <= 4000
    error_message = "idle_timeout_seconds must be between 600 and 4000."
  }
}

variable "health_check_unhealthy_threshold" {
  description = "Consecutive failed health checks before the target is marked unhealthy (2-10). High by default: the first abctl install takes up to ~30 minutes."
  type        = number
  nullable    = false
  default     = 10

  validation {
    condition     = var.health_check_unhealthy_threshold >= 2 && var.health_check_unhealthy_threshold <= 10 && floor(var.health_check_unhealthy_threshold) == var.health_check_unhealthy_threshold
    error_message = "health_check_unhealthy_threshold must be a whole number between 2 and 10."
  }
}

variable "enable_deletion_protection" {
  description = "Protect the ALB from deletion. Set false before `terraform destroy`."
  type        = bool
  nullable    = false
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "Optional S3 bucket (SSE-S3, with the ELB log delivery policy) for ALB access logs."
  type        = string
  default     = null
}

################################################################################
# Encryption, logs
################################################################################

variable "kms_key_arn" {
  description = "Customer managed KMS key for the EBS volumes, the alarm topic and CloudWatch Logs. When null, the module creates one (with rotation) whose policy admits CloudWatch Logs for /tapestry/<name>/* and this module's alarms (aws:SourceAccount/aws:SourceArn)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before the created KMS key is deleted (7-30 days)."
  type        = number
  nullable    = false
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

variable "log_retention_days" {
  description = "Retention of the module's CloudWatch log groups (a value CloudWatch Logs accepts, e.g. 365)."
  type        = number
  nullable    = false
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

################################################################################
# Monitoring
################################################################################

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS sends a confirmation mail). Null for no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "cpu_alarm_threshold_percent" {
  description = "Average CPU utilisation (percent) that raises the CPU alarm after cpu_alarm_evaluation_periods 5-minute periods."
  type        = number
  nullable    = false
  default     = 85

  validation {
    condition     = var.cpu_alarm_threshold_percent > 0 && var.cpu_alarm_threshold_percent <= 100
    error_message = "cpu_alarm_threshold_percent must be between 1 and 100."
  }
}

variable "disk_alarm_threshold_percent" {
  description = "Used space (percent) of the root or the data filesystem that raises its disk alarm after two 5-minute periods."
  type        = number
  nullable    = false
  default     = 80

  validation {
    condition     = var.disk_alarm_threshold_percent >= 10 && var.disk_alarm_threshold_percent <= 99
    error_message = "disk_alarm_threshold_percent must be between 10 and 99."
  }
}

variable "cpu_alarm_evaluation_periods" {
  description = "Number of consecutive 5-minute periods above the threshold before the CPU alarm fires."
  type        = number
  nullable    = false
  default     = 3

  validation {
    condition     = var.cpu_alarm_evaluation_periods >= 1 && var.cpu_alarm_evaluation_periods <= 288 && floor(var.cpu_alarm_evaluation_periods) == var.cpu_alarm_evaluation_periods
    error_message = "cpu_alarm_evaluation_periods must be a whole number between 1 and 288."
  }
}
