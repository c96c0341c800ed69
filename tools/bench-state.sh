#!/usr/bin/env bash
# Benchmark: redis-benchmark's SET/GET figures next to Intelligence.State doing the same work
# (3-byte values, one key): -n 200000 with 50 clients pipelined 16 deep (-P 16) and one at a time
# (-P 1), plus a single client one at a time (-c 1, pure round-trip latency).
# Usage: tools/bench-state.sh [requests]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests="${1:-200000}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for tool in redis-server redis-benchmark redis-cli node; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install the Debian redis-server and redis-tools packages"; exit 1; }
done

dotnet build "$root/tools/Intelligence.State.Bench/Intelligence.State.Bench.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null

port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize no --logfile "$dir/redis.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

workloads=()
run_peer() { # depth clients n
  echo "redis-benchmark -t set,get -n $3 -c $2 -P $1 -q"
  out=$(redis-benchmark -p "$port" -t set,get -n "$3" -c "$2" -P "$1" -q | tr '\r' '\n' | grep -E '^(SET|GET): [0-9.]+ requests per second')
  echo "$out" | sed 's/^/  /'
  for op in SET GET; do
    rps=$(echo "$out" | grep "^$op:" | tail -n 1 | awk '{print $2}')
    workloads+=("$op:$1:$2:$3=$rps")
  done
}
run_peer 16 50 "$requests"
run_peer 1 50 "$requests"
run_peer 1 1 $((requests / 10))

echo "Intelligence.State: one multiplexed connection shared by the c logical clients"
dotnet "$root/tools/Intelligence.State.Bench/bin/Release/net10.0/Intelligence.State.Bench.dll" "$port" "${workloads[@]}"
echo "(measured on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); other jobs share this machine)"
