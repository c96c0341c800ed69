#!/usr/bin/env bash
# Device check for the inference runtime, for a machine with an NVIDIA GPU:
#   - prints the GPU (nvidia-smi) and the execution providers compiled into ONNX Runtime;
#   - runs the reference-model shapes (digits MLP, logistic regression, linear AR) and a 1M-parameter MLP on CPU and
#     on CUDA, and prints latency (1 row), one 64-row run and 64 callers through the dynamic batcher side by side.
# Exit 0: every model ran on both providers. Exit 2: CUDA cannot be used, with the library that failed to load and
# what to install (the CUDA 13 runtime and cuDNN 9 for ONNX Runtime 1.32). Exit 1: anything else went wrong.
# Finishes well under 5 minutes (build ~1-2 min, check ~1 min); each stage has its own timeout.
# Usage: tools/gpu-check.sh [--seconds 1]
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/tools/Intelligence.Inference.Bench/bin/gpu-check"
seconds=1
[ "${1:-}" = "--seconds" ] && [ -n "${2:-}" ] && seconds="$2"

fail() { echo "gpu-check: FAILED: $*" >&2; exit "${code:-1}"; }

command -v dotnet >/dev/null 2>&1 || fail "dotnet is not on PATH (the .NET 10 SDK is needed to build the check)"

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/gpu: /' \
    || echo "gpu: nvidia-smi failed (driver not loaded?)"
else
  echo "gpu: nvidia-smi not found (no NVIDIA driver on this machine?)"
fi

# The bench in its GPU flavour (CUDA and TensorRT provider libraries next to it), in its own folder so the normal
# CPU-flavour build of the bench stays small.
echo "building tools/Intelligence.Inference.Bench (GPU flavour) into ${out#"$root"/}"
if ! timeout 240 dotnet build "$root/tools/Intelligence.Inference.Bench" -c Release -nologo -clp:ErrorsOnly \
     -p:IntelligenceInferenceGpu=true -o "$out" >"$out.build.log" 2>&1; then
  tail -n 20 "$out.build.log" >&2
  fail "build failed (log: $out.build.log)"
fi
[ -f "$out/libonnxruntime_providers_cuda.so" ] || fail "the build did not copy libonnxruntime_providers_cuda.so into $out"

cd "$root" || exit 1
timeout 180 dotnet "$out/Intelligence.Inference.Bench.dll" --gpu-check --seconds "$seconds"
rc=$?
case $rc in
  0) echo "gpu-check: passed (CPU and CUDA figures above)";;
  2) code=2 fail "CUDA execution provider cannot load here (see the reason above)";;
  124) fail "the check ran past its 180 s limit";;
  *) fail "the check exited with $rc";;
esac
