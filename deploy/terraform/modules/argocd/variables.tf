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
# The root Application (app of apps): built from these inputs only
################################################################################

variable "repo_url" {
  description = "The git repository Argo CD syncs: your fork of fraudops (https or ssh). The root Application syncs its deploy/gitops/apps chart and passes this URL and target_revision to it as values, so every child Application follows the same repository. No default: the upstream URL is a placeholder."
  type        = string

  validation {
    condition = can(regex(join("|", [
      "^https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\\s?#]+$",                  # https://github.com/you/fraudops.git
      "^ssh://([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:[0-9]+)?/[^\\s?#]+$", # ssh://git@github.com/you/fraudops.git
      "^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~-][^\\s?#]*$",     # git@github.com:you/fraudops.git
    ]), var.repo_url))
    error_message = "repo_url (gitops_repo_url in the examples) must be the https or ssh URL of the git repository Argo CD syncs, e.g. https://github.com/<you>/fraudops.git or git@github.com:<you>/fraudops.git; got ${jsonencode(var.repo_url)}."
  }

  validation {
    # The same repository in any of the three forms, without .git or a trailing slash, in lower case.
    condition     = !contains(["github.com/fraudops/fraudops", "github.com/your-org/fraudops"], lower(replace(replace(replace(coalesce(var.repo_url, "-"), "/^(https://|ssh://([^@/]+@)?|[^@/:]+@)/", ""), "/(\\.git)?/?$/", ""), ":", "/")))
    error_message = "repo_url (gitops_repo_url in the examples) is ${jsonencode(var.repo_url)}, a placeholder: Argo CD would sync a repository that is not yours. Push this repository to your own fork and give that fork's URL (docs/deploy.md, section 1)."
  }
}

variable "target_revision" {
  description = "Branch, tag or commit of repo_url that Argo CD syncs (gitops_revision in the examples)."
  type        = string
  default     = "main"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s]+$", var.target_revision))
    error_message = "target_revision must be a branch, tag or commit (no spaces), e.g. main."
  }
}
