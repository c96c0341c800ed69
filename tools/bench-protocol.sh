#!/usr/bin/env bash
# Protocol benchmark: ours-ours, ours server + grpc-js client, grpc-js server + our client (and grpc-js-grpc-js as the
# peer baseline), unary 1 KiB Forward at concurrency 1 and 64 on loopback h2c, unsigned and signed, in one table.
# Usage: tools/bench-protocol.sh [--seconds 3] [--warmup 1] [--quick]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export INTELLIGENCE_TOOLS_DIR="${INTELLIGENCE_TOOLS_DIR:-$root/.tools}"
dotnet build "$root/tools/Intelligence.Protocol.Bench" -c Release -nologo -clp:ErrorsOnly >/dev/null
exec dotnet "$root/tools/Intelligence.Protocol.Bench/bin/Release/net10.0/protocol-bench.dll" bench "$@"
