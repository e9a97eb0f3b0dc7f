#!/usr/bin/env bash
# Fills the git-ignored .gl/ folder with what bench/gpu_check.sh needs on a
# GPU machine that has no network and no Deno: run it here (where npm and
# Debian's apt answer), then carry .gl/ with the working tree.
#
#   .gl/deno.xz                    this machine's Deno binary, xz-compressed
#   .gl/bundle/*.js                bench/gpu_bench.ts and the webgpu kernel tests
#                                  bundled with their npm packages (deno bundle)
#   .gl/bundle/SOURCES.sha256      digest of the sources the bundles were made from
#   .gl/libvulkan1_*_amd64.deb     Debian's Vulkan loader (the GPU machine may lack it)
#   .gl/peers/torch_train_step.py  the shared PyTorch peer's network (../shared/peers)
#
# Usage: bash bench/gpu_pack.sh        (about 2 minutes: xz of a 95 MB binary)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gl/bundle .gl/peers

# The sources the bundles are made of, so gpu_check.sh can tell a stale bundle.
sources_digest() {
  find lib bench tests/lib/nn/kernels/webgpu cli -name '*.ts' -print0 | sort -z |
    xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

rm -f .gl/bundle/*.js
deno bundle --quiet --platform deno --code-splitting --outdir .gl/bundle \
  bench/gpu_bench.ts tests/lib/nn/kernels/webgpu/*_test.ts
sources_digest >.gl/bundle/SOURCES.sha256

deno_bin=$(readlink -f "$(command -v deno)")
if [ ! -f .gl/deno.xz ] || [ "$deno_bin" -nt .gl/deno.xz ]; then
  xz -T0 -6 -c "$deno_bin" >.gl/deno.xz
fi

if ! ls .gl/libvulkan1_*_amd64.deb >/dev/null 2>&1; then
  (cd .gl && apt-get download libvulkan1:amd64)
fi

peer=../shared/peers/torch_train_step.py
if [ -f "$peer" ]; then cp "$peer" .gl/peers/; fi

du -sh .gl
echo "carry .gl and run: bash bench/gpu_check.sh"
