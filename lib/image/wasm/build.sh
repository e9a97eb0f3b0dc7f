#!/usr/bin/env bash
# Builds resize.wasm from resize.c into ../_resize_wasm_bytes.ts (see ../../wasm_build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../wasm_build.sh" "$here/resize.c" "$here/../_resize_wasm_bytes.ts" \
  RESIZE_WASM_BASE64 resampler \
  '(import "env" "[^m]' "imports a function"
