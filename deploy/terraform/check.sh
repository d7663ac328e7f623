#!/usr/bin/env bash
# The Terraform checks of deploy/terraform, offline (the README's test command runs this):
#   1. formatting              tofu fmt -check -recursive
#   2. structure               tfpolicy: yandex arguments as documented, references, module calls, IAM members
#                              only, pinned Kubernetes version = fraudops.config.json, private nodes, optional
#                              managed services switched by their variables, the API's sources through
#                              modules/api-access; and for each example: references, module calls, and the
#                              helm provider authenticated with Terraform's own credentials
#   3. node sizing             tofu validate + tofu test of modules/node-sizing (no provider), with the
#                              root module's defaults: the node group's maximum covers the documented need
#   4. API access              tofu validate + tofu test of modules/api-access (no provider): the addresses
#                              a first apply could not come from are refused at plan time
#   5. Argo CD bootstrap       tofu init (helm from the local mirror) + validate + test (mock_provider)
#                              of modules/argocd against the helm provider's real schema: the root
#                              Application from the repository URL and revision only; and tests-gitops:
#                              deploy/gitops/apps is the chart that takes them as values
#   6. root module, examples   tofu validate + test with mock_provider "yandex": only with --online, where
#                              the yandex provider can be installed from the OpenTofu registry
#   7. self-test               planted breakages (an unknown argument, a role granted by binding, public
#                              nodes, another Kubernetes version, a maximum below the need, an unknown
#                              helm_release argument, an insecure or bypassed API allow-list, a root
#                              Application read from a file, helm authenticated by yc, a child Application
#                              with its own repository URL, ...) must each make the checks above fail, naming it
# Usage: deploy/terraform/check.sh [--online]
# Tools: .tools/opentofu, built by `scripts/setup --with-test-tools` (tools/opentofu/build.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="${FRAUDOPS_TERRAFORM_TOOLS:-$root/.tools/opentofu}"

online=false
for arg in "$@"; do
  case "$arg" in
    --online) online=true ;;
    *) echo "usage: $0 [--online]" >&2; exit 2 ;;
  esac
done

bold() { printf '\033[1m[terraform] %s\033[0m\n' "$*"; }
ok() { printf '\033[32m[terraform] ok:\033[0m %s\n' "$*"; }
note() { printf '\033[33m[terraform] not checked offline:\033[0m %s\n' "$*"; }
die() { printf '\033[31m[terraform] FAILED:\033[0m %s\n' "$*" >&2; exit 1; }

tofu_bin="$tools/bin/tofu"
tfpolicy="$tools/bin/tfpolicy"
[ -x "$tofu_bin" ] && [ -x "$tfpolicy" ] || die "$tools has no tofu/tfpolicy: run scripts/setup --with-test-tools"

# Work on a copy (deploy/terraform, deploy/gitops if present, the config) so that `tofu init` leaves no
# .terraform folder or lock file in the repository and the self-test can break things freely.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo/deploy"
cp -r "$here" "$work/repo/deploy/terraform"
[ -d "$root/deploy/gitops" ] && cp -r "$root/deploy/gitops" "$work/repo/deploy/gitops"
cp "$root/fraudops.config.json" "$work/repo/fraudops.config.json"
rm -rf "$work/repo/deploy/terraform/.terraform" "$work/repo/deploy/terraform"/*/.terraform "$work/repo/deploy/terraform"/*/*/.terraform
find "$work/repo/deploy/terraform" -name .terraform.lock.hcl -delete

# Providers come only from the local mirror (offline), or only from the registry (--online).
export TF_CLI_CONFIG_FILE="$work/tofu.rc"
if $online; then
  printf 'provider_installation {\n  direct {}\n}\n' >"$TF_CLI_CONFIG_FILE"
else
  cat >"$TF_CLI_CONFIG_FILE" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$tools/plugins"
    include = ["registry.opentofu.org/hashicorp/helm"]
  }
}
EOF
fi
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1 NO_COLOR=1
tofu() { "$tofu_bin" "$@"; }

