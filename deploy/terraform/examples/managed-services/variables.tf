variable "folder_id" {
  description = "The Yandex Cloud folder to build in."
  type        = string
}

variable "zone" {
  description = "Availability zone of the master, the node group and the managed databases."
  type        = string
  default     = "ru-central1-a"
}

variable "kafka_user_password" {
  description = "Password of the managed Kafka user (export TF_VAR_kafka_user_password)."
  type        = string
  sensitive   = true
}

variable "gitops_repo_url" {
  description = "The git repository ArgoCD syncs, used when deploy/gitops/root-application.yaml is absent."
  type        = string
  default     = "https://github.com/your-org/fraudops.git"
}
