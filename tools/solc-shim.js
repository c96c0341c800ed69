#!/usr/bin/env node
// A stand-in for the native solc binary, for forge (which cannot download solc here).
// `--version` answers like native solc; anything else reads standard JSON on stdin, compiles it
// with solc-js and writes standard JSON on stdout. Path flags are accepted and used only to
// resolve imports that forge did not inline.
'use strict';
const fs = require('fs');
const path = require('path');

const solc = require(path.join(__dirname, '..', '.tools', 'npm', 'node_modules', 'solc'));
const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write('solc, the solidity compiler commandline interface\nVersion: ' + solc.version() + '\n');
  process.exit(0);
}

// Roots to resolve imports from: --base-path, --include-path and --allow-paths values, then cwd.
const roots = [];
for (let i = 0; i < args.length; i++) {
  if (['--base-path', '--include-path', '--allow-paths'].includes(args[i]) && i + 1 < args.length) {
    roots.push(...args[i + 1].split(','));
    i++;
  }
}
roots.push(process.cwd());

function findImports(importPath) {
  for (const candidate of [importPath, ...roots.map((r) => path.join(r, importPath))]) {
    try {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    } catch {
      // try the next root
    }
  }
  return { error: 'File not found: ' + importPath };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