# run_in DIR LOG COMMAND...: runs a tofu command in DIR, printing its output only when it fails.
run_in() {
  local dir=$1 log=$2; shift 2
  if ! (cd "$dir" && tofu "$@") >"$log" 2>&1; then
    echo "$dir: tofu $1 failed:" >&2
    cat "$log" >&2
    return 1
  fi
}

# tofu_checks DIR: init, validate and test one module; output kept in $work/<name>.*.log.
tofu_checks() {
  local dir=$1 name; shift
  name="$(basename "$dir")"
  run_in "$dir" "$work/$name.init.log" init -backend=false -no-color || return 1
  run_in "$dir" "$work/$name.validate.log" validate -no-color || return 1
  if compgen -G "$dir/tests/*.tftest.hcl" >/dev/null; then
    run_in "$dir" "$work/$name.test.log" test -no-color "$@" || return 1
    grep -E '^(Success|Failure)!' "$work/$name.test.log" | sed "s|^|  $name: |"
  fi
}

sizing_vars() {
  "$tfpolicy" -defaults "$1" node_cores node_memory_gb node_group_max_size |
    sed -e 's/^node_group_max_size=/max_nodes=/' -e 's/^/-var=/'
}

# main_checks REPO: every check, on the copy of the repository at REPO (paths in messages relative to it).
main_checks() {
  local tf=deploy/terraform vars
  cd "$1"
  tofu fmt -check -recursive -diff -no-color "$tf" || { echo "tofu fmt: files above are not formatted (run: tofu fmt -recursive deploy/terraform)" >&2; return 1; }
  ok "formatting (tofu fmt -check -recursive)"

  "$tfpolicy" -config fraudops.config.json "$tf" || return 1
  local example
  for example in "$tf"/examples/*/; do
    "$tfpolicy" -example "${example%/}" || return 1
  done
  ok "structure of the yandex resources, module calls and the examples (tfpolicy)"

  mapfile -t vars < <(sizing_vars "$tf")
  tofu_checks "$tf/modules/node-sizing" "${vars[@]}" || return 1
  ok "node sizing: validate + test, with the root defaults (${vars[*]})"

  tofu_checks "$tf/modules/api-access" || return 1
  ok "API access: validate + test (documentation ranges, LAN-only lists, 0.0.0.0/0 refused at plan time)"

  tofu_checks "$tf/modules/argocd" || return 1
  ok "Argo CD bootstrap: validate + test against the helm provider's schema ($(ls "$tools/plugins/registry.opentofu.org/hashicorp/helm" 2>/dev/null || echo registry))"
  # The root Application syncs deploy/gitops/apps as a chart with repoURL/targetRevision as values: the folder
  # must be that chart. Not optional: without it, Argo CD cannot render the root Application at all.
  run_in "$tf/modules/argocd" "$work/argocd.gitops.log" test -no-color -test-directory=tests-gitops || return 1
  ok "deploy/gitops/apps is the chart the root Application syncs: it declares and reads repoURL and targetRevision"

  if $online; then
    tofu_checks "$tf" || return 1
    ok "root module: validate + test against the yandex provider's schema (mock_provider)"
    for example in "$tf"/examples/*/; do
      run_in "$example" "$work/example.init.log" init -backend=false -no-color || return 1
      run_in "$example" "$work/example.validate.log" validate -no-color || return 1
      ok "example $(basename "$example"): validate"
    done
  fi
}

bold "checks of deploy/terraform (OpenTofu $("$tofu_bin" version | head -1 | cut -d' ' -f2)$($online && echo ', online'))"
main_checks "$work/repo" || die "the Terraform checks (see above)"
if ! $online; then
  note "the root module and examples/ against the yandex provider's schema: the provider is not installable here (not on the Go module proxy, no registry access); tfpolicy checked their structure against the provider's documented arguments instead. Run deploy/terraform/check.sh --online where the OpenTofu registry is reachable."
fi

