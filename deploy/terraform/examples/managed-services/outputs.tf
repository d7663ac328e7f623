output "get_credentials_command" {
  description = "Writes the cluster into ~/.kube/config."
  value       = module.fraudops.get_credentials_command
}

output "postgresql_host" {
  description = "PostgreSQL primary (port 6432), databases mlflow and airflow."
  value       = module.fraudops.postgresql_host
}

output "kafka_bootstrap_servers" {
  description = "Managed Kafka brokers (SASL_SSL, 9091)."
  value       = module.fraudops.kafka_bootstrap_servers
}

output "registry_url" {
  description = "Where CI pushes the images."
  value       = module.fraudops.registry_url
}

output "registry_id" {
  description = "The Container Registry's ID (REGISTRY_ID in the overlay, YC_REGISTRY_ID in CI: docs/deploy.md, sections 2 and 5)."
  value       = module.fraudops.registry_id
}

output "mlflow_bucket" {
  description = "The MLflow bucket (artifactRoot.s3.bucket in deploy/gitops/values/mlflow.yaml)."
  value       = module.fraudops.mlflow_bucket
}

output "lockbox_secret_id" {
  description = "Lockbox secret with MLflow's S3 key."
  value       = module.fraudops.lockbox_secret_id
}

output "lake_warehouse_uri" {
  description = "The lake's warehouse (FRAUDOPS_LAKE_WAREHOUSE in deploy/k8s/base/lake/deployment.yaml)."
  value       = module.fraudops.lake_warehouse_uri
}

output "lake_lockbox_secret_id" {
  description = "Lockbox secret with the lake sink's S3 key."
  value       = module.fraudops.lake_lockbox_secret_id
}

output "lake_reader_lockbox_secret_id" {
  description = "Lockbox secret with the retraining's read-only S3 key for the lake."
  value       = module.fraudops.lake_reader_lockbox_secret_id
}

output "argocd_root_application" {
  description = "What Argo CD syncs."
  value       = module.argocd.root_application
}
