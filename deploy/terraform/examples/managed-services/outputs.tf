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
