# The node group's sizing, evaluated by the real `tofu test` (this module has no provider).

run "the_documented_need_at_the_default_node_shape" {
  command = plan

  assert {
    condition     = output.total_requests.cpu_m == 12700 && output.total_requests.memory_mi == 32832
    error_message = "The documented workloads should request 12700m CPU and 32832 MiB (docs/deploy.md); got ${output.total_requests.cpu_m}m / ${output.total_requests.memory_mi} MiB."
  }

  assert {
    condition     = output.allocatable_per_node.cpu_m == 3920 && output.allocatable_per_node.memory_mi == 13621
    error_message = "A 4 vCPU / 16 GiB node should have 3920m / 13621 MiB allocatable; got ${output.allocatable_per_node.cpu_m}m / ${output.allocatable_per_node.memory_mi} MiB."
  }

  assert {
    condition     = output.nodes_by_cpu == 5 && output.nodes_by_memory == 4 && output.nodes_required == 5
    error_message = "The documented need should be 5 nodes (5 by CPU, 4 by memory); got ${output.nodes_required} (${output.nodes_by_cpu} by CPU, ${output.nodes_by_memory} by memory)."
  }
}

run "the_default_maximum_covers_six_scoring_replicas_and_the_platform" {
  command = plan

  # max_nodes is given the root module's default by check.sh (-var max_nodes=...), so this run fails
  # when someone lowers deploy/terraform's node_group_max_size below the need.
  assert {
    condition     = output.max_nodes >= output.nodes_required
    error_message = "The node group's maximum (${output.max_nodes}) is below the ${output.nodes_required} nodes the documented workloads need."
  }
}

run "the_need_counts_the_scoring_api_at_its_hpa_maximum" {
  command = plan

  variables {
    workloads = {
      "scoring-api" = { cpu_m = 250, memory_mi = 256, replicas = 6 }
    }
    per_node_daemons = { cpu_m = 0, memory_mi = 0 }
  }

  assert {
    condition     = output.total_requests.cpu_m == 1500 && output.total_requests.memory_mi == 1536
    error_message = "6 replicas x 250m / 256Mi should be 1500m / 1536 MiB."
  }
}

run "a_maximum_below_the_need_fails_with_the_numbers" {
  command = plan

  variables {
    max_nodes = 3
  }

  expect_failures = [output.max_nodes]
}

run "a_node_too_small_for_the_training_pod_is_refused" {
  command = plan

  variables {
    node_cores     = 2
    node_memory_gb = 8
    max_nodes      = 100
  }

  expect_failures = [output.max_nodes]
}

run "bigger_nodes_need_fewer_of_them" {
  command = plan

  variables {
    node_cores     = 8
    node_memory_gb = 32
  }

  # 7910m allocatable - 500m of DaemonSets, x 0.85 = 6298m usable: ceil(12700 / 6298) = 3 instead of 5.
  assert {
    condition     = output.nodes_required == 3
    error_message = "8 vCPU / 32 GiB nodes should need 3 nodes; got ${output.nodes_required}."
  }
}
