# Who may reach the Kubernetes API, checked at plan time.
#
# The first `tofu apply` creates the cluster and then, in the same run, installs Argo CD through the
# master's public endpoint from the operator's machine. The master's security group admits 443/6443 only
# from these networks, so a wrong entry does not fail until the helm provider gives up, after the 15-20
# minutes the cluster takes. Every mistake that can be seen in the value itself is refused here instead:
# not a CIDR block, a host address with a prefix, a documentation range, no public address at all while the
# endpoint is public, the whole internet without saying so.

locals {
  # Not routed on the internet: the public endpoint never sees a caller from these (RFC 1918 private,
  # RFC 6598 carrier-grade NAT, loopback, link-local). A LAN address is the usual mistake.
  non_public_ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"]

  valid_cidrs = [for cidr in var.allowed_cidrs : cidr if can(cidrhost(cidr, 0))]
  prefix      = { for cidr in local.valid_cidrs : cidr => tonumber(split("/", cidr)[1]) }

  # A block is non-public when one of the ranges above contains it: its network at the range's prefix is the range.
  non_public = [
    for cidr in local.valid_cidrs : cidr
    if anytrue([for range in local.non_public_ranges : local.prefix[cidr] >= tonumber(split("/", range)[1]) && cidrsubnet("${cidrhost(cidr, 0)}/${split("/", range)[1]}", 0, 0) == range])
  ]
  public   = [for cidr in local.valid_cidrs : cidr if !contains(local.non_public, cidr)]
  anywhere = [for cidr in local.valid_cidrs : cidr if local.prefix[cidr] == 0]
}
