#!/usr/bin/env bash
# Benchmark: redis-benchmark next to StackExchange.Redis (as the stores use it) doing the same work, row by row in one
# run: SET/GET of a 3-byte value on one key with 50 clients pipelined 16 deep (-P 16; also spread over a pool of 4
# multiplexers) and one at a time (-P 1), plus a single client one at a time (-c 1, pure round trip); the score-EMA
# script (256 uids of one subnet) and the replay-cache check (SET NX PX of a fresh key) at -P 16 and -P 1. Each row runs
# several rounds with the sides alternating; the table adds CPU per operation of each client and of redis-server.
# Then the embedded file store's durable score updates per second.
# Usage: tools/bench-state.sh [requests] [rounds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests="${1:-200000}"
rounds="${2:-3}"
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

echo "redis-server $(redis-server --version | grep -oE 'v=[0-9.]+'), redis-benchmark and StackExchange.Redis on 127.0.0.1:$port"
dotnet "$root/tools/Intelligence.State.Bench/bin/Release/net10.0/Intelligence.State.Bench.dll" "$port" --requests "$requests" --rounds "$rounds"
