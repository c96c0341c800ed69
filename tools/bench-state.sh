#!/usr/bin/env bash
# Benchmark: redis-benchmark next to StackExchange.Redis (as the stores use it) doing the same work in one run:
# SET/GET of a 3-byte value on one key, with 50 clients pipelined 16 deep (-P 16) and one at a time (-P 1), plus a single client one at a time (-c 1, pure round trip); the score-EMA script (EVALSHA over
# 256 uids of one subnet) and the replay-cache check (SET NX PX of a fresh key) at -P 16 and -P 1; then the embedded
# file store's durable score updates per second (one at a time, concurrent callers, whole validator steps).
# Usage: tools/bench-state.sh [requests]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests="${1:-200000}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for tool in redis-server redis-benchmark redis-cli node; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install the Debian redis-server and redis-tools packages"; exit 1; }
done

dotnet build "$root/tools/Intelligence.State.Bench/Intelligence.State.Bench.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
bench=(dotnet "$root/tools/Intelligence.State.Bench/bin/Release/net10.0/Intelligence.State.Bench.dll")

port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize no --logfile "$dir/redis.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

sha=$(redis-cli -p "$port" SCRIPT LOAD "$("${bench[@]}" --ema-script)")
workloads=()
rps_of() { tr '\r' '\n' | grep -E 'requests per second' | tail -n 1 | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/'; }
run_peer() { # depth clients n
  echo "redis-benchmark -t set,get -n $3 -c $2 -P $1 -q"
  out=$(redis-benchmark -p "$port" -t set,get -n "$3" -c "$2" -P "$1" -q | tr '\r' '\n' | grep -E '^(SET|GET): [0-9.]+ requests per second')
  echo "$out" | sed 's/^/  /'
  for op in SET GET; do
    rps=$(echo "$out" | grep "^$op:" | tail -n 1 | awk '{print $2}')
    workloads+=("$op:$1:$2:$3=$rps")
  done
}
run_custom() { # name depth clients n command...
  local name=$1 depth=$2 clients=$3 n=$4; shift 4
  rps=$(redis-benchmark -p "$port" -n "$n" -c "$clients" -P "$depth" -r 1000000000 -q "$@" | rps_of)
  echo "redis-benchmark -n $n -c $clients -P $depth $*: $rps rps"
  workloads+=("$name:$depth:$clients:$n=$rps")
}
run_peer 16 50 "$requests"
run_peer 1 50 "$requests"
run_peer 1 1 $((requests / 10))
# The EMA script runs on 256 record keys (-r 256: __rand_int__ is drawn below 256) of one subnet, as the store does.
for depth in 16 1; do
  rps=$(redis-benchmark -p "$port" -n "$((requests / 2))" -c 50 -P "$depth" -r 256 -q \
    EVALSHA "$sha" 2 'bench:{s1}:score:__rand_int__' 'bench:{s1}:scores' hk 0.5 0.1 1 7 | rps_of)
  echo "redis-benchmark -n $((requests / 2)) -c 50 -P $depth -r 256 EVALSHA <ema> ...: $rps rps"
  workloads+=("EMA:$depth:50:$((requests / 2))=$rps")
  run_custom NX "$depth" 50 "$((requests / 2))" SET 'bench:used:x:__rand_int__' 1 NX PX 60000
done

echo "StackExchange.Redis: one multiplexer shared by the c logical clients; then the embedded file store (durable updates/s)"
"${bench[@]}" "$port" "${workloads[@]}"
echo "server-side script calls: $(redis-cli -p "$port" info commandstats | grep -E '^cmdstat_eval' | cut -d, -f1 | tr '\r\n' '  ')"
echo "(measured on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); other jobs share this machine)"
