#!/usr/bin/env bash
# The most complete thing the project runs today, in one command (docs/devnet.md):
#   1. tools/bootstrap.sh (toolchain into .tools/)   2. dotnet build Intelligence.sln -c Release
#   3. anvil on a free loopback port                  4. contracts/script/Deploy.s.sol -> addresses JSON
#   5. intelligence devnet demo: a subnet with validators and miners driven through the C# chain client,
#      every epoch replayed by Intelligence.Consensus ("parity: ok", or exit 3 on a difference)
# anvil is stopped on exit, whatever happens. Extra arguments go to `intelligence devnet demo`
# (e.g. --validators 3 --miners 8 --rounds 3). DEVNET_SKIP_BOOTSTRAP=1 / DEVNET_SKIP_BUILD=1 skip steps 1 / 2.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
# anvil's first default account (mnemonic "test test ... junk"): a public test key that deploys the contracts.
deployer_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
# A full 256-UID x 64-validator epoch in one transaction costs ~51M gas (docs/contracts.md): above anvil's 30M default.
gas_limit=100000000

step() { printf '\n==> %s\n' "$*"; }

anvil_pid=""
addresses_rel=""
cleanup() {
  local rc=$?
  if [ -n "$anvil_pid" ] && kill -0 "$anvil_pid" 2>/dev/null; then
    kill "$anvil_pid" 2>/dev/null || true
    wait "$anvil_pid" 2>/dev/null || true
    echo "anvil stopped"
  fi
  [ -n "$addresses_rel" ] && rm -f "$root/contracts/$addresses_rel"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${DEVNET_SKIP_BOOTSTRAP:-0}" != 1 ]; then
  step "bootstrap"
  "$root/tools/bootstrap.sh"
fi
if [ "${DEVNET_SKIP_BUILD:-0}" != 1 ]; then
  step "build (Release)"
  dotnet build "$root/Intelligence.sln" -c Release -nologo -clp:ErrorsOnly
fi

step "anvil"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  port_free "$port" || continue
  "$bin/anvil" --host 127.0.0.1 --port "$port" --gas-limit "$gas_limit" --silent &
  anvil_pid=$!
  rpc="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do   # up to 30 s
    kill -0 "$anvil_pid" 2>/dev/null || break
    "$bin/cast" chain-id --rpc-url "$rpc" >/dev/null 2>&1 && break 2
    sleep 0.1
  done
  kill "$anvil_pid" 2>/dev/null || true
  wait "$anvil_pid" 2>/dev/null || true
  anvil_pid=""
done
if [ -z "$anvil_pid" ]; then
  echo "error: anvil did not start on a free loopback port" >&2
  exit 1
fi
echo "$("$bin/anvil" --version | head -n 1) at $rpc (pid $anvil_pid, block gas limit $gas_limit)"

step "deploy (contracts/script/Deploy.s.sol)"
addresses_rel="deployments/devnet-$port.json"
(cd "$root/contracts" && PRIVATE_KEY=$deployer_key ADDRESSES_OUT="$addresses_rel" \
  "$bin/forge" script script/Deploy.s.sol --rpc-url "$rpc" --broadcast --silent)
mkdir -p "$root/.devnet"
addresses="$root/.devnet/addresses.json"
cp "$root/contracts/$addresses_rel" "$addresses"
cat "$addresses"; echo

step "intelligence devnet demo"
dotnet "$root/src/Intelligence.Cli/bin/Release/net10.0/intelligence.dll" devnet demo --rpc "$rpc" --addresses "$addresses" "$@"
