# The root Application that the GitOps folder keeps (deploy/gitops/root-application.yaml), through this
# module: check.sh runs this file (tofu test -test-directory=tests-gitops) when that manifest exists.

mock_provider "helm" {}

variables {
  # Relative to modules/argocd, where check.sh runs tofu test.
  root_application_manifest = file("../../../gitops/root-application.yaml")
}

run "the_gitops_root_application_syncs_deploy_gitops_apps" {
  command = plan

  assert {
    condition     = output.root_application.path == "deploy/gitops/apps"
    error_message = "deploy/gitops/root-application.yaml must sync the path deploy/gitops/apps (it has ${coalesce(output.root_application.path, "none")})."
  }

  assert {
    condition     = yamldecode(helm_release.root_application.values[0]).applications[output.root_application.name].source.path == "deploy/gitops/apps"
    error_message = "The argocd-apps release must carry the manifest's Application."
  }

  assert {
    condition     = helm_release.root_application.namespace == try(yamldecode(var.root_application_manifest).metadata.namespace, "argocd")
    error_message = "The root Application must live in Argo CD's namespace (the manifest's metadata.namespace)."
  }
}
