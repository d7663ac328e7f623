terraform {
  # OpenTofu >= 1.8 (mock_provider and override_* in tests; the project builds and pins 1.12.6 in
  # tools/opentofu). Terraform >= 1.7 reads the same code.
  required_version = ">= 1.8.0"

  required_providers {
    yandex = {
      source = "yandex-cloud/yandex"
      # output_to_lockbox on static access keys, master.scale_policy and the node group's
      # workload_identity_federation are recent: the attribute list the offline check uses was taken from
      # the documentation of v0.222.0.
      version = ">= 0.222.0"
    }
  }
}
