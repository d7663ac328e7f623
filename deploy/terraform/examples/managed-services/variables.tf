variable "folder_id" {
  description = "The Yandex Cloud folder to build in."
  type        = string
}

variable "zone" {
  description = "Availability zone of the master, the node group and the managed databases."
  type        = string
  default     = "ru-central1-a"
}

variable "api_allowed_cidrs" {
  description = "Who may reach the Kubernetes API: this machine's public egress IPv4 address as a /32 (the apply installs Argo CD through the API from here), and your CI's if it calls the API. Checked at plan time (modules/api-access)."
  type        = list(string)
}

variable "kafka_user_password" {
  description = "Password of the managed Kafka user (export TF_VAR_kafka_user_password)."
  type        = string
  sensitive   = true
}

variable "gitops_repo_url" {
  description = "The git repository Argo CD syncs: your fork of this repository (https or ssh). The root Application and, through its chart's values, every child Application follow it. No default: the upstream URL is a placeholder and is refused."
  type        = string
}

variable "gitops_revision" {
  description = "Branch, tag or commit of gitops_repo_url that Argo CD syncs; null keeps modules/argocd's default (main)."
  type        = string
  default     = null
}
