# The production stack with Managed PostgreSQL (MLflow and Airflow metadata) and Managed Kafka instead
# of the in-cluster ones, and a regional (highly available) master.

provider "yandex" {
  folder_id = var.folder_id
  zone      = var.zone
}

module "fraudops" {
  source = "../../"

  folder_id                  = var.folder_id
  zone                       = var.zone
  master_regional            = true
  managed_postgresql_enabled = true
  managed_kafka_enabled      = true
  kafka_user_password        = var.kafka_user_password
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
  root_application_file = "${path.module}/../../../gitops/root-application.yaml"
}

module "argocd" {
  source = "../../modules/argocd"

  root_application_manifest = fileexists(local.root_application_file) ? file(local.root_application_file) : null
  repo_url                  = var.gitops_repo_url

  depends_on = [module.fraudops]
}
