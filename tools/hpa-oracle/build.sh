#!/usr/bin/env bash
# Builds hpa-oracle (the Kubernetes HPA controller's own code, driven over a trace) from the Go module proxy,
# at the k8s.io/kubernetes version go.mod pins. The controller's reconcileAutoscaler is unexported, so a
# small file (_overlay/oracle_export.go) is compiled INTO k8s.io/kubernetes/pkg/controller/podautoscaler with
# `go build -overlay`; the module's own files are used as served (go.sum checks them).
# Usage: tools/hpa-oracle/build.sh OUT_FILE   (scripts/setup --with-test-tools calls it with .tools/bin/hpa-oracle)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUT_FILE}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

# This machine's Go and exactly the versions go.sum pins; -trimpath and no VCS stamping keep the binary
# independent of where the repository and the module cache are.
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -trimpath -buildvcs=false"

# The go command refuses an overlay of a file in the module cache, so the build runs in a scratch copy of this
# module with its dependencies vendored (copied from the module cache, which go.sum verified), and the
# overlay adds the one file to the vendored package.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here"/go.mod "$here"/go.sum "$here"/*.go "$work/"
cd "$work"
go mod vendor
package_dir="$work/vendor/k8s.io/kubernetes/pkg/controller/podautoscaler"
printf '{"Replace":{"%s/oracle_export.go":"%s/_overlay/oracle_export.go"}}\n' "$package_dir" "$here" >overlay.json
go build -mod=vendor -overlay overlay.json -ldflags '-s -w' -o "$out.partial" .
echo '{"hpa":{"name":"probe","minReplicas":1,"maxReplicas":1,"metric":{"type":"Resource","averageUtilization":50}},"podCpuRequestMilli":1,"steps":[{"at":0,"replicas":1,"pods":[]}]}' \
  | "$out.partial" | grep -q '"kubernetes":"v1\.'
mv "$out.partial" "$out"
