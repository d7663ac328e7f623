#!/usr/bin/env bash
# Builds promtool and amtool of the versions the cluster runs (kube-prometheus-stack's default images, see
# README.md here) from their Go modules, pinned by promtool/go.mod and amtool/go.mod:
#   OUT/promtool   github.com/prometheus/prometheus/cmd/promtool (module v0.3XX.Y = Prometheus 3.XX.Y)
#   OUT/amtool     github.com/prometheus/alertmanager/cmd/amtool
# Usage: tools/prometheus-tools/build.sh OUT_DIR   (scripts/setup --with-test-tools calls it with .tools/bin)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# This machine's Go and exactly the versions the go.sum files pin; -trimpath and no VCS stamping keep the
# binaries independent of where the repository is.
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -trimpath -buildvcs=false"

# The release version as the upstream build stamps it (promu's ldflags), so `--version` names what was built
# and the tests can hold the binaries to the pins. Prometheus 3.x is published as Go module v0.3XX.Y.
release_version() {
  local module=$1 version=$2
  case "$module" in
    github.com/prometheus/prometheus)
      [[ "$version" =~ ^v0\.([0-9])([0-9]{2})\.([0-9]+)$ ]] || { echo "unexpected Prometheus module version $version" >&2; exit 1; }
      echo "${BASH_REMATCH[1]}.$((10#${BASH_REMATCH[2]})).${BASH_REMATCH[3]}" ;;
    *) echo "${version#v}" ;;
  esac
}

# build DIR MODULE PACKAGE NAME [TAGS]: the binary NAME from PACKAGE of MODULE, as DIR's go.mod pins it.
build() {
  local dir=$1 module=$2 package=$3 name=$4 tags=${5:-}
  local version release
  version=$(cd "$here/$dir" && go list -m -f '{{.Version}}' "$module")
  release=$(release_version "$module" "$version")
  (cd "$here/$dir" && go build -tags "$tags" -o "$out/$name.partial" \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Branch=$module@$version" \
    "$package")
  "$out/$name.partial" --version >/dev/null
  mv "$out/$name.partial" "$out/$name"
}

# remove_all_sd: Prometheus' own build tag that leaves out the optional service-discovery plugins (AWS, Azure,
# GCE, Consul, ...). The tests only run `test rules` and `check rules`, which never discover targets; rule
# parsing and evaluation are the same code either way, and the cold build takes a fraction of the time.
build promtool github.com/prometheus/prometheus github.com/prometheus/prometheus/cmd/promtool promtool remove_all_sd
build amtool github.com/prometheus/alertmanager github.com/prometheus/alertmanager/cmd/amtool amtool
