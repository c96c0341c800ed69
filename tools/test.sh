#!/usr/bin/env bash
# The whole test suite: bootstrap the toolchain, build warning-free, run every runner
# (xunit via dotnet test, forge, node), print each runner's counts and, last, the sum over all
# of them as "N passed, N failed, N skipped". Exits non-zero on any failure.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.tools/bin:$PATH"
export INTELLIGENCE_TOOLS_DIR="$root/.tools"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The suite starts many generic hosts (miners, validators, explorers, Kestrel servers); each would watch its
# appsettings files with inotify, and the per-user limit (often 128 instances) runs out. Tests never edit config live.
export DOTNET_hostBuilder__reloadConfigOnChange=false

logs="$root/.tools/test-logs"
mkdir -p "$logs"
passed=0 failed=0 skipped=0 status=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }

echo "== bootstrap"
tools/bootstrap.sh || { echo "bootstrap failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== build"
if ! dotnet build Intelligence.sln -c Release -nologo -clp:ErrorsOnly 2>&1 | tee "$logs/build.log"; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
if grep -qE ' error |: error ' "$logs/build.log"; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi

echo "== xunit"
# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ...".
dotnet test Intelligence.sln -c Release --no-build -nologo --blame-hang-timeout 5m 2>&1 | tee "$logs/xunit.log"
xunit_rc=${PIPESTATUS[0]}
read -r xp xf xs < <(grep -E '^(Passed|Failed)! +- ' "$logs/xunit.log" \
  | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
if [ "$xunit_rc" -ne 0 ] && [ "$xf" -eq 0 ]; then xf=1; echo "xunit: dotnet test exited $xunit_rc (crash or hang)"; fi
[ "$xunit_rc" -ne 0 ] && status=1
echo "xunit: $xp passed, $xf failed, $xs skipped"
add "$xp" "$xf" "$xs"

if [ -f contracts/foundry.toml ]; then
  echo "== forge"
  (cd contracts && forge test 2>&1) | tee "$logs/forge.log"
  forge_rc=${PIPESTATUS[0]}
  # "Ran 3 test suites in 1.2s (...): 42 tests passed, 0 failed, 0 skipped (42 total tests)"
  read -r fp ff fs < <(grep -E '^Ran [0-9]+ test suites?' "$logs/forge.log" | tail -n 1 \
    | sed -E 's/.*: ([0-9]+) tests passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' \
    | awk 'NF==3 {print; next} {print 0, 0, 0}')
  fp=${fp:-0} ff=${ff:-0} fs=${fs:-0}
  if [ "$forge_rc" -ne 0 ] && [ "$ff" -eq 0 ]; then ff=1; echo "forge: exited $forge_rc"; fi
  [ "$forge_rc" -ne 0 ] && status=1
  echo "forge: $fp passed, $ff failed, $fs skipped"
  add "$fp" "$ff" "$fs"
fi

node_tests=$(find tests/node -name '*.test.mjs' 2>/dev/null | sort)
if [ -n "$node_tests" ]; then
  echo "== node"
  # shellcheck disable=SC2086
  NODE_PATH="$root/.tools/npm/node_modules" node --test --test-reporter=tap $node_tests 2>&1 | tee "$logs/node.log"
  node_rc=${PIPESTATUS[0]}
  np=$(grep -E '^# pass ' "$logs/node.log" | tail -n 1 | awk '{print $3}'); np=${np:-0}
  nf=$(grep -E '^# fail ' "$logs/node.log" | tail -n 1 | awk '{print $3}'); nf=${nf:-0}
  ns=$(grep -E '^# skipped ' "$logs/node.log" | tail -n 1 | awk '{print $3}'); ns=${ns:-0}
  if [ "$node_rc" -ne 0 ] && [ "$nf" -eq 0 ]; then nf=1; echo "node: exited $node_rc"; fi
  [ "$node_rc" -ne 0 ] && status=1
  echo "node: $np passed, $nf failed, $ns skipped"
  add "$np" "$nf" "$ns"
fi

[ "$failed" -gt 0 ] && status=1
if [ "$failed" -gt 0 ]; then
  # Repeat what failed next to the totals, so a log cut to its tail still names the failing tests.
  echo "== failures"
  grep -h -A 6 -E '^ +Failed [A-Za-z_]' "$logs/xunit.log" 2>/dev/null | head -n 80
  grep -h -E '^\[FAIL' "$logs/forge.log" 2>/dev/null | head -n 20
  grep -h -A 8 -E '^ *not ok ' "$logs/node.log" 2>/dev/null | head -n 60
fi
if [ $((passed + failed)) -eq 0 ]; then echo "no tests ran"; status=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
