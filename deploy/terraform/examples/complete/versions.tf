terraform {
  required_version = ">= 1.8.0"

  required_providers {
    yandex = {
      source  = "yandex-cloud/yandex"
      version = ">= 0.222.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
  }

  # Remote state in Object Storage with locking (OpenTofu >= 1.10 / Terraform >= 1.11 lock with a
  # lock file next to the state). Settings in backend.hcl (see backend.hcl.example and docs/deploy.md):
  #   tofu init -backend-config=backend.hcl
  backend "s3" {}
}
