#!/usr/bin/env bash
# Builds the Terraform checks' toolchain from pinned Go modules (the Go module proxy is the only source):
#   OUT/bin/tofu       OpenTofu v1.12.6                          (go.mod here)
#   OUT/bin/tfpolicy   the offline structural check of the yandex resources (tfpolicy/)
#   OUT/plugins/...    hashicorp/helm v1.3.2 as a filesystem mirror for `tofu init` (helm/go.mod)
# Usage: tools/opentofu/build.sh OUT_DIR   (scripts/setup --with-test-tools calls it with .tools/opentofu)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUT_DIR}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

HELM_VERSION=1.3.2
# Build with this machine's Go and exactly the versions the go.sum files pin; -trimpath and no VCS
# stamping keep the binaries independent of where the repository is.
export GOTOOLCHAIN=local GOFLAGS="-mod=mod -trimpath -buildvcs=false"

partial="$out.partial"
rm -rf "$partial"
mkdir -p "$partial/bin"

# version.dev=no: a release build (`tofu version` says v1.12.6, not v1.12.6-dev), as OpenTofu's own release does.
(cd "$here" && go build -ldflags '-s -w -X github.com/opentofu/opentofu/version.dev=no' \
  -o "$partial/bin/tofu" github.com/opentofu/opentofu/cmd/tofu)
(cd "$here/tfpolicy" && go build -ldflags '-s -w' -o "$partial/bin/tfpolicy" .)
plugin_dir="$partial/plugins/registry.opentofu.org/hashicorp/helm/$HELM_VERSION/linux_amd64"
mkdir -p "$plugin_dir"
(cd "$here/helm" && go build -ldflags '-s -w' \
  -o "$plugin_dir/terraform-provider-helm_v$HELM_VERSION" github.com/hashicorp/terraform-provider-helm)

env -u TF_CLI_CONFIG_FILE "$partial/bin/tofu" version >/dev/null
rm -rf "$out" && mv "$partial" "$out"
