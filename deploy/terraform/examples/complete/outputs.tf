output "kubeconfig" {
  description = "kubeconfig of the cluster (tokens come from `yc k8s create-token`)."
  value       = module.fraudops.kubeconfig
}

output "get_credentials_command" {
  description = "Writes the cluster into ~/.kube/config."
  value       = module.fraudops.get_credentials_command
}

output "cluster_external_endpoint" {
  description = "Public endpoint of the Kubernetes API."
  value       = module.fraudops.cluster_external_endpoint
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

output "mlflow_artifacts_uri" {
  description = "MLflow's artifact destination."
  value       = module.fraudops.mlflow_artifacts_uri
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

output "node_group_scale" {
  description = "Autoscaling bounds and the documented need."
  value       = module.fraudops.node_group_scale
}

output "argocd_root_application" {
  description = "What Argo CD syncs."
  value       = module.argocd.root_application
}
