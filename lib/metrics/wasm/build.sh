#!/usr/bin/env bash
# Builds knn_kernels.wasm from knn_kernels.c into ../_knn_kernels_wasm.ts (see
# ../../wasm_build.sh). The exact rescoring must round each float64 product
# and sum as JavaScript does: no fused float64 operation may appear.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../wasm_build.sh" "$here/knn_kernels.c" "$here/../_knn_kernels_wasm.ts" \
  KNN_KERNELS_WASM_BASE64 "kNN kernels" \
  "f64x2.relaxed" "fuses float64 operations"