# --- self-test: each planted breakage must be caught, with a message that names it ------------------------------
bold "self-test: planted breakages must fail"
# expect_failure NAME PATTERN: runs the checks on the broken copy in $work/broken; they must fail and say PATTERN.
expect_failure() {
  local name=$1 pattern=$2 log="$work/selftest.log"
  if (main_checks "$work/broken") >"$log" 2>&1; then
    cat "$log" >&2
    die "self-test: the checks passed with a planted breakage: $name"
  fi
  if ! grep -qE -- "$pattern" "$log"; then
    cat "$log" >&2
    die "self-test: the checks failed on '$name' but without saying /$pattern/"
  fi
  ok "caught: $name -> $(grep -m1 -E -- "$pattern" "$log" | sed -e 's/^[[:space:]│]*//' | cut -c1-150)"
}
fresh_copy() { rm -rf "$work/broken" && cp -r "$work/repo" "$work/broken"; }
b="$work/broken/deploy/terraform"

fresh_copy
sed -i 's/^    platform_id = var.node_platform_id$/    platform_id = var.node_platform_id\n    gpu_count   = 1/' "$b/main.tf"
expect_failure "an unknown argument in yandex_kubernetes_node_group" 'unknown argument "gpu_count"'

fresh_copy
cat >>"$b/iam.tf" <<'EOF'

resource "yandex_resourcemanager_folder_iam_binding" "editors" {
  folder_id = var.folder_id
  role      = "editor"
  members   = ["serviceAccount:${yandex_iam_service_account.ci.id}"]
}
EOF
expect_failure "a role granted by an authoritative binding" 'must be granted as members'

fresh_copy
sed -i 's/^      nat = var.node_public_ip$/      nat = true/' "$b/main.tf"
expect_failure "nodes with public addresses by default" 'network_interface.nat = true'

fresh_copy
sed -i 's/"kubernetesVersion": "[0-9.]*"/"kubernetesVersion": "1.99"/' "$work/broken/fraudops.config.json"
expect_failure "Terraform's Kubernetes version differs from fraudops.config.json" 'cloud.kubernetesVersion = "1.99"'

fresh_copy
sed -i 's/^    version            = var.kubernetes_version$/    version            = "1.33"/' "$b/main.tf"
expect_failure "the master's version not taken from kubernetes_version" 'version = "1.33"; it must be var.kubernetes_version'

fresh_copy
awk 'BEGIN{v=0} /^variable "node_group_max_size"/{v=1} v&&/default *= *6/{sub(/6/,"3"); v=0} {print}' "$b/variables.tf" >"$b/variables.tf.new" && mv "$b/variables.tf.new" "$b/variables.tf"
expect_failure "a node group maximum below the documented need" 'does not cover the documented need|below the 5 nodes'

fresh_copy
sed -i 's/^  partitions         = each.value$/  partitions_count   = each.value/' "$b/databases.tf"
expect_failure "an unknown argument in a managed Kafka topic" 'unknown argument "partitions_count"'

fresh_copy
sed -i 's/^  count = var.managed_kafka_enabled ? 1 : 0$/  count = 1/' "$b/databases.tf"
expect_failure "a managed service that is not switched by its variable" 'must exist only when switched on'

fresh_copy
sed -i 's/^  max_history      = 5$/  max_history      = 5\n  wait_for_crds    = true/' "$b/modules/argocd/main.tf"
expect_failure "an unknown argument in helm_release (real helm schema)" 'An argument named "wait_for_crds" is not expected here'

fresh_copy
sed -i 's/^  value       = yandex_vpc_gateway.nat.id$/  value       = yandex_vpc_gateway.egress.id/' "$b/outputs.tf"
expect_failure "an output wired to a resource that does not exist" 'undeclared resource yandex_vpc_gateway.egress'

# The lake's bucket and key (its Terraform is checked structurally offline, semantically by tests/ online).
fresh_copy
sed -i 's/^    rule {$/    rule {\n      bucket_key_enabled = true\n/' "$b/storage.tf"
expect_failure "an unknown argument in the lake bucket's encryption" 'unknown argument "bucket_key_enabled"'

fresh_copy
sed -i 's/^    id          = yandex_iam_service_account.lake.id$/    id          = yandex_iam_service_account.lake_sink.id/' "$b/storage.tf"
expect_failure "the lake bucket granted to an account that does not exist" 'undeclared resource yandex_iam_service_account.lake_sink'

