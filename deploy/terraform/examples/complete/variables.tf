variable "folder_id" {
  description = "The Yandex Cloud folder to build in."
  type        = string
}

variable "zone" {
  description = "Availability zone of the master and the node group."
  type        = string
  default     = "ru-central1-a"
}

variable "api_allowed_cidrs" {
  description = "Who may reach the Kubernetes API."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "gitops_repo_url" {
  description = "The git repository ArgoCD syncs (this repository), used when deploy/gitops/root-application.yaml is absent."
  type        = string
  default     = "https://github.com/your-org/fraudops.git"
}
