locals {
  labels = merge({ "app" = "fraudops", "managed-by" = "opentofu" }, var.labels)

  # Master locations: one (zonal master in var.zone) or one per subnet (regional, highly available).
  master_zones = var.master_regional ? sort(keys(var.subnets)) : [var.zone]
}

################################################################################
# Network: VPC, private subnets, NAT gateway and its route table
################################################################################

resource "yandex_vpc_network" "this" {
  name        = var.name
  description = "fraudops: Kubernetes nodes, master and managed databases"
  folder_id   = var.folder_id
  labels      = local.labels
}

resource "yandex_vpc_gateway" "nat" {
  name        = "${var.name}-nat"
  description = "Egress to the internet for the private nodes (images, Helm charts, git)"
  folder_id   = var.folder_id
  labels      = local.labels

  shared_egress_gateway {}
}

resource "yandex_vpc_route_table" "private" {
  name        = "${var.name}-private"
  description = "Default route of the private subnets through the NAT gateway"
  folder_id   = var.folder_id
  network_id  = yandex_vpc_network.this.id
  labels      = local.labels

  static_route {
    destination_prefix = "0.0.0.0/0"
    gateway_id         = yandex_vpc_gateway.nat.id
  }
}

resource "yandex_vpc_subnet" "private" {
  for_each = var.subnets

  name           = "${var.name}-private-${each.key}"
  description    = "Private subnet in ${each.key}; egress through the NAT gateway"
  folder_id      = var.folder_id
  network_id     = yandex_vpc_network.this.id
  zone           = each.key
  v4_cidr_blocks = [each.value]
  route_table_id = yandex_vpc_route_table.private.id
  labels         = local.labels
}

################################################################################
# Security groups
# Follows Yandex Managed Kubernetes' documented rules: traffic inside the cluster (master <-> nodes,
# pods, services), the network load balancer's health checks, the API from api_allowed_cidrs, the
# gateway's NodePorts from ingress_allowed_cidrs, and egress anywhere (through NAT).
################################################################################

