################################################################################
# The Argo CD chart
################################################################################

variable "namespace" {
  description = "Namespace Argo CD is installed in (and the root Application lives in)."
  type        = string
  default     = "argocd"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.namespace)) && length(var.namespace) <= 63
    error_message = "namespace must be a DNS-1123 label."
  }
}

variable "chart_repository" {
  description = "Helm repository of the argo-cd and argocd-apps charts."
  type        = string
  default     = "https://argoproj.github.io/argo-helm"
}

variable "chart_version" {
  description = "Pinned version of the argo-cd chart (9.1.x installs Argo CD 3.2)."
  type        = string
  default     = "9.1.0"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.chart_version))
    error_message = "chart_version must be an exact version (x.y.z): no ranges, so that an apply is repeatable."
  }
}

variable "apps_chart_version" {
  description = "Pinned version of the argocd-apps chart that creates the root Application."
  type        = string
  default     = "2.0.2"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.apps_chart_version))
    error_message = "apps_chart_version must be an exact version (x.y.z)."
  }
}

variable "values" {
  description = "Extra values for the argo-cd chart (YAML documents), merged after the module's own."
  type        = list(string)
  default     = []
}

variable "timeout_seconds" {
  description = "How long Helm waits for the release to become ready."
  type        = number
  default     = 600
}

################################################################################
# The root Application (app of apps)
################################################################################

variable "root_application_manifest" {
  description = "The root Application manifest (YAML), normally file(\"deploy/gitops/root-application.yaml\"). When null the module builds one from repo_url, target_revision and apps_path."
  type        = string
  default     = null

  validation {
    condition     = var.root_application_manifest == null || try(yamldecode(var.root_application_manifest).kind == "Application", false)
    error_message = "root_application_manifest must be the YAML of one argoproj.io/v1alpha1 Application."
  }
}

variable "repo_url" {
  description = "Git repository ArgoCD syncs from (used when root_application_manifest is null)."
  type        = string
  default     = null
}

variable "target_revision" {
  description = "Branch, tag or commit of repo_url."
  type        = string
  default     = "main"
}

variable "apps_path" {
  description = "Folder of repo_url holding the child Applications."
  type        = string
  default     = "deploy/gitops/apps"
}
