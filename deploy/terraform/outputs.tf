################################################################################
# Kubernetes
################################################################################

output "cluster_id" {
  description = "ID of the Managed Kubernetes cluster."
  value       = yandex_kubernetes_cluster.this.id
}

output "cluster_name" {
  description = "Name of the Managed Kubernetes cluster."
  value       = yandex_kubernetes_cluster.this.name
}

output "kubernetes_version" {
  description = "The pinned Kubernetes minor version of the master."
  value       = yandex_kubernetes_cluster.this.master[0].version
}

output "cluster_external_endpoint" {
  description = "Public endpoint of the Kubernetes API (null when master_public_ip is false)."
  value       = var.master_public_ip ? yandex_kubernetes_cluster.this.master[0].external_v4_endpoint : null
}

output "cluster_internal_endpoint" {
  description = "Endpoint of the Kubernetes API inside the network."
  value       = yandex_kubernetes_cluster.this.master[0].internal_v4_endpoint
}

output "cluster_ca_certificate" {
  description = "PEM certificate of the cluster's CA."
  value       = yandex_kubernetes_cluster.this.master[0].cluster_ca_certificate
}

output "kubeconfig" {
  description = "A kubeconfig for the cluster. It holds no credential: kubectl asks `yc` for a short-lived IAM token."
  value = yamlencode({
    apiVersion        = "v1"
    kind              = "Config"
    "current-context" = "yc-${var.name}"
    clusters = [{
      name = "yc-${var.name}"
      cluster = {
        server                       = var.master_public_ip ? yandex_kubernetes_cluster.this.master[0].external_v4_endpoint : yandex_kubernetes_cluster.this.master[0].internal_v4_endpoint
        "certificate-authority-data" = base64encode(yandex_kubernetes_cluster.this.master[0].cluster_ca_certificate)
      }
    }]
    contexts = [{
      name    = "yc-${var.name}"
      context = { cluster = "yc-${var.name}", user = "yc-${var.name}" }
    }]
    users = [{
      name = "yc-${var.name}"
      user = {
        exec = {
          apiVersion = "client.authentication.k8s.io/v1beta1"
          command    = "yc"
          args       = ["k8s", "create-token"]
        }
      }
    }]
  })
}

output "get_credentials_command" {
  description = "The yc command that writes this cluster into ~/.kube/config."
  value       = "yc managed-kubernetes cluster get-credentials --id ${yandex_kubernetes_cluster.this.id} ${var.master_public_ip ? "--external" : "--internal"}"
}

output "node_group_id" {
  description = "ID of the autoscaled node group."
  value       = yandex_kubernetes_node_group.this.id
}

output "node_group_scale" {
  description = "The node group's autoscaling bounds and the documented need they cover."
  value = {
    min            = yandex_kubernetes_node_group.this.scale_policy[0].auto_scale[0].min
    max            = yandex_kubernetes_node_group.this.scale_policy[0].auto_scale[0].max
    nodes_required = module.node_sizing.nodes_required
  }
}

################################################################################
# Network
################################################################################

output "network_id" {
  description = "ID of the VPC network."
  value       = yandex_vpc_network.this.id
}

output "subnet_ids" {
  description = "Private subnet per zone: zone => subnet ID."
  value       = { for zone, subnet in yandex_vpc_subnet.private : zone => subnet.id }
}

output "nat_gateway_id" {
  description = "ID of the NAT gateway the private subnets route through."
  value       = yandex_vpc_gateway.nat.id
}

################################################################################
# Registry, storage, secrets, service accounts
################################################################################

output "registry_id" {
  description = "ID of the Container Registry."
  value       = yandex_container_registry.this.id
}

output "registry_url" {
  description = "Prefix of the images: cr.yandex/<registry ID> (e.g. <this>/fraudops/scoring-api:<tag>)."
  value       = "cr.yandex/${yandex_container_registry.this.id}"
}

output "mlflow_bucket" {
  description = "The Object Storage bucket of MLflow's artifacts."
  value       = yandex_storage_bucket.mlflow.bucket
}

output "mlflow_artifacts_uri" {
  description = "MLflow's --artifacts-destination."
  value       = "s3://${yandex_storage_bucket.mlflow.bucket}/mlflow"
}

output "s3_endpoint" {
  description = "The S3 API endpoint of Object Storage (MLFLOW_S3_ENDPOINT_URL)."
  value       = "https://storage.yandexcloud.net"
}

output "lockbox_secret_id" {
  description = "The Lockbox secret with MLflow's S3 key (entries mlflow_s3_access_key_id, mlflow_s3_secret_access_key)."
  value       = yandex_lockbox_secret.this.id
}

output "lake_bucket" {
  description = "The Object Storage bucket of the lake's Iceberg warehouse."
  value       = yandex_storage_bucket.lake.bucket
}

output "lake_warehouse_uri" {
  description = "The lake's warehouse (FRAUDOPS_LAKE_WAREHOUSE of the lake-sink Deployment, deploy/k8s/base/lake)."
  value       = "s3://${yandex_storage_bucket.lake.bucket}/warehouse"
}

output "lake_lockbox_secret_id" {
  description = "The Lockbox secret with the lake sink's S3 key (entries lake_s3_access_key_id, lake_s3_secret_access_key)."
  value       = yandex_lockbox_secret.lake.id
}

output "lake_reader_lockbox_secret_id" {
  description = "The Lockbox secret with the retraining's read-only S3 key for the lake (entries lake_reader_s3_access_key_id, lake_reader_s3_secret_access_key)."
  value       = yandex_lockbox_secret.lake_reader.id
}

output "service_account_ids" {
  description = "Service accounts: cluster, nodes, mlflow, lake (the lake sink), lake_reader (the retraining's reads), ci (image pusher), secrets (Lockbox reader)."
  value = {
    cluster     = yandex_iam_service_account.cluster.id
    nodes       = yandex_iam_service_account.nodes.id
    mlflow      = yandex_iam_service_account.mlflow.id
    lake        = yandex_iam_service_account.lake.id
    lake_reader = yandex_iam_service_account.lake_reader.id
    ci          = yandex_iam_service_account.ci.id
    secrets     = yandex_iam_service_account.secrets.id
  }
}

################################################################################
# Optional managed services (null when off)
################################################################################

output "postgresql_cluster_id" {
  description = "ID of the Managed PostgreSQL cluster."
  value       = one(yandex_mdb_postgresql_cluster.this[*].id)
}

output "postgresql_host" {
  description = "Host name that always points at the PostgreSQL primary (port 6432)."
  value       = var.managed_postgresql_enabled ? "c-${yandex_mdb_postgresql_cluster.this[0].id}.rw.mdb.yandexcloud.net" : null
}

output "postgresql_databases" {
  description = "Databases mlflow, airflow, lake (each owned by the user of the same name; passwords in Connection Manager's Lockbox secrets)."
  value       = [for db in yandex_mdb_postgresql_database.this : db.name]
}

output "kafka_cluster_id" {
  description = "ID of the Managed Kafka cluster."
  value       = one(yandex_mdb_kafka_cluster.this[*].id)
}

output "kafka_bootstrap_servers" {
  description = "Kafka brokers, SASL_SSL on 9091 (user fraudops, password in the kafka Lockbox secret)."
  value       = var.managed_kafka_enabled ? join(",", [for host in yandex_mdb_kafka_cluster.this[0].host : "${host.name}:9091" if host.role == "KAFKA"]) : null
}

output "kafka_lockbox_secret_id" {
  description = "The Lockbox secret with the managed Kafka user's password."
  value       = one(yandex_lockbox_secret.kafka[*].id)
}
