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
