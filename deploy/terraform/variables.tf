################################################################################
# General
################################################################################

variable "folder_id" {
  description = "The Yandex Cloud folder everything is created in (`yc resource-manager folder get <name> --format json | jq -r .id`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{19}$", var.folder_id))
    error_message = "folder_id must be a Yandex Cloud folder ID: 20 lower-case letters and digits, e.g. b1gxxxxxxxxxxxxxxxxx."
  }
}

variable "name" {
  description = "Prefix of every resource's name. Lower-case letters, digits and hyphens (Yandex Cloud naming rules)."
  type        = string
  default     = "fraudops"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters: a lower-case letter first, then lower-case letters, digits or hyphens, not ending with a hyphen."
  }
}

variable "labels" {
  description = "Labels added to every resource that takes labels."
  type        = map(string)
  default     = {}
}

################################################################################
# Network
################################################################################

variable "zone" {
  description = "The availability zone of the zonal master and of the node group (an autoscaled node group lives in one zone)."
  type        = string
  default     = "ru-central1-a"

  validation {
    condition     = contains(["ru-central1-a", "ru-central1-b", "ru-central1-d"], var.zone)
    error_message = "zone must be one of ru-central1-a, ru-central1-b, ru-central1-d."
  }
}

variable "subnets" {
  description = "One private subnet per availability zone: zone => IPv4 CIDR. Nodes, the master and the managed databases live here; egress goes through the NAT gateway."
  type        = map(string)
  default = {
    "ru-central1-a" = "10.10.0.0/20"
    "ru-central1-b" = "10.11.0.0/20"
    "ru-central1-d" = "10.12.0.0/20"
  }

  validation {
    condition     = length(var.subnets) > 0 && alltrue([for zone, cidr in var.subnets : can(cidrhost(cidr, 0)) && contains(["ru-central1-a", "ru-central1-b", "ru-central1-d"], zone)])
    error_message = "subnets must map availability zones (ru-central1-a, -b, -d) to valid IPv4 CIDR blocks."
  }
}

variable "cluster_ipv4_range" {
  description = "The pods' CIDR. Must not overlap any subnet of the network."
  type        = string
  default     = "10.96.0.0/16"

  validation {
    condition     = can(cidrhost(var.cluster_ipv4_range, 0))
    error_message = "cluster_ipv4_range must be a valid IPv4 CIDR block."
  }
}

variable "service_ipv4_range" {
  description = "The Services' CIDR. Must not overlap any subnet of the network."
  type        = string
  default     = "10.112.0.0/16"

  validation {
    condition     = can(cidrhost(var.service_ipv4_range, 0))
    error_message = "service_ipv4_range must be a valid IPv4 CIDR block."
  }
}

variable "api_allowed_cidrs" {
  description = "Who may reach the Kubernetes API (443, 6443) from outside the network, as IPv4 CIDR blocks. No default: with a public master (master_public_ip) it must hold the public egress address of the machine that runs `tofu apply`, as a /32, because the apply installs Argo CD through that endpoint (add your CI's if it calls the API); with a private master, []. modules/api-access refuses at plan time documentation ranges (the old example's 203.0.113.0/24), LAN-only lists, host bits set, and 0.0.0.0/0 unless api_allowed_from_anywhere."
  type        = list(string)
}

variable "api_allowed_from_anywhere" {
  description = "Accept 0.0.0.0/0 in api_allowed_cidrs. Every call still needs an IAM token, but the API is then open to the whole internet; off, plan refuses it."
  type        = bool
  default     = false
}

variable "ingress_allowed_cidrs" {
  description = "Who may reach the gateway's load balancer (HTTP 80 and HTTPS 443 on the nodes' NodePorts)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = alltrue([for cidr in var.ingress_allowed_cidrs : can(cidrhost(cidr, 0))])
    error_message = "ingress_allowed_cidrs must be IPv4 CIDR blocks."
  }
}

################################################################################
# Kubernetes cluster
################################################################################

variable "kubernetes_version" {
  description = "The Kubernetes minor version of the master and the nodes. Its one source is fraudops.config.json (cloud.kubernetesVersion); the default must equal it, and the Terraform check fails when they differ."
  type        = string
  default     = "1.33"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a pinned minor version such as \"1.33\" (no \"latest\", no patch level: Yandex Cloud manages patch revisions)."
  }
}

