#!/usr/bin/env bash
# Benchmark: redis-benchmark's SET/GET figures next to Intelligence.State doing the same work
# (3-byte values, 200,000 requests, 50 clients) pipelined 16 deep and one at a time.
# Usage: tools/bench-state.sh [requests] [clients]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests="${1:-200000}"
clients="${2:-50}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install the Debian redis-server and redis-tools packages"; exit 1; }
done

dotnet build "$root/tools/bench/StateBench/StateBench.csproj" -c Release -nologo -v q -clp:ErrorsOnly

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize no --logfile "$dir/redis.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

peer=()
for depth in 16 1; do
  echo "redis-benchmark -t set,get -n $requests -c $clients -P $depth -q"
  out=$(redis-benchmark -p "$port" -t set,get -n "$requests" -c "$clients" -P "$depth" -q | tr '\r' '\n' | grep -E '^(SET|GET): [0-9.]+ requests per second' )
  echo "$out" | sed 's/^/  /'
  for op in SET GET; do
    rps=$(echo "$out" | grep "^$op:" | tail -n 1 | awk '{print $2}')
    peer+=("${op}_P${depth}_c${clients}=${rps}")
  done
done

echo "Intelligence.State (one multiplexed connection; c logical clients)"
dotnet "$root/tools/bench/StateBench/bin/Release/net10.0/StateBench.dll" "$port" "$requests" "$clients" "${peer[@]}"
echo "(figures from $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); the machine may be shared)"
