#!/usr/bin/env bash
# Installs, into ignored folders, the third-party tools that NuGet does not carry (docs/architecture.md):
#   anvil, forge, cast      npm @foundry-rs/*-linux-amd64      -> .tools/bin/
#   solc (solc-js + shim)   npm solc, tools/solc-shim.js        -> .tools/bin/solc
#   grpc-js, OpenZeppelin   npm                                 -> .tools/npm/node_modules/
#   redis-server            Debian package, when missing and running as root
#   chromium                Debian package, when missing and running as root (explorer browser tests)
# ONNX Runtime is not installed here: it comes from NuGet (Microsoft.ML.OnnxRuntime.Gpu.Linux), copied next to every
# program that references src/Intelligence.Inference (docs/inference.md).
# Idempotent: a second run checks what is there and installs nothing. One line per component.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
npm_dir="$tools/npm"
bin="$tools/bin"
mkdir -p "$npm_dir" "$bin"

failures=0
report() { printf '%-18s %-9s %s\n' "$1" "$2" "${3:-}"; [ "$2" = failed ] && failures=$((failures + 1)); return 0; }

# --- npm packages -------------------------------------------------------------------------------
# Reinstalled only when tools/npm/package.json or its lock changed since the last successful install.
manifest="$root/tools/npm/package.json"
stamp="$npm_dir/.installed-manifest"
digest=$(cat "$manifest" "$root/tools/npm/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] && [ -d "$npm_dir/node_modules" ]; then
  npm_state=found
elif ! command -v npm >/dev/null 2>&1; then
  npm_state=failed; npm_why="npm is not on PATH (install Node.js and npm)"
else
  cp "$manifest" "$npm_dir/package.json"
  [ -f "$root/tools/npm/package-lock.json" ] && cp "$root/tools/npm/package-lock.json" "$npm_dir/package-lock.json"
  # --ignore-scripts: no package needs its install script here, and none may download anything.
  if out=$(cd "$npm_dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1); then
    printf '%s' "$digest" > "$stamp"
    npm_state=installed
  else
    npm_state=failed; npm_why="npm install failed: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
  fi
fi
report "npm packages" "$npm_state" "${npm_why:-$npm_dir/node_modules}"
nm="$npm_dir/node_modules"

# --- foundry binaries ---------------------------------------------------------------------------
for tool in anvil forge cast; do
  src="$nm/@foundry-rs/$tool-linux-amd64/bin/$tool"
  if [ -x "$bin/$tool" ] && "$bin/$tool" --version >/dev/null 2>&1; then
    report "$tool" found "$("$bin/$tool" --version 2>/dev/null | head -n 1)"
  elif [ -f "$src" ]; then
    chmod +x "$src" && ln -sf "$src" "$bin/$tool"
    if "$bin/$tool" --version >/dev/null 2>&1; then report "$tool" installed "$("$bin/$tool" --version | head -n 1)"
    else report "$tool" failed "$src does not run"; fi
  else
    report "$tool" failed "missing $src (npm install failed?)"
  fi
done

# --- solc shim ----------------------------------------------------------------------------------
# forge cannot download solc here; it calls this wrapper, which answers --version like native solc
# and otherwise compiles standard JSON with solc-js.
shim="$bin/solc"
# The wrapper finds the shim relative to itself, so a checkout that links .tools/ from another works too.
want='#!/usr/bin/env bash
exec node "$(dirname "$0")/../../tools/solc-shim.js" "$@"'
if [ -f "$shim" ] && [ "$(cat "$shim")" = "$want" ] && "$shim" --version >/dev/null 2>&1; then
  report solc found "$("$shim" --version | tail -n 1)"
elif [ -f "$nm/solc/package.json" ]; then
  printf '%s\n' "$want" > "$shim" && chmod +x "$shim"
  if "$shim" --version >/dev/null 2>&1; then report solc installed "$("$shim" --version | tail -n 1)"
  else report solc failed "$shim --version failed"; fi
else
  report solc failed "missing $nm/solc (npm install failed?)"
fi

# --- redis-server -------------------------------------------------------------------------------
if command -v redis-server >/dev/null 2>&1; then
  report redis-server found "$(redis-server --version | awk '{print $3}')"
elif [ "$(id -u)" -ne 0 ]; then
  report redis-server failed "not installed and not root: run 'sudo apt-get install -y redis-server'"
else
  if out=$( (export DEBIAN_FRONTEND=noninteractive; apt-get install -y --no-install-recommends redis-server || { apt-get update && apt-get install -y --no-install-recommends redis-server; }) 2>&1 ); then
    # The package may start a system service; tests start their own servers on free ports.
    report redis-server installed "$(redis-server --version | awk '{print $3}')"
  else
    report redis-server failed "apt-get install redis-server: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
  fi
fi

# --- chromium (the explorer's browser tests drive it headless through Playwright) ----------------
if command -v chromium >/dev/null 2>&1; then
  report chromium found "$(chromium --version 2>/dev/null | awk '{print $2}')"
elif [ "$(id -u)" -ne 0 ]; then
  report chromium failed "not installed and not root: run 'sudo apt-get install -y chromium'"
else
  if out=$( (export DEBIAN_FRONTEND=noninteractive; apt-get install -y --no-install-recommends chromium || { apt-get update && apt-get install -y --no-install-recommends chromium; }) 2>&1 ); then
    report chromium installed "$(chromium --version 2>/dev/null | awk '{print $2}')"
  else
    report chromium failed "apt-get install chromium: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
  fi
fi

[ "$failures" -eq 0 ] || { echo "bootstrap: $failures component(s) failed" >&2; exit 1; }
