# The root module against the yandex provider's real schema, with the provider mocked (no cloud).
# Runs with `check.sh --online` (the provider comes from the OpenTofu registry); offline, where the
# provider cannot be installed, check.sh runs tfpolicy's structural checks of the same rules instead.

mock_provider "yandex" {}

variables {
  folder_id = "b1gaaaaaaaaaaaaaaaaa"
  # An arbitrary public address (modules/api-access refuses the documentation ranges).
  api_allowed_cidrs = ["95.0.0.10/32"]
}

run "the_master_admits_the_operator_and_the_subnets_only" {
  command = plan

  assert {
    condition     = alltrue([for rule in yandex_vpc_security_group.master.ingress : toset(rule.v4_cidr_blocks) == toset(concat(["95.0.0.10/32"], values(var.subnets)))])
    error_message = "The Kubernetes API (443, 6443) must admit api_allowed_cidrs and the VPC's subnets, through modules/api-access."
  }
}

run "the_kubernetes_version_is_pinned_to_the_project_config" {
  command = plan

  assert {
    condition     = var.kubernetes_version == jsondecode(file("${path.module}/../../fraudops.config.json")).cloud.kubernetesVersion
    error_message = "kubernetes_version's default must equal fraudops.config.json's cloud.kubernetesVersion."
  }

  assert {
    condition     = one(yandex_kubernetes_cluster.this.master).version == var.kubernetes_version && yandex_kubernetes_node_group.this.version == var.kubernetes_version
    error_message = "The master and the nodes must run the pinned kubernetes_version."
  }
}

run "an_unpinned_version_is_refused" {
  command = plan

  variables {
    kubernetes_version = "latest"
  }

  expect_failures = [var.kubernetes_version]
}

run "nodes_have_no_public_address_by_default" {
  command = plan

  assert {
    condition     = alltrue([for ni in one(yandex_kubernetes_node_group.this.instance_template).network_interface : !ni.nat])
    error_message = "Nodes must get no public IPv4 address unless node_public_ip is set."
  }

  assert {
    condition     = contains(keys(yandex_resourcemanager_folder_iam_member.this), "cluster/vpc.publicAdmin") == var.master_public_ip
    error_message = "vpc.publicAdmin is granted only when something public is asked for."
  }
}

run "nodes_get_a_public_address_when_asked" {
  command = plan

  variables {
    node_public_ip = true
  }

  assert {
    condition     = alltrue([for ni in one(yandex_kubernetes_node_group.this.instance_template).network_interface : ni.nat])
    error_message = "node_public_ip = true must give the nodes public addresses."
  }
}

run "the_node_group_autoscales_up_to_the_documented_need" {
  command = plan

  assert {
    condition     = one(one(yandex_kubernetes_node_group.this.scale_policy).auto_scale).max == var.node_group_max_size
    error_message = "The node group's maximum must be node_group_max_size."
  }

  assert {
    condition     = output.node_group_scale.max >= output.node_group_scale.nodes_required
    error_message = "The node group's maximum must cover the documented need (modules/node-sizing; a maximum below it fails the plan, tested there)."
  }
}

run "roles_are_granted_as_members" {
  command = plan

  assert {
    condition = alltrue([
      for key in ["cluster/k8s.clusters.agent", "cluster/load-balancer.admin", "nodes/container-registry.images.puller", "ci/container-registry.images.pusher"] :
      contains(keys(yandex_resourcemanager_folder_iam_member.this), key)
    ])
    error_message = "The service accounts must hold their folder roles as yandex_resourcemanager_folder_iam_member."
  }

  assert {
    condition     = yandex_lockbox_secret_iam_member.secrets.role == "lockbox.payloadViewer"
    error_message = "The secrets reader must read the Lockbox secret through a member grant."
  }
}

run "managed_services_are_off_by_default" {
  command = plan

  assert {
    condition     = length(yandex_mdb_postgresql_cluster.this) == 0 && length(yandex_mdb_postgresql_database.this) == 0 && length(yandex_mdb_postgresql_user.this) == 0
    error_message = "No managed PostgreSQL unless managed_postgresql_enabled."
  }

  assert {
    condition     = length(yandex_mdb_kafka_cluster.this) == 0 && length(yandex_mdb_kafka_topic.this) == 0 && length(yandex_lockbox_secret.kafka) == 0
    error_message = "No managed Kafka unless managed_kafka_enabled."
  }
}

run "managed_services_appear_when_switched_on" {
  command = plan

  variables {
    managed_postgresql_enabled = true
    managed_kafka_enabled      = true
    kafka_user_password        = "a-long-enough-test-password"
  }

  assert {
    condition     = length(yandex_mdb_postgresql_cluster.this) == 1 && toset(keys(yandex_mdb_postgresql_database.this)) == toset(["mlflow", "airflow", "lake"])
    error_message = "managed_postgresql_enabled must create the cluster with the mlflow, airflow and lake databases."
  }

  assert {
    condition     = alltrue([for name, user in yandex_mdb_postgresql_user.this : user.generate_password && yandex_mdb_postgresql_database.this[name].owner == name])
    error_message = "Each managed database is owned by its own user, whose password Connection Manager generates."
  }

  assert {
    condition     = length(yandex_mdb_kafka_cluster.this) == 1 && toset(keys(yandex_mdb_kafka_topic.this)) == toset(["transactions", "scores", "transactions.dead-letter", "labels", "lake.dead-letter"])
    error_message = "managed_kafka_enabled must create the cluster with the project's topics."
  }
}

