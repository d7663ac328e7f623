# The other side of the root Application's contract: the folder it syncs (deploy/gitops/apps, in this
# repository) must be the Helm chart that takes the repository and revision from the values the module
# passes. check.sh runs this file (tofu test -test-directory=tests-gitops) from modules/argocd, on the copy
# of deploy/gitops next to deploy/terraform.

mock_provider "helm" {}

variables {
  repo_url = "https://github.com/example/fraudops.git"
}

run "deploy_gitops_apps_is_the_chart_the_root_application_syncs" {
  command = plan

  # From modules/argocd, the repository's root is four levels up.
  assert {
    condition     = fileexists("../../../../${output.root_application.path}/Chart.yaml")
    error_message = "The root Application syncs ${output.root_application.path} as a Helm chart (it passes values), but that folder has no Chart.yaml: make it an application chart (Chart.yaml, values.yaml, templates/ with one Application each)."
  }

  assert {
    condition     = try(yamldecode(file("../../../../${output.root_application.path}/Chart.yaml")).apiVersion == "v2" && try(yamldecode(file("../../../../${output.root_application.path}/Chart.yaml")).type, "application") == "application", false)
    error_message = "${output.root_application.path}/Chart.yaml must be a Helm 3 application chart (apiVersion v2, type application)."
  }
}

run "the_chart_declares_and_uses_every_value_the_root_application_passes" {
  command = plan

  assert {
    # A value the chart does not declare would be passed and ignored.
    condition     = alltrue([for key in keys(output.root_application.chart_values) : contains(try(keys(yamldecode(file("../../../../${output.root_application.path}/values.yaml"))), []), key)])
    error_message = "${output.root_application.path}/values.yaml must declare ${join(" and ", keys(output.root_application.chart_values))}, the values modules/argocd passes (it declares: ${join(", ", try(keys(yamldecode(file("../../../../${output.root_application.path}/values.yaml"))), []))})."
  }

  assert {
    condition = alltrue([
      for key in keys(output.root_application.chart_values) : anytrue([
        for template in fileset("../../../../${output.root_application.path}/templates", "**") :
        strcontains(file("../../../../${output.root_application.path}/templates/${template}"), ".Values.${key}")
      ])
    ])
    error_message = "No template under ${output.root_application.path}/templates reads one of ${join(", ", [for key in keys(output.root_application.chart_values) : ".Values.${key}"])}: the child Applications must take the repository and revision from the values the root passes."
  }
}

run "no_child_application_names_the_placeholder_repository" {
  command = plan

  assert {
    # The child Applications that sync this repository must follow the root's repository, not a URL of their own.
    condition = length(fileset("../../../../${output.root_application.path}/templates", "**")) > 0 && alltrue([
      for template in fileset("../../../../${output.root_application.path}/templates", "**") :
      !strcontains(lower(file("../../../../${output.root_application.path}/templates/${template}")), "github.com/fraudops/fraudops")
    ])
    error_message = "The child Applications of this repository take repoURL from {{ .Values.repoURL }}; under ${output.root_application.path}/templates these name github.com/fraudops/fraudops instead: ${jsonencode([for template in fileset("../../../../${output.root_application.path}/templates", "**") : template if strcontains(lower(file("../../../../${output.root_application.path}/templates/${template}")), "github.com/fraudops/fraudops")])} (or there is no template at all)."
  }
}
