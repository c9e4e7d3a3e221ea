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

variable "vpc_id" {
  description = "VPC for the task. Null: the account's default VPC and two of its subnets."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Subnets for the task when vpc_id is set."
  type        = list(string)
  default     = []
}

variable "image_tag" {
  description = "Runner image tag pushed to the example's ECR repository."
  type        = string
  default     = "0.1.0"
}

variable "schedule_expression" {
  description = "When the pipeline runs."
  type        = string
  default     = "rate(6 hours)"
}

variable "secrets" {
  description = "Environment variable name => SSM SecureString parameter ARN."
  type        = map(string)
  default     = {}
}

variable "alarm_email" {
  description = "Optional e-mail address for failed-run notifications."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
