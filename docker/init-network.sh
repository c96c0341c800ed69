#!/bin/sh
# Run once by the compose `init` service (the CLI image): wallets, the digits subnet, registrations, stake and gas
# money, all with the CLI's own commands, so the miners and validators find a ready subnet. The coldkey is anvil's
# second default account (a public test key: local chains only). Idempotent enough to re-run on a fresh chain.
set -eu
I="dotnet /app/intelligence.dll --rpc $RPC_URL --addresses /deploy/addresses.json --wallets /wallets --password-file /wallets/password --yes"
test -f /wallets/password || { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > /wallets/password; echo >> /wallets/password; }
if [ ! -d /wallets/devnet ]; then
  echo 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d > /tmp/dev.key
  $I wallet import --private-key-file /tmp/dev.key --wallet devnet
  rm -f /tmp/dev.key
  for h in validator-digits-1 miner-digits-1 miner-digits-2; do $I wallet new-hotkey "$h" --wallet devnet; done
fi
$I subnet create --wallet devnet
$I subnet hparams set 0 --set tempo=10 weights_rate_limit=5 reveal_period=2 max_validators=1 --wallet devnet
# The first epoch of an empty subnet pays its owner: INTL for the burns and the validator's stake.
until $I epoch run 0 --wallet devnet; do sleep 2; done
# The address of a hotkey of the devnet wallet, from `wallet list --json`.
hotkey_address() { $I wallet list --json | tr -d ' \n' | sed "s/.*\"$1\":\"\(0x[0-9a-fA-F]*\)\".*/\1/"; }
for h in validator-digits-1 miner-digits-1 miner-digits-2; do
  $I register 0 --wallet devnet --hotkey "$h"
  addr=$(hotkey_address "$h")
  $I wallet transfer "$addr" 10 --eth --wallet devnet
done
$I stake add 0 5 --wallet devnet --hotkey validator-digits-1
echo "init: subnet 0 (digits) ready"
