################################################################################
# Optional managed services: the alternative to the in-cluster PostgreSQL and Strimzi Kafka.
# Both are off by default; each is switched on by one variable and nothing of it exists otherwise.
################################################################################

resource "yandex_vpc_security_group" "databases" {
  count = var.managed_postgresql_enabled || var.managed_kafka_enabled ? 1 : 0

  name        = "${var.name}-databases"
  description = "Managed PostgreSQL and Kafka: reachable from the cluster's subnets only"
  folder_id   = var.folder_id
  network_id  = yandex_vpc_network.this.id
  labels      = local.labels

  ingress {
    description    = "PostgreSQL (6432: connection pooler)"
    protocol       = "TCP"
    port           = 6432
    v4_cidr_blocks = concat(values(var.subnets), [var.cluster_ipv4_range])
  }

  ingress {
    description    = "Kafka (SASL_SSL)"
    protocol       = "TCP"
    port           = 9091
    v4_cidr_blocks = concat(values(var.subnets), [var.cluster_ipv4_range])
  }

  egress {
    description    = "Replies and replication inside the network"
    protocol       = "ANY"
    from_port      = 0
    to_port        = 65535
    v4_cidr_blocks = values(var.subnets)
  }
}

################################################################################
# Managed PostgreSQL: MLflow's and Airflow's metadata, the lake's Iceberg catalog
################################################################################

locals {
  # One database per user of the same name.
  managed_databases = toset(["mlflow", "airflow", "lake"])
}

resource "yandex_mdb_postgresql_cluster" "this" {
  count = var.managed_postgresql_enabled ? 1 : 0

  name                = "${var.name}-postgresql"
  description         = "MLflow tracking, Airflow metadata, the lake's Iceberg catalog"
  folder_id           = var.folder_id
  environment         = "PRODUCTION"
  network_id          = yandex_vpc_network.this.id
  security_group_ids  = [yandex_vpc_security_group.databases[0].id]
  deletion_protection = var.deletion_protection
  labels              = local.labels

  config {
    version = var.postgresql_version

    resources {
      resource_preset_id = var.postgresql_resource_preset
      disk_type_id       = "network-ssd"
      disk_size          = var.postgresql_disk_size_gb
    }

    backup_window_start {
      hours   = 1
      minutes = 0
    }
  }

  host {
    zone      = var.zone
    subnet_id = yandex_vpc_subnet.private[var.zone].id
  }

  maintenance_window {
    type = "WEEKLY"
    day  = "SUN"
    hour = 3
  }
}

resource "yandex_mdb_postgresql_user" "this" {
  for_each = var.managed_postgresql_enabled ? local.managed_databases : toset([])

  cluster_id = yandex_mdb_postgresql_cluster.this[0].id
  name       = each.key
  # Connection Manager generates the password and keeps it in a Lockbox secret of its own: no
  # password in the configuration, the state or the outputs.
  generate_password = true
  conn_limit        = 50
}

resource "yandex_mdb_postgresql_database" "this" {
  for_each = var.managed_postgresql_enabled ? local.managed_databases : toset([])

  cluster_id = yandex_mdb_postgresql_cluster.this[0].id
  name       = each.key
  owner      = yandex_mdb_postgresql_user.this[each.key].name
}

################################################################################
# Managed Kafka: the `transactions`, `scores` and dead-letter topics
################################################################################

resource "yandex_mdb_kafka_cluster" "this" {
  count = var.managed_kafka_enabled ? 1 : 0

  name                = "${var.name}-kafka"
  description         = "Transactions in, scores out"
  folder_id           = var.folder_id
  environment         = "PRODUCTION"
  network_id          = yandex_vpc_network.this.id
  subnet_ids          = [yandex_vpc_subnet.private[var.zone].id]
  security_group_ids  = [yandex_vpc_security_group.databases[0].id]
  deletion_protection = var.deletion_protection
  labels              = local.labels

  config {
    version          = var.kafka_version
    zones            = [var.zone]
    brokers_count    = 1
    assign_public_ip = false

    kafka {
      resources {
        resource_preset_id = var.kafka_resource_preset
        disk_type_id       = "network-ssd"
        disk_size          = var.kafka_disk_size_gb
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.kafka_user_password != null
      error_message = "managed_kafka_enabled needs kafka_user_password (export TF_VAR_kafka_user_password=...)."
    }
  }
}

resource "yandex_mdb_kafka_topic" "this" {
  for_each = var.managed_kafka_enabled ? var.kafka_topics : {}

  cluster_id         = yandex_mdb_kafka_cluster.this[0].id
  name               = each.key
  partitions         = each.value
  replication_factor = 1
}

resource "yandex_mdb_kafka_user" "this" {
  count = var.managed_kafka_enabled ? 1 : 0

  cluster_id = yandex_mdb_kafka_cluster.this[0].id
  name       = "fraudops"
  password   = var.kafka_user_password

  dynamic "permission" {
    for_each = yandex_mdb_kafka_topic.this
    content {
      topic_name = permission.value.name
      role       = "ACCESS_ROLE_PRODUCER"
    }
  }

  dynamic "permission" {
    for_each = yandex_mdb_kafka_topic.this
    content {
      topic_name = permission.value.name
      role       = "ACCESS_ROLE_CONSUMER"
    }
  }
}

# The Kafka password for the in-cluster secret sync, in a secret of its own (a new version of the
# platform secret would hide the S3 key that output_to_lockbox wrote there).
resource "yandex_lockbox_secret" "kafka" {
  count = var.managed_kafka_enabled ? 1 : 0

  name                = "${var.name}-kafka"
  description         = "Password of the managed Kafka user fraudops"
  folder_id           = var.folder_id
  kms_key_id          = yandex_kms_symmetric_key.this.id
  deletion_protection = var.deletion_protection
  labels              = local.labels
}

resource "yandex_lockbox_secret_version" "kafka" {
  count = var.managed_kafka_enabled ? 1 : 0

  secret_id = yandex_lockbox_secret.kafka[0].id

  entries {
    key        = "kafka_password"
    text_value = var.kafka_user_password
  }
}

resource "yandex_lockbox_secret_iam_member" "kafka" {
  count = var.managed_kafka_enabled ? 1 : 0

  secret_id = yandex_lockbox_secret.kafka[0].id
  role      = "lockbox.payloadViewer"
  member    = "serviceAccount:${yandex_iam_service_account.secrets.id}"
}
