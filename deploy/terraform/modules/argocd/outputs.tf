output "namespace" {
  description = "Namespace of Argo CD."
  value       = helm_release.argocd.namespace
}

output "chart_version" {
  description = "The argo-cd chart version installed."
  value       = helm_release.argocd.version
}

output "root_application" {
  description = "Name, repository, revision and path of the root Application, and the values it passes to the deploy/gitops/apps chart."
  value = {
    name            = local.root.name
    repo_url        = local.root.spec.source.repoURL
    target_revision = local.root.spec.source.targetRevision
    path            = local.root.spec.source.path
    chart_values    = local.root.spec.source.helm.valuesObject
  }
}