resource "yandex_vpc_security_group" "cluster" {
  name        = "${var.name}-k8s-cluster"
  description = "Master and nodes: traffic inside the cluster, load balancer health checks, egress"
  folder_id   = var.folder_id
  network_id  = yandex_vpc_network.this.id
  labels      = local.labels

  ingress {
    description       = "Network load balancer health checks"
    protocol          = "TCP"
    from_port         = 0
    to_port           = 65535
    predefined_target = "loadbalancer_healthchecks"
  }

  ingress {
    description       = "Master <-> nodes and node <-> node"
    protocol          = "ANY"
    from_port         = 0
    to_port           = 65535
    predefined_target = "self_security_group"
  }

  ingress {
    description    = "Pods and services"
    protocol       = "ANY"
    from_port      = 0
    to_port        = 65535
    v4_cidr_blocks = [var.cluster_ipv4_range, var.service_ipv4_range]
  }

  ingress {
    description    = "ICMP from the private subnets (path MTU discovery, diagnostics)"
    protocol       = "ICMP"
    v4_cidr_blocks = values(var.subnets)
  }

  egress {
    description    = "Anywhere: other nodes, managed services, the internet through NAT"
    protocol       = "ANY"
    from_port      = 0
    to_port        = 65535
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
}

# Who may call the API, refused at plan time when the first apply could not reach it (modules/api-access).
module "api_access" {
  source = "./modules/api-access"

  allowed_cidrs       = var.api_allowed_cidrs
  allow_from_anywhere = var.api_allowed_from_anywhere
  public_endpoint     = var.master_public_ip
  internal_cidrs      = values(var.subnets)
}

resource "yandex_vpc_security_group" "master" {
  name        = "${var.name}-k8s-master"
  description = "Kubernetes API from the allowed networks"
  folder_id   = var.folder_id
  network_id  = yandex_vpc_network.this.id
  labels      = local.labels

  ingress {
    description    = "Kubernetes API (HTTPS)"
    protocol       = "TCP"
    port           = 443
    v4_cidr_blocks = module.api_access.master_ingress_cidrs
  }

  ingress {
    description    = "Kubernetes API"
    protocol       = "TCP"
    port           = 6443
    v4_cidr_blocks = module.api_access.master_ingress_cidrs
  }
}

resource "yandex_vpc_security_group" "nodes" {
  name        = "${var.name}-k8s-nodes"
  description = "Node ports of the gateway's LoadBalancer Service from the allowed networks"
  folder_id   = var.folder_id
  network_id  = yandex_vpc_network.this.id
  labels      = local.labels

  ingress {
    description    = "NodePorts (the network load balancer forwards 80/443 here)"
    protocol       = "TCP"
    from_port      = 30000
    to_port        = 32767
    v4_cidr_blocks = var.ingress_allowed_cidrs
  }
}

################################################################################
# KMS key: encrypts Kubernetes Secrets in etcd and the Lockbox secret
################################################################################

resource "yandex_kms_symmetric_key" "this" {
  name                = "${var.name}-secrets"
  description         = "Envelope encryption of Kubernetes Secrets and the Lockbox secret"
  folder_id           = var.folder_id
  default_algorithm   = "AES_256"
  rotation_period     = "8760h"
  deletion_protection = var.deletion_protection
  labels              = local.labels
}

################################################################################
# Managed Kubernetes: the cluster (pinned minor version) and an autoscaled node group
################################################################################

resource "yandex_kubernetes_cluster" "this" {
  name                    = var.name
  description             = "fraudops production cluster"
  folder_id               = var.folder_id
  network_id              = yandex_vpc_network.this.id
  cluster_ipv4_range      = var.cluster_ipv4_range
  service_ipv4_range      = var.service_ipv4_range
  service_account_id      = yandex_iam_service_account.cluster.id
  node_service_account_id = yandex_iam_service_account.nodes.id
  release_channel         = var.release_channel
  network_policy_provider = "CALICO"
  labels                  = local.labels

  master {
    version            = var.kubernetes_version
    public_ip          = var.master_public_ip
    security_group_ids = [yandex_vpc_security_group.cluster.id, yandex_vpc_security_group.master.id]

    dynamic "master_location" {
      for_each = local.master_zones
      content {
        zone      = master_location.value
        subnet_id = yandex_vpc_subnet.private[master_location.value].id
      }
    }

    maintenance_policy {
      auto_upgrade = var.master_auto_upgrade

      maintenance_window {
        start_time = var.maintenance_window.start_time
        duration   = var.maintenance_window.duration
      }
    }
  }

  kms_provider {
    key_id = yandex_kms_symmetric_key.this.id
  }

  # The cluster's service accounts must hold their roles before the cluster is created, and keep them
  # until it is deleted.
  depends_on = [
    yandex_resourcemanager_folder_iam_member.this,
    yandex_kms_symmetric_key_iam_member.cluster,
  ]

  lifecycle {
    precondition {
      condition     = contains(keys(var.subnets), var.zone)
      error_message = "zone (${var.zone}) must be one of the zones in subnets (${join(", ", keys(var.subnets))})."
    }
  }
}

module "node_sizing" {
  source = "./modules/node-sizing"

  node_cores      = var.node_cores
  node_memory_gb  = var.node_memory_gb
  max_nodes       = var.node_group_max_size
  extra_workloads = var.extra_workloads
}

resource "yandex_kubernetes_node_group" "this" {
  name        = "${var.name}-default"
  description = "Autoscaled nodes for the apps and the platform"
  cluster_id  = yandex_kubernetes_cluster.this.id
  version     = var.kubernetes_version
  labels      = local.labels

  instance_template {
    platform_id = var.node_platform_id
    name        = "${var.name}-{instance.short_id}"
    labels      = local.labels

    resources {
      cores         = var.node_cores
      memory        = var.node_memory_gb
      core_fraction = var.node_core_fraction
    }

    boot_disk {
      type = var.node_disk_type
      size = var.node_disk_size_gb
    }

    network_interface {
      subnet_ids         = [yandex_vpc_subnet.private[var.zone].id]
      security_group_ids = [yandex_vpc_security_group.cluster.id, yandex_vpc_security_group.nodes.id]
      # No public address unless asked: egress goes through the NAT gateway.
      nat = var.node_public_ip
    }

    scheduling_policy {
      preemptible = var.node_preemptible
    }

    container_runtime {
      type = "containerd"
    }
  }

  scale_policy {
    auto_scale {
      min     = var.node_group_min_size
      max     = module.node_sizing.max_nodes
      initial = var.node_group_initial_size
    }
  }

  # An autoscaled node group lives in one zone.
  allocation_policy {
    location {
      zone = var.zone
    }
  }

  # Roll nodes one at a time with one extra node: capacity never drops during an upgrade.
  deploy_policy {
    max_expansion   = 1
    max_unavailable = 0
  }

  maintenance_policy {
    auto_upgrade = var.master_auto_upgrade
    auto_repair  = true

    maintenance_window {
      start_time = var.maintenance_window.start_time
      duration   = var.maintenance_window.duration
    }
  }

  lifecycle {
    precondition {
      condition     = var.node_group_min_size <= var.node_group_initial_size && var.node_group_initial_size <= var.node_group_max_size
      error_message = "The node group needs min <= initial <= max (got ${var.node_group_min_size} <= ${var.node_group_initial_size} <= ${var.node_group_max_size})."
    }
  }
}
