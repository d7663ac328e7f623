#!/usr/bin/env bash
# Points the Kustomize overlay at the images CI pushed: for every image in fraudops.config.json's cloud.images,
# `kustomize edit set image <name>=<registry>/<name>:<tag>`, then Prettier, because kustomize rewrites the file
# in its own style and `scripts/test` checks the formatting of the whole repository.
#
#   .github/scripts/set-image-tags.sh <overlay dir> <registry, e.g. cr.yandex/crp123> <tag, the git SHA>
#
# KUSTOMIZE (default: kustomize on PATH) and PRETTIER (default: npx of the repository's pinned Prettier) may be
# overridden; packages/build-checks replays this script offline on a copy of the overlay.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 <overlay dir> <registry> <tag>" >&2; exit 2; }
overlay=$1 registry=$2 tag=$3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || { echo "not a valid image tag: $tag" >&2; exit 2; }
[ "$tag" != latest ] || { echo "refusing the mutable tag latest" >&2; exit 2; }
[ -f "$overlay/kustomization.yaml" ] || { echo "no kustomization.yaml in $overlay" >&2; exit 2; }

kustomize=${KUSTOMIZE:-kustomize}
[[ $kustomize != */* ]] || kustomize=$(realpath "$kustomize") # it runs inside the overlay
prettier_version=$(node -p "require('$root/package.json').devDependencies.prettier")
read -r -a prettier <<<"${PRETTIER:-npx --yes prettier@$prettier_version}"
mapfile -t images < <(node -p "Object.values(require('$root/fraudops.config.json').cloud.images).join('\n')")

for name in "${images[@]}"; do
  (cd "$overlay" && "$kustomize" edit set image "$name=$registry/$name:$tag")
done
"${prettier[@]}" --config "$root/.prettierrc.json" --log-level warn --write "$overlay/kustomization.yaml"