variable "release_channel" {
  description = "The cluster's release channel: RAPID, REGULAR or STABLE."
  type        = string
  default     = "STABLE"

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "master_public_ip" {
  description = "Give the master a public IPv4 endpoint (kubectl from outside the cloud, CI). When false the API is reachable only from the network."
  type        = bool
  default     = true
}

variable "master_regional" {
  description = "Run a highly available master in three zones (one location per entry of `subnets`) instead of a zonal one. Costs about 2.8 times the zonal master."
  type        = bool
  default     = false
}

variable "master_auto_upgrade" {
  description = "Let Yandex Cloud apply patch revisions of the pinned minor version in the maintenance window."
  type        = bool
  default     = true
}

variable "maintenance_window" {
  description = "Daily maintenance window (UTC) for the master and the nodes."
  type = object({
    start_time = string
    duration   = string
  })
  default = {
    start_time = "02:00"
    duration   = "3h"
  }

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window.start_time)) && can(regex("^[0-9]+h([0-9]+m)?$", var.maintenance_window.duration))
    error_message = "maintenance_window.start_time must be HH:MM (UTC) and duration like \"3h\" or \"4h30m\"."
  }
}

################################################################################
# Node group
#
# The sizing arithmetic (requests of every workload, kube-system and per-node daemons, allocatable
# after the kubelet's reservations) lives in modules/node-sizing; its table is written out in
# docs/deploy.md. With the defaults below (4 vCPU / 16 GB nodes) the platform and 6 scoring-api
# replicas need 5 nodes; node_group_max_size must be at least that, or plan fails with the numbers.
################################################################################

variable "node_platform_id" {
  description = "The Compute Cloud platform of the nodes (standard-v3: Intel Ice Lake)."
  type        = string
  default     = "standard-v3"

  validation {
    condition     = contains(["standard-v1", "standard-v2", "standard-v3", "standard-v4a", "amd-v1", "highfreq-v3"], var.node_platform_id)
    error_message = "node_platform_id must be a Compute Cloud platform such as standard-v3."
  }
}

variable "node_cores" {
  description = "vCPUs per node."
  type        = number
  default     = 4

  validation {
    condition     = contains([2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32], var.node_cores)
    error_message = "node_cores must be an even number of vCPUs between 2 and 32 (a shape Compute Cloud offers)."
  }
}

variable "node_memory_gb" {
  description = "Memory per node, GB."
  type        = number
  default     = 16

  validation {
    condition     = var.node_memory_gb >= 4 && var.node_memory_gb <= 256 && floor(var.node_memory_gb) == var.node_memory_gb
    error_message = "node_memory_gb must be a whole number of GB between 4 and 256."
  }
}

variable "node_core_fraction" {
  description = "Guaranteed share of each vCPU, percent. Only 100 gives the CPU that the pods' requests assume; 20 or 50 are cheaper burstable nodes for experiments."
  type        = number
  default     = 100

  validation {
    condition     = contains([20, 50, 100], var.node_core_fraction)
    error_message = "node_core_fraction must be 20, 50 or 100."
  }
}

variable "node_disk_type" {
  description = "Boot disk type of the nodes."
  type        = string
  default     = "network-ssd"

  validation {
    condition     = contains(["network-hdd", "network-ssd", "network-ssd-nonreplicated"], var.node_disk_type)
    error_message = "node_disk_type must be network-hdd, network-ssd or network-ssd-nonreplicated."
  }
}

variable "node_disk_size_gb" {
  description = "Boot disk size of each node, GB (images, logs, emptyDirs)."
  type        = number
  default     = 64

  validation {
    condition     = var.node_disk_size_gb >= 64
    error_message = "node_disk_size_gb must be at least 64 (the smallest boot disk Managed Kubernetes accepts)."
  }
}

variable "node_preemptible" {
  description = "Use preemptible nodes (much cheaper, stopped at least once a day): for experiments only."
  type        = bool
  default     = false
}

variable "node_public_ip" {
  description = "Give every node a public IPv4 address. Off by default: nodes are private and reach the internet through the NAT gateway."
  type        = bool
  default     = false
}

variable "node_group_min_size" {
  description = "The cluster autoscaler's minimum number of nodes."
  type        = number
  default     = 3

  validation {
    condition     = var.node_group_min_size >= 1
    error_message = "node_group_min_size must be at least 1."
  }
}

variable "node_group_max_size" {
  description = "The cluster autoscaler's maximum number of nodes. Must cover the documented need (modules/node-sizing): 6 scoring-api replicas plus the platform at their requests."
  type        = number
  default     = 6

  validation {
    condition     = var.node_group_max_size >= 1 && var.node_group_max_size <= 100
    error_message = "node_group_max_size must be between 1 and 100."
  }
}

variable "node_group_initial_size" {
  description = "Nodes created with the group (between min and max)."
  type        = number
  default     = 3
}

variable "extra_workloads" {
  description = "Workloads to add to the sizing table beyond the documented platform (name => CPU request in millicores, memory request in MiB, replicas)."
  type = map(object({
    cpu_m     = number
    memory_mi = number
    replicas  = number
  }))
  default = {}
}

