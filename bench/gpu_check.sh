#!/usr/bin/env bash
# One call on a GPU machine (no network, nothing installed from outside the
# repo): sets up Deno and the Vulkan loader from .gl/ (see gpu_pack.sh),
# checks the bundles match the sources, runs the webgpu kernel tests against
# the cpu backend on the GPU, then the GPU benchmark (B0 at 128 px and V2-S
# at 384 px, batch 32, next to PyTorch on CUDA, with per-kernel profiles).
# Well inside 10 minutes; everything it prints goes to $OUT/gpu_check.log too.
#
# Usage (after `bash bench/gpu_pack.sh` here):  bash bench/gpu_check.sh
# A dry run on a CPU adapter: GPU_CHECK_QUICK=1 (tiny shapes), and
# GPU_CHECK_CARRIED_DENO=1 to use .gl/deno.xz even where deno is installed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${OUT:-/tmp/gpu_check}
mkdir -p "$out"
exec > >(tee "$out/gpu_check.log") 2>&1
started=$(date +%s)
step() { echo; echo "=== $* ($(($(date +%s) - started)) s)"; }

step "machine"
uname -srm
nproc
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null ||
  echo "nvidia-smi: none"

step "deno"
if command -v deno >/dev/null && [ "${GPU_CHECK_CARRIED_DENO:-}" != 1 ]; then
  DENO=$(command -v deno)
elif [ -x .gl/deno ]; then
  DENO=$root/.gl/deno
elif [ -f .gl/deno.xz ]; then
  DENO=/tmp/gpu_check_deno
  if command -v xz >/dev/null; then
    xz -dc .gl/deno.xz >"$DENO"
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      .gl/deno.xz "$DENO"
  fi
  chmod +x "$DENO"
else
  echo "no deno: run bench/gpu_pack.sh where npm answers and carry .gl/"
  exit 1
fi
export DENO_NO_UPDATE_CHECK=1 DENO_DIR=/tmp/gpu_check_deno_dir NO_COLOR=1
# Mesa and the Vulkan loader complain without one.
export XDG_RUNTIME_DIR=/tmp/gpu_check_xdg
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
"$DENO" --version | head -1

step "vulkan"
# Deno's WebGPU (wgpu) dlopens libvulkan.so.1; unpack Debian's loader beside
# the repo when the system has none.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  deb=$(ls .gl/libvulkan1_*_amd64.deb 2>/dev/null | head -1)
  if [ -n "$deb" ]; then
    mkdir -p /tmp/gpu_check_vulkan
    dpkg-deb -x "$deb" /tmp/gpu_check_vulkan 2>/dev/null ||
      (cd /tmp/gpu_check_vulkan && ar p "$root/$deb" data.tar.xz | tar -xJ)
    export LD_LIBRARY_PATH=/tmp/gpu_check_vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    echo "loader: $deb unpacked to /tmp/gpu_check_vulkan"
  else
    echo "no libvulkan.so.1 and no .gl/libvulkan1_*.deb (run bench/gpu_pack.sh)"
  fi
else
  echo "loader: $(ldconfig -p | grep 'libvulkan.so.1 ' | head -1)"
fi
# The NVIDIA driver's ICD file, where the loader would not look for it.
if ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then
  icd=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
  if [ -n "$icd" ]; then
    export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
    echo "driver: $icd"
  fi
fi
cat >/tmp/gpu_check_adapter.js <<'EOF'
const a = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
if (!a) { console.log("no WebGPU adapter"); Deno.exit(1); }
const i = a.info;
console.log("adapter:", JSON.stringify({ vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, fallback: i.isFallbackAdapter }));
console.log("features:", [...a.features].join(","));
console.log("maxStorageBuffersPerShaderStage", a.limits.maxStorageBuffersPerShaderStage);
EOF
"$DENO" run -A --no-config /tmp/gpu_check_adapter.js || exit 1

step "bundles"
digest=$(find lib bench tests/lib/nn/kernels/webgpu cli -name '*.ts' -print0 | sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$digest" = "$(cat .gl/bundle/SOURCES.sha256 2>/dev/null)" ]; then
  echo "bundles match the sources ($digest)"
else
  echo "WARNING: .gl/bundle was made from other sources: rerun bench/gpu_pack.sh"
fi
ls .gl/bundle/bench .gl/bundle/tests/lib/nn/kernels/webgpu

step "webgpu kernel tests (against the cpu backend, on this GPU)"
(cd .gl/bundle/tests/lib/nn/kernels/webgpu &&
  timeout 240 "$DENO" test -A --no-config ./*_test.js) 2>&1 |
  grep -v XDG_RUNTIME_DIR | tail -n 80
echo "tests exit: ${PIPESTATUS[0]}"

bench() {
  timeout 200 "$DENO" run -A --no-config .gl/bundle/bench/gpu_bench.js "$@" \
    --peer "$root/.gl/peers/torch_train_step.py" \
    --cuda-peer "$root/bench/peers/torch_cuda_step.py" 2>&1 |
    grep -v XDG_RUNTIME_DIR
}
if [ "${GPU_CHECK_QUICK:-}" = 1 ]; then
  # A dry run of this script on a CPU adapter (lavapipe): tiny shapes.
  step "benchmark: B0 at 32 px (GPU_CHECK_QUICK)"
  bench --configs b0:32 --batch 2 --steps 1 --warmup 1 --json "$out/b0_32.json"
else
  step "benchmark: B0 at 128 px"
  bench --configs b0:128 --batch 32 --steps 10 --warmup 3 --json "$out/b0_128.json"
  step "benchmark: V2-S at 384 px"
  bench --configs s:384 --batch 32 --steps 4 --warmup 2 --json "$out/s_384.json"
fi

step "done"
