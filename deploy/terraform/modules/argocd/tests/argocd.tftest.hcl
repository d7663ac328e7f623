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

run "the_root_application_syncs_the_given_repository_and_passes_it_to_the_apps_chart" {
  command = plan

  variables {
    target_revision = "release-1"
  }

  assert {
    condition = yamldecode(helm_release.root_application.values[0]).applications.root.source == {
      repoURL        = "https://github.com/example/fraudops.git"
      targetRevision = "release-1"
      path           = "deploy/gitops/apps"
      helm = {
        valuesObject = {
          repoURL        = "https://github.com/example/fraudops.git"
          targetRevision = "release-1"
        }
      }
    }
    error_message = "The root Application must sync deploy/gitops/apps of repo_url at target_revision as a Helm chart, with exactly repoURL and targetRevision as its values (no directory recursion); got ${jsonencode(yamldecode(helm_release.root_application.values[0]).applications.root.source)}."
  }

  assert {
    condition     = yamldecode(helm_release.root_application.values[0]).applications.root.namespace == "argocd" && yamldecode(helm_release.root_application.values[0]).applications.root.syncPolicy.automated.selfHeal
    error_message = "The root Application lives in Argo CD's namespace and syncs by itself (automated, self-heal)."
  }

  assert {
    condition     = output.root_application == { name = "root", repo_url = "https://github.com/example/fraudops.git", target_revision = "release-1", path = "deploy/gitops/apps", chart_values = { repoURL = "https://github.com/example/fraudops.git", targetRevision = "release-1" } }
    error_message = "The root_application output must be wired to the Application; got ${jsonencode(output.root_application)}."
  }
}

run "the_revision_defaults_to_main_also_when_an_example_passes_null" {
  command = plan

  variables {
    target_revision = null
  }

  assert {
    condition     = output.root_application.target_revision == "main" && output.root_application.chart_values.targetRevision == "main"
    error_message = "target_revision defaults to main, also when a caller passes null through; got ${output.root_application.target_revision}."
  }
}

run "ssh_urls_are_accepted" {
  command = plan

  variables {
    repo_url = "git@github.com:example/fraudops.git"
  }

  assert {
    condition     = output.root_application.repo_url == "git@github.com:example/fraudops.git"
    error_message = "An scp-like ssh URL is a repository Argo CD can sync."
  }
}

run "ssh_scheme_urls_are_accepted" {
  command = plan

  variables {
    repo_url = "ssh://git@gitlab.example.org:2222/platform/fraudops.git"
  }

  assert {
    condition     = output.root_application.chart_values.repoURL == "ssh://git@gitlab.example.org:2222/platform/fraudops.git"
    error_message = "An ssh:// URL with a port is a repository Argo CD can sync."
  }
}

run "the_upstream_placeholder_is_refused" {
  command = plan

  variables {
    repo_url = "https://github.com/fraudops/fraudops.git"
  }

  expect_failures = [var.repo_url]
}

run "the_upstream_placeholder_is_refused_in_its_ssh_form_too" {
  command = plan

  variables {
    repo_url = "git@github.com:FraudOps/fraudops"
  }

  expect_failures = [var.repo_url]
}

run "the_example_placeholder_is_refused" {
  command = plan

  variables {
    repo_url = "https://github.com/your-org/fraudops/"
  }

  expect_failures = [var.repo_url]
}

run "plain_http_is_refused" {
  command = plan

  variables {
    repo_url = "http://github.com/example/fraudops.git"
  }

  expect_failures = [var.repo_url]
}

run "a_repository_is_required" {
  command = plan

  variables {
    repo_url = null
  }

  expect_failures = [var.repo_url]
}

run "a_revision_with_spaces_is_refused" {
  command = plan

  variables {
    target_revision = "main branch"
  }

  expect_failures = [var.target_revision]
}

run "chart_versions_must_be_exact" {
  command = plan

  variables {
    chart_version = "~> 9.1"
  }

  expect_failures = [var.chart_version]
}