################################################################################
# Registry, object storage, secrets
################################################################################

variable "mlflow_bucket_name" {
  description = "Object Storage bucket for MLflow's artifacts. Bucket names are global: the default adds the folder ID to make it unique."
  type        = string
  default     = null

  validation {
    condition     = var.mlflow_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.mlflow_bucket_name))
    error_message = "mlflow_bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens."
  }
}

variable "mlflow_bucket_max_size_gb" {
  description = "Hard quota of the MLflow bucket, GB (0: no quota)."
  type        = number
  default     = 50

  validation {
    condition     = var.mlflow_bucket_max_size_gb >= 0
    error_message = "mlflow_bucket_max_size_gb must be 0 or more."
  }
}

variable "lake_bucket_name" {
  description = "Object Storage bucket for the lake's Iceberg data and metadata files (the warehouse). Bucket names are global: the default adds the folder ID to make it unique."
  type        = string
  default     = null

  validation {
    condition     = var.lake_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_name))
    error_message = "lake_bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens."
  }
}

variable "lake_bucket_max_size_gb" {
  description = "Hard quota of the lake bucket, GB (0: no quota). The sink's row retention (lake.retention in fraudops.config.json) keeps the tables bounded; the quota stops a runaway writer."
  type        = number
  default     = 100

  validation {
    condition     = var.lake_bucket_max_size_gb >= 0
    error_message = "lake_bucket_max_size_gb must be 0 or more."
  }
}

variable "bucket_force_destroy" {
  description = "Let `tofu destroy` delete the MLflow and lake buckets with their objects in them. Off: destroy stops at a non-empty bucket."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Deletion protection on the Lockbox secrets, the KMS key and the managed databases."
  type        = bool
  default     = true
}

################################################################################
# Optional managed services (instead of the in-cluster PostgreSQL and Strimzi Kafka)
################################################################################

variable "managed_postgresql_enabled" {
  description = "Create a Managed PostgreSQL cluster with the `mlflow`, `airflow` and `lake` databases, instead of the in-cluster PostgreSQL."
  type        = bool
  default     = false
}

variable "postgresql_version" {
  description = "Managed PostgreSQL major version."
  type        = string
  default     = "16"

  validation {
    condition     = contains(["15", "16", "17"], var.postgresql_version)
    error_message = "postgresql_version must be 15, 16 or 17."
  }
}

variable "postgresql_resource_preset" {
  description = "Managed PostgreSQL host class (s3-c2-m8: 2 vCPU, 8 GB)."
  type        = string
  default     = "s3-c2-m8"
}

variable "postgresql_disk_size_gb" {
  description = "Managed PostgreSQL disk, GB."
  type        = number
  default     = 20

  validation {
    condition     = var.postgresql_disk_size_gb >= 10
    error_message = "postgresql_disk_size_gb must be at least 10."
  }
}

variable "managed_kafka_enabled" {
  description = "Create a Managed Kafka cluster with the project's topics, instead of the in-cluster Strimzi Kafka."
  type        = bool
  default     = false
}

variable "kafka_version" {
  description = "Managed Kafka version."
  type        = string
  default     = "3.9"

  validation {
    condition     = can(regex("^[34]\\.[0-9]+$", var.kafka_version))
    error_message = "kafka_version must look like 3.9 or 4.0."
  }
}

variable "kafka_resource_preset" {
  description = "Managed Kafka broker class (s3-c2-m8: 2 vCPU, 8 GB)."
  type        = string
  default     = "s3-c2-m8"
}

variable "kafka_disk_size_gb" {
  description = "Managed Kafka disk per broker, GB."
  type        = number
  default     = 32

  validation {
    condition     = var.kafka_disk_size_gb >= 10
    error_message = "kafka_disk_size_gb must be at least 10."
  }
}

variable "kafka_topics" {
  description = "Topics of the managed Kafka (name => partitions). The names are fraudops.config.json's stack.kafka.topics."
  type        = map(number)
  # packages/gitops's test keeps these equal to the Strimzi topics generated from the same config.
  default = {
    "transactions"             = 6
    "scores"                   = 3
    "transactions.dead-letter" = 1
    "labels"                   = 3
    "lake.dead-letter"         = 1
  }
}

variable "kafka_user_password" {
  description = "Password of the managed Kafka's `fraudops` user (pass it as TF_VAR_kafka_user_password; it is stored in the state and copied to the Lockbox secret). Required when managed_kafka_enabled."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.kafka_user_password == null || length(coalesce(var.kafka_user_password, "x")) >= 16
    error_message = "kafka_user_password must be at least 16 characters."
  }
}
