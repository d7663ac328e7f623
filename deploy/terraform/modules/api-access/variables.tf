################################################################################
# Who may reach the Kubernetes API. The root module passes its api_allowed_cidrs, api_allowed_from_anywhere
# and master_public_ip here; the rules and their messages live in this module only.
################################################################################

variable "allowed_cidrs" {
  description = "api_allowed_cidrs of the root module: the networks that may call the Kubernetes API (443, 6443) from outside the VPC. With a public master this must hold the public egress address of the machine that runs `tofu apply` (it installs Argo CD through that endpoint), as a /32."
  type        = list(string)
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.allowed_cidrs : can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+$", cidr)) && can(cidrhost(cidr, 0))])
    error_message = "api_allowed_cidrs must be IPv4 CIDR blocks such as a.b.c.d/32 (got ${jsonencode(var.allowed_cidrs)}): put your machine's public egress IPv4 address followed by /32."
  }

  validation {
    # Yandex Cloud's security groups take network addresses; "1.2.3.4/24" would be refused by the API
    # only at apply time, after the cluster's long wait.
    condition     = alltrue([for cidr in var.allowed_cidrs : !can(cidrhost(cidr, 0)) || try(cidrsubnet(cidr, 0, 0) == cidr, false)])
    error_message = "api_allowed_cidrs: ${join(", ", [for cidr in var.allowed_cidrs : "${cidr} (write ${try(cidrsubnet(cidr, 0, 0), "?")})" if can(cidrhost(cidr, 0)) && try(cidrsubnet(cidr, 0, 0) != cidr, false)])}: a CIDR block must be written with its network address; for one machine use its address with /32."
  }

  validation {
    # RFC 5737 reserves 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 for documentation: no machine
    # egresses from them, so an apply with one of them fails only when the helm provider times out. A block
    # is inside one when its prefix is /24 or longer and its network at /24 is that range (a larger block
    # that merely contains one, such as 0.0.0.0/0, is judged by the other rules).
    condition = alltrue([
      for cidr in var.allowed_cidrs : !can(cidrhost(cidr, 0)) || !(
        tonumber(split("/", cidr)[1]) >= 24 && contains(["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"], cidrsubnet("${cidrhost(cidr, 0)}/24", 0, 0))
      )
    ])
    error_message = "api_allowed_cidrs holds an address of a documentation range (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), copied from an example: no real machine has such an address. Put your own machine's public egress IPv4 address with /32 (the address websites see you connect from, not your LAN address), and your CI's if it calls the API."
  }
}

variable "allow_from_anywhere" {
  description = "api_allowed_from_anywhere of the root module: accept 0.0.0.0/0 in allowed_cidrs (every call still needs an IAM token, but the API is then open to scans and brute force from the whole internet)."
  type        = bool
  default     = false
  nullable    = false
}

variable "public_endpoint" {
  description = "master_public_ip of the root module: whether the master has a public endpoint."
  type        = bool
  nullable    = false
}

variable "internal_cidrs" {
  description = "The VPC's subnets (the nodes, and anything inside the network), which always reach the API."
  type        = list(string)
  default     = []
  nullable    = false
}
