# The whole production stack: network, Kubernetes, registry, storage, IAM, secrets (in-cluster
# PostgreSQL and Kafka, as deployed by ArgoCD), then ArgoCD bootstrapped with the root Application.

provider "yandex" {
  folder_id = var.folder_id
  zone      = var.zone
  # Credentials: YC_TOKEN (yc iam create-token) or YC_SERVICE_ACCOUNT_KEY_FILE, see docs/deploy.md.
}

module "fraudops" {
  source = "../../"

  folder_id         = var.folder_id
  zone              = var.zone
  api_allowed_cidrs = var.api_allowed_cidrs
}

provider "helm" {
  kubernetes = {
    host                   = module.fraudops.cluster_external_endpoint
    cluster_ca_certificate = module.fraudops.cluster_ca_certificate
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "yc"
      args        = ["k8s", "create-token"]
    }
  }
}

locals {
  # The root Application the GitOps folder keeps (path deploy/gitops/apps); if it is not there yet,
  # the module builds the same one from gitops_repo_url.
  root_application_file = "${path.module}/../../../gitops/root-application.yaml"
}

module "argocd" {
  source = "../../modules/argocd"

  root_application_manifest = fileexists(local.root_application_file) ? file(local.root_application_file) : null
  repo_url                  = var.gitops_repo_url

  depends_on = [module.fraudops]
}
