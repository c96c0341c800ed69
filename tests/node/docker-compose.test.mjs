// docker-compose.yml cannot be run here (no Docker engine), so its content is checked instead:
// the services it names, loopback-only ports, and tool versions pinned the same as tools/npm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const toolchain = JSON.parse(readFileSync(join(root, 'tools', 'npm', 'package.json'), 'utf8'));

// Top-level keys of `services:`: lines indented by exactly two spaces inside that block.
function services(text) {
  const block = text.split(/^services:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...block.matchAll(/^ {2}([a-z0-9-]+):\s*$/gm)].map((m) => m[1]);
}

test('docker-compose.yml declares every part of the network', () => {
  // The file is checked in depth (build contexts, binaries, flags, configuration keys) by
  // tests/Intelligence.Cli.Tests; here: the parts of a network are all there.
  const names = services(compose);
  for (const part of ['anvil', 'deployer', 'redis', 'otel-collector', 'explorer']) assert.ok(names.includes(part), `no ${part} service`);
  assert.ok(names.some((n) => n.startsWith('miner')), 'no miner service');
  assert.ok(names.some((n) => n.startsWith('validator')), 'no validator service');
});

test('every published port binds to loopback only', () => {
  const ports = [...compose.matchAll(/^\s+- "([^"]+)"\s*$/gm)].map((m) => m[1]).filter((p) => /:\d+$/.test(p));
  assert.ok(ports.length >= 2, 'expected published ports');
  for (const p of ports) assert.match(p, /^127\.0\.0\.1:\d+:\d+$/, `port ${p} must bind 127.0.0.1`);
});

test('anvil in compose is the version bootstrap installs', () => {
  const pinned = toolchain.dependencies['@foundry-rs/anvil-linux-amd64'];
  const inCompose = compose.match(/@foundry-rs\/anvil-linux-amd64@([0-9.]+)/)?.[1];
  assert.equal(inCompose, pinned);
});
