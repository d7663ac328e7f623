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

################################################################################
# Object Storage: the lake's warehouse (Apache Iceberg data and metadata files)
#
# A bucket of its own rather than a prefix of MLflow's: Object Storage grants per bucket (ACL), not per
# prefix, so a shared bucket would let the lake sink overwrite model artifacts and MLflow read the lake.
# Encrypted at rest with the project's KMS key (one setting; the lake holds card holders' transactions).
# No versioning: Iceberg's snapshots are the tables' history, and versioning would keep every file the
# sink's row retention and snapshot expiry delete, so the bucket would only grow.
################################################################################

locals {
  lake_bucket = coalesce(var.lake_bucket_name, "${var.name}-lake-${var.folder_id}")
}

resource "yandex_storage_bucket" "lake" {
  bucket                = local.lake_bucket
  folder_id             = var.folder_id
  max_size              = var.lake_bucket_max_size_gb * 1024 * 1024 * 1024
  default_storage_class = "STANDARD"
  force_destroy         = var.bucket_force_destroy

  # The lake sink's account reads and writes it, the retraining's only reads it (ACL grants on this bucket, no
  # folder-wide role).
  grant {
    id          = yandex_iam_service_account.lake.id
    type        = "CanonicalUser"
    permissions = ["READ", "WRITE"]
  }

  grant {
    id          = yandex_iam_service_account.lake_reader.id
    type        = "CanonicalUser"
    permissions = ["READ"]
  }

  anonymous_access_flags {
    read        = false
    list        = false
    config_read = false
  }

  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        kms_master_key_id = yandex_kms_symmetric_key.this.id
        sse_algorithm     = "aws:kms"
      }
    }
  }

  lifecycle_rule {
    id                                     = "abort-incomplete-uploads"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 7
  }

  tags = local.labels
}

# The lake sink's S3 key, in a Lockbox secret of its own: output_to_lockbox writes a new version holding only
# its two entries, which in the platform secret would hide MLflow's key.
resource "yandex_lockbox_secret" "lake" {
  name                = "${var.name}-lake"
  description         = "The lake sink's S3 key for the lake bucket"
  folder_id           = var.folder_id
  kms_key_id          = yandex_kms_symmetric_key.this.id
  deletion_protection = var.deletion_protection
  labels              = local.labels
}

resource "yandex_iam_service_account_static_access_key" "lake" {
  service_account_id = yandex_iam_service_account.lake.id
  description        = "The lake sink's Iceberg warehouse (S3 API)"

  output_to_lockbox {
    secret_id            = yandex_lockbox_secret.lake.id
    entry_for_access_key = "lake_s3_access_key_id"
    entry_for_secret_key = "lake_s3_secret_access_key"
  }
}

# The retraining's read-only key (Airflow's task pods read the tables as of the run's date), in a secret of its
# own for the same reason.
resource "yandex_lockbox_secret" "lake_reader" {
  name                = "${var.name}-lake-reader"
  description         = "The retraining's read-only S3 key for the lake bucket"
  folder_id           = var.folder_id
  kms_key_id          = yandex_kms_symmetric_key.this.id
  deletion_protection = var.deletion_protection
  labels              = local.labels
}

resource "yandex_iam_service_account_static_access_key" "lake_reader" {
  service_account_id = yandex_iam_service_account.lake_reader.id
  description        = "The retraining's reads of the lake (S3 API)"

  output_to_lockbox {
    secret_id            = yandex_lockbox_secret.lake_reader.id
    entry_for_access_key = "lake_reader_s3_access_key_id"
    entry_for_secret_key = "lake_reader_s3_secret_access_key"
  }
}
