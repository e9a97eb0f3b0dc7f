#!/usr/bin/env bash
# Builds train_kernels.wasm from train_kernels.c into ../_train_kernels_wasm.ts
# (see ../../../wasm_build.sh). The module shares tfjs's heap: the shared
# script's checks (no data section, no shadow stack) are what keep it from
# placing anything there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../../wasm_build.sh" "$here/train_kernels.c" "$here/../_train_kernels_wasm.ts" \
  TRAIN_KERNELS_WASM_BASE64 "training kernels"
