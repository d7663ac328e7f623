terraform {
  required_version = ">= 1.8.0"

  required_providers {
    helm = {
      source = "hashicorp/helm"
      # Only attributes that helm_release has had unchanged from 1.3 to 3.x are used (values, not
      # set blocks, whose syntax changed in 3.0), so the provider's configuration - which did change -
      # stays with the caller (see examples/). The offline check validates against 1.3.2's schema.
      version = ">= 1.3.2"
    }
  }
}