run "managed_kafka_needs_a_password" {
  command = plan

  variables {
    managed_kafka_enabled = true
  }

  expect_failures = [yandex_mdb_kafka_cluster.this]
}

run "outputs_are_wired" {
  command = apply

  assert {
    condition     = output.kubernetes_version == var.kubernetes_version
    error_message = "kubernetes_version output must come from the cluster."
  }

  assert {
    condition     = output.cluster_id == yandex_kubernetes_cluster.this.id && output.node_group_id == yandex_kubernetes_node_group.this.id
    error_message = "cluster_id and node_group_id must come from the resources."
  }

  assert {
    condition     = output.registry_url == "cr.yandex/${yandex_container_registry.this.id}"
    error_message = "registry_url must name the registry."
  }

  assert {
    condition     = output.mlflow_bucket == "fraudops-mlflow-b1gaaaaaaaaaaaaaaaaa" && output.mlflow_artifacts_uri == "s3://fraudops-mlflow-b1gaaaaaaaaaaaaaaaaa/mlflow"
    error_message = "The MLflow bucket outputs must name the bucket."
  }

  assert {
    condition     = output.lake_bucket == "fraudops-lake-b1gaaaaaaaaaaaaaaaaa" && output.lake_warehouse_uri == "s3://fraudops-lake-b1gaaaaaaaaaaaaaaaaa/warehouse" && output.lake_lockbox_secret_id == yandex_lockbox_secret.lake.id
    error_message = "The lake outputs must name its bucket, warehouse and Lockbox secret."
  }

  assert {
    condition     = yamldecode(output.kubeconfig).users[0].user.exec.command == "yc" && yamldecode(output.kubeconfig).clusters[0].cluster.server == output.cluster_external_endpoint
    error_message = "The kubeconfig must point at the cluster's endpoint and take tokens from yc."
  }

  assert {
    condition     = output.postgresql_host == null && output.kafka_bootstrap_servers == null
    error_message = "The managed services' outputs are null while they are off."
  }
}

run "only_the_lake_accounts_reach_the_lake_bucket" {
  # apply: the mock provider gives the service accounts IDs to compare.
  command = apply

  assert {
    condition     = length(yandex_storage_bucket.lake.grant) == 2 && alltrue([for g in yandex_storage_bucket.lake.grant : g.id == yandex_iam_service_account.lake.id ? toset(g.permissions) == toset(["READ", "WRITE"]) : g.id == yandex_iam_service_account.lake_reader.id && toset(g.permissions) == toset(["READ"])])
    error_message = "The lake bucket grants READ and WRITE to the lake sink's account, READ to the retraining's, and nothing to anyone else."
  }

  assert {
    condition     = alltrue([for g in yandex_storage_bucket.mlflow.grant : !contains([yandex_iam_service_account.lake.id, yandex_iam_service_account.lake_reader.id], g.id)])
    error_message = "The lake's accounts must not reach MLflow's bucket."
  }

  assert {
    condition     = one(yandex_storage_bucket.lake.anonymous_access_flags).read == false && one(yandex_storage_bucket.lake.anonymous_access_flags).list == false
    error_message = "The lake bucket is private."
  }

  assert {
    condition     = one(one(one(yandex_storage_bucket.lake.server_side_encryption_configuration).rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "The lake bucket is encrypted at rest with the project's KMS key."
  }

  assert {
    condition     = yandex_kms_symmetric_key_iam_member.lake.member == "serviceAccount:${yandex_iam_service_account.lake.id}" && yandex_kms_symmetric_key_iam_member.lake.role == "kms.keys.encrypterDecrypter"
    error_message = "The lake sink's account needs the key to write the encrypted bucket."
  }
}

run "the_lake_keys_go_to_their_own_lockbox_secrets" {
  # apply: the mock provider gives the service accounts IDs to compare.
  command = apply

  assert {
    condition     = yandex_iam_service_account_static_access_key.lake.service_account_id == yandex_iam_service_account.lake.id && one(yandex_iam_service_account_static_access_key.lake.output_to_lockbox).entry_for_access_key == "lake_s3_access_key_id" && one(yandex_iam_service_account_static_access_key.lake.output_to_lockbox).entry_for_secret_key == "lake_s3_secret_access_key"
    error_message = "The lake sink's static key is written into Lockbox (entries lake_s3_*), never into the state."
  }

  assert {
    condition     = yandex_lockbox_secret_iam_member.lake.member == "serviceAccount:${yandex_iam_service_account.secrets.id}" && yandex_lockbox_secret_iam_member.lake.role == "lockbox.payloadViewer"
    error_message = "The secrets reader reads the lake's Lockbox secret through a member grant."
  }

  assert {
    condition     = yandex_iam_service_account_static_access_key.lake_reader.service_account_id == yandex_iam_service_account.lake_reader.id && one(yandex_iam_service_account_static_access_key.lake_reader.output_to_lockbox).secret_id == yandex_lockbox_secret.lake_reader.id
    error_message = "The retraining's read-only key goes into its own Lockbox secret."
  }

  assert {
    condition     = yandex_kms_symmetric_key_iam_member.lake_reader.role == "kms.keys.decrypter" && yandex_kms_symmetric_key_iam_member.lake_reader.member == "serviceAccount:${yandex_iam_service_account.lake_reader.id}"
    error_message = "The retraining's reader only decrypts the lake bucket's objects."
  }
}