# Who may reach the Kubernetes API (defect: an insecure default, and an example range that fails the first apply late).
fresh_copy
awk 'BEGIN{v=0} /^variable "api_allowed_cidrs"/{v=1} v&&/^  type *= list\(string\)$/{print; print "  default     = [\"0.0.0.0/0\"]"; v=0; next} {print}' "$b/variables.tf" >"$b/variables.tf.new" && mv "$b/variables.tf.new" "$b/variables.tf"
expect_failure "api_allowed_cidrs with a default (0.0.0.0/0)" 'variable api_allowed_cidrs has a default \(\["0.0.0.0/0"\]\)'

fresh_copy
sed -i '0,/v4_cidr_blocks = module.api_access.master_ingress_cidrs/s//v4_cidr_blocks = distinct(concat(var.api_allowed_cidrs, values(var.subnets)))/' "$b/main.tf"
expect_failure "the API's security group rule bypassing modules/api-access" 'the Kubernetes API rule on port 443 takes v4_cidr_blocks = distinct'

fresh_copy
sed -i 's/"198.51.100.0\/24", "203.0.113.0\/24"\], cidrsubnet/"198.51.100.0\/24"], cidrsubnet/' "$b/modules/api-access/variables.tf"
expect_failure "the documentation range of the old example accepted" 'run "the_documentation_range_of_the_old_example_is_refused"\.\.\. fail'

fresh_copy
sed -i 's/condition     = var.allow_from_anywhere || length(local.anywhere) == 0/condition     = var.allow_from_anywhere || length(local.anywhere) >= 0/' "$b/modules/api-access/outputs.tf"
expect_failure "0.0.0.0/0 accepted without api_allowed_from_anywhere" 'run "the_whole_internet_is_refused_unless_asked_for"\.\.\. fail'

fresh_copy
sed -i '/^  api_allowed_cidrs          = var.api_allowed_cidrs$/d' "$b/examples/managed-services/main.tf"
expect_failure "an example that does not pass the operator's API allow-list" 'requires the variable "api_allowed_cidrs" \(no default\), which is not given'

# The helm provider as the yc CLI's profile instead of Terraform's identity (defect: the first apply from a machine).
fresh_copy
sed -i 's/^    token                  = data.yandex_client_config.this.iam_token$/    exec = {\n      api_version = "client.authentication.k8s.io\/v1beta1"\n      command     = "yc"\n      args        = ["k8s", "create-token"]\n    }/' "$b/examples/complete/main.tf"
expect_failure "the helm provider authenticated by yc k8s create-token" 'kubernetes.exec authenticates through an external command'

# The repository Argo CD syncs (defect: a root Application read from a file, a placeholder synced).
fresh_copy
# shellcheck disable=SC2016 # ${path.module} is HCL for the planted line, not shell
sed -i 's|^  target_revision = var.gitops_revision$|  target_revision = var.gitops_revision\n\n  root_application_manifest = file("${path.module}/../../../gitops/root-application.yaml")|' "$b/examples/complete/main.tf"
expect_failure "an example passing the root Application as a file" 'argument "root_application_manifest" is not a variable'

fresh_copy
sed -i 's|^            repoURL        = var.repo_url$|            repoURL        = "https://github.com/fraudops/fraudops.git"|' "$b/modules/argocd/main.tf"
expect_failure "child Applications given the placeholder instead of the root's repository" 'run "the_root_application_syncs_the_given_repository_and_passes_it_to_the_apps_chart"\.\.\. fail'

fresh_copy
sed -i 's|!contains(\["github.com/fraudops/fraudops", |!contains([|' "$b/modules/argocd/variables.tf"
expect_failure "the upstream placeholder accepted as the repository" 'run "the_upstream_placeholder_is_refused"\.\.\. fail'

fresh_copy
printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: pinned\nspec:\n  source:\n    repoURL: https://github.com/fraudops/fraudops.git\n' >"$work/broken/deploy/gitops/apps/templates/pinned.yaml"
expect_failure "a child Application with its own (placeholder) repository URL" '"pinned.yaml"'

bold "all Terraform checks passed"
