// The committed C# bindings (src/Intelligence.Chain/Contracts/Generated) must be what the binding generator makes
// from the contracts as they are now: a contract change without regenerating fails here, not on a devnet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = process.env.INTELLIGENCE_TOOLS_DIR ?? join(root, '.tools');
const committed = join(root, 'src', 'Intelligence.Chain', 'Contracts', 'Generated');
const generator = join(root, 'tools', 'Intelligence.Chain.BindingGen', 'bin', 'Release', 'net10.0', 'Intelligence.Chain.BindingGen.dll');
const contracts = ['Network', 'NetworkViews', 'IntelligenceToken', 'Yuma'];

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 300_000, maxBuffer: 32 << 20, ...opts }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test('generated contract bindings match the contracts', { timeout: 600_000 }, async () => {
  // forge and dotnet skip the work when their outputs are current (tools/test.sh has built both by now).
  await run(join(tools, 'bin', 'forge'), ['build'], { cwd: join(root, 'contracts') });
  if (!existsSync(generator)) {
    await run('dotnet', ['build', join(root, 'tools', 'Intelligence.Chain.BindingGen'), '-c', 'Release', '-nologo']);
  }

  const fresh = mkdtempSync(join(tmpdir(), 'bindings-'));
  try {
    await run('dotnet', [generator, join(root, 'contracts', 'out'), fresh, ...contracts]);
    const want = readdirSync(fresh).sort();
    assert.deepEqual(readdirSync(committed).sort(), want, 'the Generated folder holds exactly the generated files');
    for (const file of want) {
      const same = readFileSync(join(committed, file), 'utf8') === readFileSync(join(fresh, file), 'utf8');
      assert.ok(same, `${file} is stale: regenerate with tools/Intelligence.Chain.BindingGen (docs/chain.md)`);
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});
