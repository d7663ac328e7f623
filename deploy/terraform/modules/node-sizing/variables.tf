################################################################################
# Node shape and the autoscaler's ceiling
################################################################################

variable "node_cores" {
  description = "vCPUs per node."
  type        = number
  default     = 4

  validation {
    condition     = var.node_cores >= 2
    error_message = "node_cores must be at least 2."
  }
}

variable "node_memory_gb" {
  description = "Memory per node, GB (GiB, as Compute Cloud counts it)."
  type        = number
  default     = 16

  validation {
    condition     = var.node_memory_gb >= 4
    error_message = "node_memory_gb must be at least 4."
  }
}

variable "max_nodes" {
  description = "The node group's maximum. The output max_nodes fails when it does not cover nodes_required."
  type        = number
  default     = 5
}

################################################################################
# What runs on the cluster at peak: requests as set in the manifests and the platform's values
################################################################################

variable "workloads" {
  description = "Every workload at its peak replica count: name => CPU request (millicores), memory request (MiB), replicas. The defaults are the documented need (docs/deploy.md, section 1)."
  type = map(object({
    cpu_m     = number
    memory_mi = number
    replicas  = number
  }))
  default = {
    # The model: deploy/k8s/base/scoring-api (requests 250m / 256Mi), HPA at its maximum of 6.
    "scoring-api"                         = { cpu_m = 250, memory_mi = 256, replicas = 6 }
    "stream-scorer"                       = { cpu_m = 200, memory_mi = 256, replicas = 5 }
    "prometheus"                          = { cpu_m = 500, memory_mi = 2048, replicas = 1 }
    "grafana"                             = { cpu_m = 100, memory_mi = 256, replicas = 1 }
    "alertmanager"                        = { cpu_m = 50, memory_mi = 128, replicas = 1 }
    "prometheus-operator"                 = { cpu_m = 100, memory_mi = 128, replicas = 1 }
    "kube-state-metrics"                  = { cpu_m = 100, memory_mi = 128, replicas = 1 }
    "strimzi-operator"                    = { cpu_m = 200, memory_mi = 384, replicas = 1 }
    "strimzi entity operator + exporter"  = { cpu_m = 150, memory_mi = 320, replicas = 1 }
    "kafka (KRaft broker+controller)"     = { cpu_m = 500, memory_mi = 2048, replicas = 3 }
    "airflow (api, scheduler, dag, trig)" = { cpu_m = 250, memory_mi = 1024, replicas = 4 }
    "airflow training task pod"           = { cpu_m = 2000, memory_mi = 4096, replicas = 1 }
    "mlflow"                              = { cpu_m = 250, memory_mi = 512, replicas = 1 }
    "cloudnative-pg operator"             = { cpu_m = 100, memory_mi = 256, replicas = 1 }
    # MLflow's and Airflow's CloudNativePG clusters, two instances each.
    "postgresql (in-cluster)"  = { cpu_m = 250, memory_mi = 512, replicas = 4 }
    "envoy-gateway controller" = { cpu_m = 100, memory_mi = 256, replicas = 1 }
    "envoy proxy"              = { cpu_m = 250, memory_mi = 256, replicas = 2 }
    "argocd"                   = { cpu_m = 500, memory_mi = 1024, replicas = 1 }
    # The attack Job's three pods while they prepare their replay (the init container; the attack asks for less
    # memory).
    "attack job" = { cpu_m = 500, memory_mi = 2048, replicas = 3 }
    # kube-system Deployments: CoreDNS x2, metrics-server and the managed add-ons' controllers.
    "kube-system (cluster-wide)" = { cpu_m = 300, memory_mi = 512, replicas = 1 }
    # The lake: its sink (deploy/k8s/base/lake), one replica (one Python thread writes the Iceberg tables;
    # it bursts to its one-core limit under load), and its Iceberg catalog, the CloudNativePG cluster lake-db
    # (deploy/gitops/platform/databases; one instance: a few small commits a batch).
    "lake-sink"               = { cpu_m = 150, memory_mi = 512, replicas = 1 }
    "postgresql lake catalog" = { cpu_m = 100, memory_mi = 512, replicas = 1 }
  }

  validation {
    condition     = alltrue([for w in values(var.workloads) : w.cpu_m >= 0 && w.memory_mi >= 0 && w.replicas >= 0])
    error_message = "Every workload needs non-negative cpu_m, memory_mi and replicas."
  }
}

variable "extra_workloads" {
  description = "Workloads added to the documented ones (same shape as workloads)."
  type = map(object({
    cpu_m     = number
    memory_mi = number
    replicas  = number
  }))
  default = {}
}

variable "per_node_daemons" {
  description = "Requests of the DaemonSets on every node: kube-system (kube-proxy, Calico, ip-masq-agent, CSI node, node problem detector) ~200m/300Mi plus node-exporter and the monitoring agents ~300m/500Mi."
  type = object({
    cpu_m     = number
    memory_mi = number
  })
  default = { cpu_m = 500, memory_mi = 800 }
}

variable "packing_efficiency" {
  description = "Share of a node's free allocatable the scheduler can really fill (pods do not split across nodes: a 2-CPU training pod or a 2 GiB broker leaves gaps)."
  type        = number
  default     = 0.85

  validation {
    condition     = var.packing_efficiency > 0 && var.packing_efficiency <= 1
    error_message = "packing_efficiency must be in (0, 1]."
  }
}
