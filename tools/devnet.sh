#!/usr/bin/env bash
# One command for a whole local network (docs/devnet.md):
#   1. tools/bootstrap.sh (toolchain into .tools/; installs nothing when it is complete)
#   2. dotnet build -c Release of the CLI and the binaries the devnet starts (miner, validator, explorer)
#   3. intelligence devnet up "$@"   (anvil, contracts, wallets, subnets, models, miners, validators, live table)
# Arguments go to `intelligence devnet up` (e.g. --epochs 2 --fresh --subnets digits --miners 2).
# DEVNET_SKIP_BOOTSTRAP=1 / DEVNET_SKIP_BUILD=1 skip steps 1 / 2.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '==> %s\n' "$*"; }
elapsed() { echo "$(( $(date +%s) - start )) s"; }
start=$(date +%s)

if [ "${DEVNET_SKIP_BOOTSTRAP:-0}" != 1 ]; then
  step "bootstrap (toolchain into .tools/)"
  "$root/tools/bootstrap.sh" | sed 's/^/    /'
fi

if [ "${DEVNET_SKIP_BUILD:-0}" != 1 ]; then
  projects=(src/Intelligence.Cli)
  for p in src/Intelligence.Miner src/Intelligence.Validator src/Intelligence.Explorer; do
    [ -d "$root/$p" ] && projects+=("$p")
  done
  for p in "${projects[@]}"; do
    step "build $p (Release; about a minute the first time, seconds after)"
    dotnet build "$root/$p" -c Release -nologo -v quiet -clp:ErrorsOnly | sed 's/^/    /'
  done
  echo "    built in $(elapsed)"
fi

exec dotnet "$root/src/Intelligence.Cli/bin/Release/net10.0/intelligence.dll" devnet up "$@"
