output "namespace" {
  description = "Namespace of Argo CD."
  value       = helm_release.argocd.namespace
}

output "chart_version" {
  description = "The argo-cd chart version installed."
  value       = helm_release.argocd.version
}

output "root_application" {
  description = "Name, repository, revision and path of the root Application."
  value = {
    name            = local.root.metadata.name
    repo_url        = try(local.root.spec.source.repoURL, null)
    target_revision = try(local.root.spec.source.targetRevision, null)
    path            = try(local.root.spec.source.path, null)
  }
}
