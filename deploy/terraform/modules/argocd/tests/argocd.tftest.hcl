# The Argo CD bootstrap against the helm provider's real schema, with the provider mocked (no cluster).

mock_provider "helm" {}

variables {
  repo_url = "https://github.com/example/fraudops.git"
}

run "installs_the_pinned_argo_cd_chart" {
  command = plan

  assert {
    condition     = helm_release.argocd.chart == "argo-cd" && helm_release.argocd.version == "9.1.0"
    error_message = "Argo CD must come from the argo-cd chart at the pinned version 9.1.0."
  }

  assert {
    condition     = helm_release.argocd.namespace == "argocd" && helm_release.argocd.create_namespace
    error_message = "Argo CD goes to its own namespace, created by the release."
  }

  assert {
    condition     = yamldecode(helm_release.argocd.values[0]).crds.keep == true
    error_message = "The Application CRDs must survive an uninstall of the chart."
  }
}

run "the_root_application_points_at_deploy_gitops_apps" {
  command = plan

  assert {
    condition     = yamldecode(helm_release.root_application.values[0]).applications.root.source.path == "deploy/gitops/apps"
    error_message = "The root Application must sync deploy/gitops/apps."
  }

  assert {
    condition     = yamldecode(helm_release.root_application.values[0]).applications.root.source.repoURL == "https://github.com/example/fraudops.git"
    error_message = "The root Application must sync the given repository."
  }

  assert {
    condition     = yamldecode(helm_release.root_application.values[0]).applications.root.syncPolicy.automated.selfHeal
    error_message = "The root Application syncs by itself (automated, self-heal)."
  }

  assert {
    condition     = output.root_application.path == "deploy/gitops/apps"
    error_message = "The root_application output must be wired to the Application."
  }
}

run "the_root_application_manifest_of_the_gitops_folder_is_used_as_written" {
  command = plan

  variables {
    repo_url                  = null
    root_application_manifest = <<-YAML
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata:
        name: fraudops-root
        namespace: argocd
      spec:
        project: default
        source:
          repoURL: https://github.com/example/other.git
          targetRevision: v1.2.3
          path: deploy/gitops/apps
        destination:
          server: https://kubernetes.default.svc
          namespace: argocd
    YAML
  }

  assert {
    condition     = yamldecode(helm_release.root_application.values[0]).applications["fraudops-root"].source.targetRevision == "v1.2.3"
    error_message = "The manifest's own name and revision must reach the argocd-apps release."
  }

  assert {
    condition     = output.root_application.name == "fraudops-root" && output.root_application.repo_url == "https://github.com/example/other.git"
    error_message = "The root_application output must reflect the manifest."
  }
}

run "a_root_application_needs_a_repository" {
  command = plan

  variables {
    repo_url = null
  }

  expect_failures = [helm_release.argocd]
}

run "chart_versions_must_be_exact" {
  command = plan

  variables {
    chart_version = "~> 9.1"
  }

  expect_failures = [var.chart_version]
}
