# Node group sizing: how many nodes 6 scoring-api replicas plus the platform need at their requests.
#
# allocatable per node = capacity - kubelet/system reservation - eviction threshold, with the
# reservation formula managed Kubernetes services use (GKE's, also documented by Yandex Cloud's
# peers): CPU 6% of the 1st core, 1% of the 2nd, 0.5% of the 3rd-4th, 0.25% of the rest; memory 25%
# of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2% above 128 GiB,
# plus 100 MiB for hard eviction. For the default 4 vCPU / 16 GiB node:
#   CPU    4000 - (60 + 10 + 5 + 5)                      = 3920m allocatable
#   memory 16384 - (1024 + 819.2 + 819.2) - 100          = 13621 MiB allocatable
# minus the per-node DaemonSets (500m / 800 MiB)         = 3420m / 12821 MiB for workloads,
# times the packing efficiency (0.85)                    = 2907m / 10897 MiB usable per node.
# The documented workloads request 12700m / 32832 MiB (table in docs/deploy.md):
#   nodes by CPU    = ceil(12700 / 2907)  = ceil(4.37) = 5
#   nodes by memory = ceil(32832 / 10897) = ceil(3.01) = 4
#   nodes_required  = 5; the default maximum, 6, adds one node for rolling node upgrades (max_expansion 1).

locals {
  workloads = merge(var.workloads, var.extra_workloads)

  total_cpu_m     = sum([for w in values(local.workloads) : w.cpu_m * w.replicas])
  total_memory_mi = sum([for w in values(local.workloads) : w.memory_mi * w.replicas])

  capacity_cpu_m     = var.node_cores * 1000
  capacity_memory_mi = var.node_memory_gb * 1024

  reserved_cpu_m = (
    60
    + 10 * min(max(var.node_cores - 1, 0), 1)
    + 5 * min(max(var.node_cores - 2, 0), 2)
    + 2.5 * max(var.node_cores - 4, 0)
  )
  reserved_memory_mi = (
    0.25 * min(local.capacity_memory_mi, 4096)
    + 0.20 * min(max(local.capacity_memory_mi - 4096, 0), 4096)
    + 0.10 * min(max(local.capacity_memory_mi - 8192, 0), 8192)
    + 0.06 * min(max(local.capacity_memory_mi - 16384, 0), 114688)
    + 0.02 * max(local.capacity_memory_mi - 131072, 0)
  )
  eviction_memory_mi = 100

  allocatable_cpu_m     = floor(local.capacity_cpu_m - local.reserved_cpu_m)
  allocatable_memory_mi = floor(local.capacity_memory_mi - local.reserved_memory_mi - local.eviction_memory_mi)

  usable_cpu_m     = floor((local.allocatable_cpu_m - var.per_node_daemons.cpu_m) * var.packing_efficiency)
  usable_memory_mi = floor((local.allocatable_memory_mi - var.per_node_daemons.memory_mi) * var.packing_efficiency)

  # A node too small for the per-node DaemonSets cannot host anything: report it instead of dividing by <= 0.
  node_fits_daemons = local.usable_cpu_m > 0 && local.usable_memory_mi > 0

  nodes_by_cpu    = local.node_fits_daemons ? ceil(local.total_cpu_m / local.usable_cpu_m) : 0
  nodes_by_memory = local.node_fits_daemons ? ceil(local.total_memory_mi / local.usable_memory_mi) : 0
  nodes_required  = max(local.nodes_by_cpu, local.nodes_by_memory)

  largest_pod_cpu_m     = max([for w in values(local.workloads) : w.cpu_m]...)
  largest_pod_memory_mi = max([for w in values(local.workloads) : w.memory_mi]...)
}
