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

# The helm provider calls the new cluster's public endpoint from this machine, in the same apply that creates
# it, as the identity Terraform runs as: an IAM token of the yandex provider's own credentials (the service
# account key or YC_TOKEN), not `yc k8s create-token`, which would use whatever profile the yc CLI has. That
# identity needs a Kubernetes API role on the folder (admin, as docs/deploy.md sets up, includes
# k8s.cluster-api.cluster-admin). The token lives 12 hours and is re-read on every plan; like every data
# source it is kept in the state, which is why the state bucket is private.
data "yandex_client_config" "this" {}

provider "helm" {
  kubernetes = {
    host                   = module.fraudops.cluster_external_endpoint
    cluster_ca_certificate = module.fraudops.cluster_ca_certificate
    token                  = data.yandex_client_config.this.iam_token
  }
}

module "argocd" {
  source = "../../modules/argocd"

  # The one place the repository Argo CD syncs is named: the root Application and, through its chart's
  # values, every child Application follow these two inputs.
  repo_url        = var.gitops_repo_url
  target_revision = var.gitops_revision

  depends_on = [module.fraudops]
}
