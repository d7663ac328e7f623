output "max_nodes" {
  description = "The node group's maximum, checked against the documented need."
  value       = var.max_nodes

  precondition {
    condition     = local.node_fits_daemons
    error_message = "A ${var.node_cores} vCPU / ${var.node_memory_gb} GB node has ${local.allocatable_cpu_m}m / ${local.allocatable_memory_mi} MiB allocatable: not enough for the per-node DaemonSets (${var.per_node_daemons.cpu_m}m / ${var.per_node_daemons.memory_mi} MiB)."
  }

  precondition {
    condition     = local.largest_pod_cpu_m <= local.allocatable_cpu_m - var.per_node_daemons.cpu_m && local.largest_pod_memory_mi <= local.allocatable_memory_mi - var.per_node_daemons.memory_mi
    error_message = "The largest pod (${local.largest_pod_cpu_m}m / ${local.largest_pod_memory_mi} MiB) does not fit on one ${var.node_cores} vCPU / ${var.node_memory_gb} GB node (${local.allocatable_cpu_m - var.per_node_daemons.cpu_m}m / ${local.allocatable_memory_mi - var.per_node_daemons.memory_mi} MiB free after the DaemonSets)."
  }

  precondition {
    condition     = var.max_nodes >= local.nodes_required
    error_message = "The node group's maximum (${var.max_nodes}) does not cover the documented need: ${local.total_cpu_m}m CPU and ${local.total_memory_mi} MiB requested need ${local.nodes_required} nodes of ${var.node_cores} vCPU / ${var.node_memory_gb} GB (${local.nodes_by_cpu} by CPU, ${local.nodes_by_memory} by memory; ${local.usable_cpu_m}m / ${local.usable_memory_mi} MiB usable per node)."
  }
}

output "nodes_required" {
  description = "Nodes needed for every workload at its peak, the larger of the CPU and the memory count."
  value       = local.nodes_required
}

output "nodes_by_cpu" {
  description = "Nodes needed for the CPU requests alone."
  value       = local.nodes_by_cpu
}

output "nodes_by_memory" {
  description = "Nodes needed for the memory requests alone."
  value       = local.nodes_by_memory
}

output "total_requests" {
  description = "Sum of the workloads' requests at peak: cpu_m (millicores), memory_mi (MiB)."
  value       = { cpu_m = local.total_cpu_m, memory_mi = local.total_memory_mi }
}

output "allocatable_per_node" {
  description = "A node's allocatable after the kubelet's reservation and eviction threshold, before DaemonSets."
  value       = { cpu_m = local.allocatable_cpu_m, memory_mi = local.allocatable_memory_mi }
}

output "usable_per_node" {
  description = "What one node offers to the workloads: allocatable minus DaemonSets, times the packing efficiency."
  value       = { cpu_m = local.usable_cpu_m, memory_mi = local.usable_memory_mi }
}
