#!/usr/bin/env bash
# Protocol benchmark: ours-ours, ours server + grpc-js client, grpc-js server + our client (and grpc-js-grpc-js as the
# peer baseline), unary 1 KiB Forward at concurrency 1 and 64 on loopback h2c, unsigned and signed, in one table.
# Usage: tools/bench-protocol.sh [--seconds 3] [--warmup 1] [--quick] [--old <git revision>]
#   --old REV  also builds the bench of REV (in a temporary git worktree) and runs it in the same invocation, then
#              prints old and new side by side with new/old ratios (for example the hand-written transport, a5d5978).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export INTELLIGENCE_TOOLS_DIR="${INTELLIGENCE_TOOLS_DIR:-$root/.tools}"

old=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --old) old="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

dotnet build "$root/tools/Intelligence.Protocol.Bench" -c Release -nologo -clp:ErrorsOnly >/dev/null
new_dll="$root/tools/Intelligence.Protocol.Bench/bin/Release/net10.0/protocol-bench.dll"
if [[ -z "$old" ]]; then
  exec dotnet "$new_dll" bench "${args[@]}"
fi

work="$(mktemp -d)"
cleanup() { git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git -C "$root" worktree add --detach "$work/old" "$old" >/dev/null 2>&1
# Same bench settings on both sides: benches from before the 10-minute nonce window for pre-signed requests get it too
# (on a loaded machine pre-signing outlasts the default 30 s window and every signed row fails as "stale nonce").
prog="$work/old/tools/Intelligence.Protocol.Bench/Program.cs"
if [[ -f "$prog" ]] && ! grep -q "NonceWindow" "$prog"; then
  sed -i 's/^\( *\)RateLimitBurst = 1_000_000,$/&\n\1NonceWindow = TimeSpan.FromMinutes(10),/' "$prog"
fi
dotnet build "$work/old/tools/Intelligence.Protocol.Bench" -c Release -nologo -clp:ErrorsOnly >/dev/null
old_dll="$work/old/tools/Intelligence.Protocol.Bench/bin/Release/net10.0/protocol-bench.dll"

echo "## old: $(git -C "$root" log -1 --format='%h %s' "$old" | cut -c1-100)"
dotnet "$old_dll" bench "${args[@]}" | tee "$work/old.txt" || true
echo
echo "## new: $(git -C "$root" log -1 --format='%h' HEAD)$(git -C "$root" diff --quiet HEAD -- src tools || echo ' + working tree')"
dotnet "$new_dll" bench "${args[@]}" | tee "$work/new.txt" || true

# Join the two tables on (server, client, signing, concurrency).
echo
echo "## old vs new (same invocation, same machine state; ratios new/old)"
awk '
  function num(s) { gsub(",", "", s); return s + 0 }
  FNR == 1 { file++ }
  { if (sub(/ both ways /, " both-ways ")) $0 = $0 }
  $1 ~ /^(ours|grpc-js)$/ && $4 ~ /^[0-9]+$/ {
    key = $1 " " $2 " " $3 " " $4
    if (file == 1) { ors[key] = num($5); op99[key] = $7; ocpu[key] = num($9) }
    else { order[++n] = key; nrs[key] = num($5); np99[key] = $7; ncpu[key] = num($9) }
  }
  END {
    printf "%-8s %-8s %-10s %4s %10s %10s %6s %8s %8s %9s %9s %6s\n", "server", "client", "signing", "conc", "old req/s", "new req/s", "ratio", "old p99", "new p99", "old cpu/c", "new cpu/c", "ratio"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, f, " ")
      if (!(k in ors)) continue
      printf "%-8s %-8s %-10s %4s %10d %10d %6.2f %8s %8s %9d %9d %6.2f\n", f[1], f[2], f[3], f[4], ors[k], nrs[k], (ors[k] ? nrs[k] / ors[k] : 0), op99[k], np99[k], ocpu[k], ncpu[k], (ocpu[k] ? ncpu[k] / ocpu[k] : 0)
    }
  }' "$work/old.txt" "$work/new.txt"
