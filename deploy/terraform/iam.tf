################################################################################
# Service accounts and their roles
# Every grant is additive (`*_iam_member`): never an authoritative binding or policy, which would
# remove grants made by anyone else on the same folder or resource. The offline check fails on any
# `*_iam_binding` / `*_iam_policy` resource.
################################################################################

resource "yandex_iam_service_account" "cluster" {
  name        = "${var.name}-k8s-cluster"
  description = "Managed Kubernetes: creates the nodes, load balancers and public addresses"
  folder_id   = var.folder_id
}

resource "yandex_iam_service_account" "nodes" {
  name        = "${var.name}-k8s-nodes"
  description = "Kubernetes nodes: pull images from the Container Registry"
  folder_id   = var.folder_id
}

resource "yandex_iam_service_account" "mlflow" {
  name        = "${var.name}-mlflow"
  description = "MLflow (and Airflow's training tasks): read and write model artifacts in the bucket"
  folder_id   = var.folder_id
}

resource "yandex_iam_service_account" "lake" {
  name        = "${var.name}-lake"
  description = "The lake sink: reads and writes the Iceberg warehouse in the lake bucket, nothing else"
  folder_id   = var.folder_id
}

resource "yandex_iam_service_account" "lake_reader" {
  name        = "${var.name}-lake-reader"
  description = "Airflow's training tasks: read the lake's tables in the lake bucket, nothing else"
  folder_id   = var.folder_id
}

resource "yandex_iam_service_account" "ci" {
  name        = "${var.name}-ci"
  description = "GitHub Actions: push the images it builds to the Container Registry"
  folder_id   = var.folder_id
}

resource "yandex_iam_service_account" "secrets" {
  name        = "${var.name}-secrets-reader"
  description = "In-cluster secret sync (External Secrets Operator): reads the Lockbox secret"
  folder_id   = var.folder_id
}

locals {
  # Folder-level roles, least privilege per account (Yandex Managed Kubernetes' documented roles).
  folder_roles = {
    cluster = {
      service_account_id = yandex_iam_service_account.cluster.id
      roles = concat(
        ["k8s.clusters.agent", "load-balancer.admin"],
        # Public addresses for the master or the nodes.
        var.master_public_ip || var.node_public_ip ? ["vpc.publicAdmin"] : [],
      )
    }
    nodes = {
      service_account_id = yandex_iam_service_account.nodes.id
      roles              = ["container-registry.images.puller"]
    }
    ci = {
      service_account_id = yandex_iam_service_account.ci.id
      roles              = ["container-registry.images.pusher"]
    }
  }

  folder_role_members = merge([
    for account, grant in local.folder_roles : {
      for role in grant.roles : "${account}/${role}" => {
        member = "serviceAccount:${grant.service_account_id}"
        role   = role
      }
    }
  ]...)
}

resource "yandex_resourcemanager_folder_iam_member" "this" {
  for_each = local.folder_role_members

  folder_id = var.folder_id
  role      = each.value.role
  member    = each.value.member
}

# The cluster encrypts Secrets in etcd with the KMS key.
resource "yandex_kms_symmetric_key_iam_member" "cluster" {
  symmetric_key_id = yandex_kms_symmetric_key.this.id
  role             = "kms.keys.encrypterDecrypter"
  member           = "serviceAccount:${yandex_iam_service_account.cluster.id}"
}

# Lockbox decrypts its secret with the same key on behalf of the reader.
resource "yandex_kms_symmetric_key_iam_member" "secrets" {
  symmetric_key_id = yandex_kms_symmetric_key.this.id
  role             = "kms.keys.decrypter"
  member           = "serviceAccount:${yandex_iam_service_account.secrets.id}"
}

resource "yandex_lockbox_secret_iam_member" "secrets" {
  secret_id = yandex_lockbox_secret.this.id
  role      = "lockbox.payloadViewer"
  member    = "serviceAccount:${yandex_iam_service_account.secrets.id}"
}

resource "yandex_lockbox_secret_iam_member" "lake" {
  secret_id = yandex_lockbox_secret.lake.id
  role      = "lockbox.payloadViewer"
  member    = "serviceAccount:${yandex_iam_service_account.secrets.id}"
}

resource "yandex_lockbox_secret_iam_member" "lake_reader" {
  secret_id = yandex_lockbox_secret.lake_reader.id
  role      = "lockbox.payloadViewer"
  member    = "serviceAccount:${yandex_iam_service_account.secrets.id}"
}

# The lake bucket is encrypted with the key: its writer encrypts and decrypts, its reader decrypts.
resource "yandex_kms_symmetric_key_iam_member" "lake" {
  symmetric_key_id = yandex_kms_symmetric_key.this.id
  role             = "kms.keys.encrypterDecrypter"
  member           = "serviceAccount:${yandex_iam_service_account.lake.id}"
}

resource "yandex_kms_symmetric_key_iam_member" "lake_reader" {
  symmetric_key_id = yandex_kms_symmetric_key.this.id
  role             = "kms.keys.decrypter"
  member           = "serviceAccount:${yandex_iam_service_account.lake_reader.id}"
}
