################################################################################
# Container Registry
################################################################################

resource "yandex_container_registry" "this" {
  name      = var.name
  folder_id = var.folder_id
  labels    = local.labels
}

################################################################################
# Object Storage: MLflow's artifacts
################################################################################

locals {
  mlflow_bucket = coalesce(var.mlflow_bucket_name, "${var.name}-mlflow-${var.folder_id}")
}

resource "yandex_storage_bucket" "mlflow" {
  bucket                = local.mlflow_bucket
  folder_id             = var.folder_id
  max_size              = var.mlflow_bucket_max_size_gb * 1024 * 1024 * 1024
  default_storage_class = "STANDARD"
  force_destroy         = var.bucket_force_destroy

  # The MLflow account reads and writes this bucket only: an ACL grant on the bucket instead of a
  # folder-wide storage role (Object Storage has no additive per-bucket IAM member resource).
  grant {
    id          = yandex_iam_service_account.mlflow.id
    type        = "CanonicalUser"
    permissions = ["READ", "WRITE"]
  }

  anonymous_access_flags {
    read        = false
    list        = false
    config_read = false
  }

  lifecycle_rule {
    id                                     = "abort-incomplete-uploads"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 7
  }

  tags = local.labels
}

################################################################################
# Lockbox: the static S3 key of MLflow, never in the state nor in outputs
################################################################################

resource "yandex_lockbox_secret" "this" {
  name                = "${var.name}-platform"
  description         = "MLflow's S3 key for its artifact store"
  folder_id           = var.folder_id
  kms_key_id          = yandex_kms_symmetric_key.this.id
  deletion_protection = var.deletion_protection
  labels              = local.labels
}

# The key pair goes straight into a Lockbox version: the secret key is never in the state or outputs.
resource "yandex_iam_service_account_static_access_key" "mlflow" {
  service_account_id = yandex_iam_service_account.mlflow.id
  description        = "MLflow artifact store (S3 API)"

  output_to_lockbox {
    secret_id            = yandex_lockbox_secret.this.id
    entry_for_access_key = "mlflow_s3_access_key_id"
    entry_for_secret_key = "mlflow_s3_secret_access_key"
  }
}
