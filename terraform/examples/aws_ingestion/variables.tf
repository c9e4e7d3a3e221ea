variable "region" {
  description = "AWS region. Null: taken from the environment (AWS_REGION)."
  type        = string
  default     = null
}

variable "name" {
  description = "Project name (prefix of every resource name)."
  type        = string
  default     = "tapestry-example"
}

variable "allowed_cidrs" {
  description = "Your public IP as a /32 (or your office/VPN range): the only sources admitted by the ALB."
  type        = list(string)
}

variable "abctl_sha256" {
  description = "SHA-256 of abctl-v0.30.4-linux-amd64.tar.gz (see the module README, 'Pinning abctl')."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for airbyte_public_hostname. Required unless allow_plain_http = true."
  type        = string
  default     = null
}

variable "airbyte_public_hostname" {
  description = "DNS name covered by certificate_arn, which you point at the ALB (output alb_dns_name)."
  type        = string
  default     = null
}

variable "allow_plain_http" {
  description = "Try the example without a certificate: plain HTTP, credentials unencrypted on the wire (the plan warns)."
  type        = bool
  default     = false
}

variable "enable_data_volume_snapshots" {
  description = "Daily DLM snapshots of the data volume (set false against emulators without DLM, e.g. moto)."
  type        = bool
  default     = true
}

variable "ami_id" {
  description = "AMI override. Null: latest Amazon Linux 2023 x86_64."
  type        = string
  default     = null
}

variable "detailed_monitoring" {
  description = "EC2 detailed monitoring (set false against emulators without MonitorInstances, e.g. moto)."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "Optional e-mail address for alarm notifications."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
