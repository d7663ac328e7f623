terraform {
  # No provider: plain values only, so that `tofu test` checks it offline (deploy/terraform/check.sh).
  required_version = ">= 1.8.0"
}
