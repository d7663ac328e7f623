output "master_ingress_cidrs" {
  description = "Sources the master's security group admits on 443 and 6443: allowed_cidrs and the VPC's subnets."
  value       = distinct(concat(var.allowed_cidrs, var.internal_cidrs))

  precondition {
    condition     = !var.public_endpoint || length(local.public) > 0
    error_message = "The Kubernetes API has a public endpoint (master_public_ip = true) but api_allowed_cidrs holds no public address (${length(var.allowed_cidrs) == 0 ? "it is empty" : "${join(", ", local.non_public)} ${length(local.non_public) == 1 ? "is" : "are"} private, not routed on the internet"}). The apply installs Argo CD through that endpoint from this machine: put this machine's public egress IPv4 address with /32 in api_allowed_cidrs (the address websites see you connect from, not your LAN address), and your CI's if it calls the API; or set master_public_ip = false and run the apply from inside the network."
  }

  precondition {
    condition     = var.allow_from_anywhere || length(local.anywhere) == 0
    error_message = "api_allowed_cidrs holds ${join(", ", local.anywhere)}: the Kubernetes API would accept connections from the whole internet. Put your machine's public egress IPv4 address with /32 instead, or set api_allowed_from_anywhere = true to mean it."
  }
}

output "public_cidrs" {
  description = "The entries of allowed_cidrs that are public addresses (where a caller of the public endpoint can come from)."
  value       = tolist(local.public)
}
