// Deploys the contracts to a fresh anvil with contracts/script/Deploy.s.sol and checks the addresses
// file and the deployed wiring with cast. Starts anvil on a free loopback port and stops it after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = process.env.INTELLIGENCE_TOOLS_DIR ?? join(root, '.tools');
const bin = (name) => join(tools, 'bin', name);

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 240_000, maxBuffer: 32 << 20, ...opts }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForRpc(url, deadlineMs) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      await run(bin('cast'), ['block-number', '--rpc-url', url], { timeout: 5_000 });
      return;
    } catch (e) {
      if (Date.now() > until) throw new Error(`anvil did not answer at ${url}: ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('Deploy.s.sol deploys to a fresh anvil and writes a usable addresses file', { timeout: 300_000 }, async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const anvil = spawn(bin('anvil'), ['--port', String(port), '--silent'], { stdio: 'ignore' });
  const out = `deployments/test-${process.pid}.json`;
  try {
    await waitForRpc(url, 30_000);
    const pk = '0x' + createHash('sha256').update(`deploy-test-${process.pid}`).digest('hex');
    const deployer = await run(bin('cast'), ['wallet', 'address', '--private-key', pk]);
    await run(bin('cast'), ['rpc', '--rpc-url', url, 'anvil_setBalance', deployer, '0x56BC75E2D63100000']);

    await run(bin('forge'), ['script', 'script/Deploy.s.sol', '--rpc-url', url, '--broadcast'], {
      cwd: join(root, 'contracts'),
      env: { ...process.env, PRIVATE_KEY: pk, ADDRESSES_OUT: out, PATH: `${join(tools, 'bin')}:${process.env.PATH}` },
    });
    const addresses = JSON.parse(readFileSync(join(root, 'contracts', out), 'utf8'));
    assert.equal(addresses.chainId, 31337);
    for (const k of ['network', 'token', 'yuma', 'views']) assert.match(addresses[k], /^0x[0-9a-fA-F]{40}$/, k);

    const call = (to, sig, ...args) => run(bin('cast'), ['call', '--rpc-url', url, to, sig, ...args]);
    assert.equal((await call(addresses.network, 'token()(address)')).toLowerCase(), addresses.token.toLowerCase());
    assert.equal((await call(addresses.network, 'yuma()(address)')).toLowerCase(), addresses.yuma.toLowerCase());
    assert.equal((await call(addresses.network, 'views()(address)')).toLowerCase(), addresses.views.toLowerCase());
    assert.equal((await call(addresses.token, 'minter()(address)')).toLowerCase(), addresses.network.toLowerCase());
    assert.equal(await call(addresses.token, 'totalSupply()(uint256)'), '0');

    // The deployment is live: create the first (free) subnet and read it back through the views.
    await run(bin('cast'), ['send', '--rpc-url', url, '--private-key', pk, addresses.network, 'createSubnet(uint256)', '0']);
    assert.equal(await call(addresses.network, 'subnetCount()(uint16)'), '1');
    const owner = await call(addresses.network, 'getSubnet(uint16)((uint16,address,uint16,uint64,uint64,uint64,uint256,uint256,(uint32,uint32,uint32,uint32,uint16,uint16,uint32,uint32,uint16,uint32,bool,uint32,uint128,uint128,uint128)))', '0');
    assert.ok(owner.toLowerCase().includes(deployer.toLowerCase()), `subnet owner in ${owner}`);
  } finally {
    anvil.kill('SIGTERM');
    rmSync(join(root, 'contracts', out), { force: true });
  }
});
