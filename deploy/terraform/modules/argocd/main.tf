locals {
  # The folder of the repository that holds the app of apps: a Helm chart whose templates are the child
  # Applications, each taking the repository and revision from the values below. Terraform owns the root
  # Application (a helm release), so repo_url and target_revision (gitops_repo_url and gitops_revision in an
  # example's terraform.tfvars) are the one place the repository is named: change them and apply; a file in
  # deploy/gitops cannot move the root.
  apps_path = "deploy/gitops/apps"

  root = {
    name       = "root"
    namespace  = var.namespace
    finalizers = ["resources-finalizer.argocd.argoproj.io"]
    spec = {
      project = "default"
      source = {
        repoURL        = var.repo_url
        targetRevision = var.target_revision
        path           = local.apps_path
        helm = {
          valuesObject = {
            repoURL        = var.repo_url
            targetRevision = var.target_revision
          }
        }
      }
      destination = {
        server    = "https://kubernetes.default.svc"
        namespace = var.namespace
      }
      syncPolicy = {
        automated   = { prune = true, selfHeal = true }
        syncOptions = ["CreateNamespace=true"]
      }
    }
  }

  # argocd-apps 2.x takes applications as a map: name => the Application's spec, plus its namespace and
  # finalizers.
  root_app_values = {
    applications = {
      (local.root.name) = merge(local.root.spec, {
        namespace  = local.root.namespace
        finalizers = local.root.finalizers
      })
    }
  }

  argocd_values = {
    # The CRDs stay when the release is removed: deleting them would delete every Application.
    crds = { install = true, keep = true }
    configs = {
      params = { "server.insecure" = true } # TLS ends at the gateway
      # The app of apps orders its children by sync wave (operators before their custom resources, MLflow
      # before fraudops). Argo CD waits for a wave to be healthy only if it can judge an Application's health,
      # which it stopped doing by default in 1.8: this health check restores it.
      cm = {
        "resource.customizations.health.argoproj.io_Application" = <<-LUA
          hs = {}
          hs.status = "Progressing"
          hs.message = ""
          if obj.status ~= nil and obj.status.health ~= nil then
            hs.status = obj.status.health.status
            if obj.status.health.message ~= nil then
              hs.message = obj.status.health.message
            end
          end
          return hs
        LUA
      }
    }
    # Requests add up to the ~500m / 1Gi the node sizing counts for Argo CD.
    controller     = { resources = { requests = { cpu = "250m", memory = "512Mi" } } }
    repoServer     = { resources = { requests = { cpu = "100m", memory = "256Mi" } } }
    server         = { resources = { requests = { cpu = "50m", memory = "128Mi" } } }
    applicationSet = { resources = { requests = { cpu = "50m", memory = "64Mi" } } }
    redis          = { resources = { requests = { cpu = "50m", memory = "64Mi" } } }
    dex            = { enabled = false }
    notifications  = { enabled = false }
  }
}

resource "helm_release" "argocd" {
  name             = "argocd"
  repository       = var.chart_repository
  chart            = "argo-cd"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  values           = concat([yamlencode(local.argocd_values)], var.values)
  wait             = true
  atomic           = true
  cleanup_on_fail  = true
  timeout          = var.timeout_seconds
  max_history      = 5
}

# A second release: the Application CRD must exist before Helm can validate an Application.
resource "helm_release" "root_application" {
  name        = "argocd-root"
  repository  = var.chart_repository
  chart       = "argocd-apps"
  version     = var.apps_chart_version
  namespace   = var.namespace
  values      = [yamlencode(local.root_app_values)]
  wait        = true
  timeout     = var.timeout_seconds
  max_history = 5

  depends_on = [helm_release.argocd]
}
