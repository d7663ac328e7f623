# Who may reach the Kubernetes API: every rule with a value it must refuse, from a baseline that passes.
# This module has no provider, so the real `tofu test` runs offline (deploy/terraform/check.sh).

variables {
  # An arbitrary public address (the documentation ranges, the usual placeholder, are refused).
  allowed_cidrs   = ["95.0.0.10/32"]
  public_endpoint = true
  internal_cidrs  = ["10.10.0.0/20", "10.11.0.0/20"]
}

run "an_operator_address_and_the_subnets_reach_the_api" {
  command = plan

  assert {
    condition     = output.master_ingress_cidrs == tolist(["95.0.0.10/32", "10.10.0.0/20", "10.11.0.0/20"])
    error_message = "The master admits the operator's address and the VPC's subnets; got ${jsonencode(output.master_ingress_cidrs)}."
  }
}

run "private_entries_are_told_apart_from_public_ones" {
  command = plan

  variables {
    allowed_cidrs = ["95.0.0.10/32", "192.168.1.10/32", "10.20.0.0/16", "172.31.0.0/16", "100.64.1.0/24", "172.32.0.0/16", "11.0.0.0/8"]
  }

  assert {
    # 172.32.0.0/16 is just outside 172.16.0.0/12 and 11.0.0.0/8 just outside 10.0.0.0/8.
    condition     = output.public_cidrs == tolist(["95.0.0.10/32", "172.32.0.0/16", "11.0.0.0/8"])
    error_message = "Only entries outside the private, CGNAT, loopback and link-local ranges are public; got ${jsonencode(output.public_cidrs)}."
  }
}

run "a_private_master_needs_no_public_address" {
  command = plan

  variables {
    allowed_cidrs   = []
    public_endpoint = false
  }

  assert {
    condition     = output.master_ingress_cidrs == tolist(["10.10.0.0/20", "10.11.0.0/20"])
    error_message = "A private master admits the VPC's subnets only."
  }
}

run "a_public_master_with_no_address_is_refused" {
  command = plan

  variables {
    allowed_cidrs = []
  }

  expect_failures = [output.master_ingress_cidrs]
}

run "a_public_master_with_only_a_lan_address_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["192.168.1.10/32"]
  }

  expect_failures = [output.master_ingress_cidrs]
}

run "the_documentation_range_of_the_old_example_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["203.0.113.0/24"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "an_address_inside_a_documentation_range_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["95.0.0.10/32", "198.51.100.7/32"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "a_block_inside_a_documentation_range_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["192.0.2.128/25"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "a_neighbour_of_a_documentation_range_is_accepted" {
  command = plan

  variables {
    # Around 203.0.113.0/24 and 192.0.2.0/24, and a block that contains one (it is not a copied placeholder).
    allowed_cidrs = ["203.0.114.0/24", "203.0.112.255/32", "192.0.3.1/32", "192.0.0.0/16"]
  }

  assert {
    condition     = output.public_cidrs == tolist(["203.0.114.0/24", "203.0.112.255/32", "192.0.3.1/32", "192.0.0.0/16"])
    error_message = "Blocks next to the documentation ranges, or larger than them, are ordinary public addresses; got ${jsonencode(output.public_cidrs)}."
  }
}

run "the_whole_internet_is_refused_unless_asked_for" {
  command = plan

  variables {
    allowed_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [output.master_ingress_cidrs]
}

run "the_whole_internet_is_accepted_when_asked_for" {
  command = plan

  variables {
    allowed_cidrs       = ["0.0.0.0/0"]
    allow_from_anywhere = true
  }

  assert {
    condition     = contains(output.master_ingress_cidrs, "0.0.0.0/0")
    error_message = "api_allowed_from_anywhere = true must let 0.0.0.0/0 through."
  }
}

run "a_bare_address_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["95.0.0.10"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "a_host_address_with_a_network_prefix_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["95.0.0.10/24"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "ipv6_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["2001:db8::/32"]
  }

  expect_failures = [var.allowed_cidrs]
}
