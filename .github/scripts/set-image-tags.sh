#!/usr/bin/env bash
# Points every place in deploy/ that runs an image of fraudops at the images CI pushed, in one edit, so that
# nothing in the cluster ever names a tag that no workflow produced:
#   - the Kustomize overlay (k8s/overlays/yandex): `kustomize edit set image <name>=<registry>/<name>:<tag>` for
#     every image of fraudops.config.json's cloud.images (the scoring API, the stream scorer, the attack and its
#     replay init container, the lake sink: the last two run the training image fraudops/airflow);
#   - the Airflow chart's image (gitops/values/airflow-image.yaml, a values file the Airflow Application reads
#     after airflow.yaml and that only this script writes): Airflow's components and its task pods.
# Then Prettier, because kustomize rewrites the overlay in its own style and `scripts/test` checks the
# formatting of the whole repository.
#
#   .github/scripts/set-image-tags.sh <deploy dir> <registry, e.g. cr.yandex/crp123> <tag, the git SHA>
#
# KUSTOMIZE (default: kustomize on PATH) and PRETTIER (default: npx of the repository's pinned Prettier) may be
# overridden; packages/build-checks replays this script offline on a copy of deploy/ and then requires every
# image reference in it to be one that .github/workflows/images.yml pushed.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 <deploy dir> <registry> <tag>" >&2; exit 2; }
deploy=$1 registry=$2 tag=$3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || { echo "not a valid image tag: $tag" >&2; exit 2; }
[ "$tag" != latest ] || { echo "refusing the mutable tag latest" >&2; exit 2; }
[[ $registry =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$ ]] || { echo "not a registry: $registry" >&2; exit 2; }
overlay=$deploy/k8s/overlays/yandex
airflow_image=$deploy/gitops/values/airflow-image.yaml
[ -f "$overlay/kustomization.yaml" ] || { echo "no kustomization.yaml in $overlay" >&2; exit 2; }
[ -d "$(dirname "$airflow_image")" ] || { echo "no folder $(dirname "$airflow_image")" >&2; exit 2; }

kustomize=${KUSTOMIZE:-kustomize}
[[ $kustomize != */* ]] || kustomize=$(realpath "$kustomize") # it runs inside the overlay
prettier_version=$(node -p "require('$root/package.json').devDependencies.prettier")
read -r -a prettier <<<"${PRETTIER:-npx --yes prettier@$prettier_version}"
mapfile -t images < <(node -p "Object.values(require('$root/fraudops.config.json').cloud.images).join('\n')")
airflow=$(node -p "require('$root/fraudops.config.json').cloud.images.airflow")

for name in "${images[@]}"; do
  (cd "$overlay" && "$kustomize" edit set image "$name=$registry/$name:$tag")
done
cat >"$airflow_image" <<EOF
# Written by .github/scripts/set-image-tags.sh on every rollout (never by hand): the training image of the same
# commit as the overlay's images. The Airflow Application reads it after values/airflow.yaml.
images:
  airflow:
    repository: $registry/$airflow
    tag: $tag
    pullPolicy: IfNotPresent
EOF
"${prettier[@]}" --config "$root/.prettierrc.json" --log-level warn --write "$overlay/kustomization.yaml" "$airflow_image"
