#!/usr/bin/env node
// Feeds consensus cases to the forge parity tests (through vm.ffi) as ABI-encoded uint256[] hex.
//   golden NAME          tests/fixtures/consensus/NAME.json + NAME.expected.json
//   random SEED COUNT [yuma3]
//                        COUNT seeded random cases (up to 256 UIDs x 64 validators; Yuma3 bonds when
//                        the third argument is `yuma3`), each run through the C# twin:
//                        `intelligence epoch simulate --input case.json --format json`
// Output layout (all uint256 words): number of cases, then per case: its word count, the case
// (see encodeCase) and the expected result (see encodeExpected). Layout mirrors ParityBase.sol.
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const fixtures = join(root, 'tests', 'fixtures', 'consensus');

const PPM_DEFAULTS = { kappa: 500000, bondsMovingAverage: 900000, bondsPenalty: 1000000, ownerCut: 180000 };

function ppm(v, name) {
  if (v === undefined) return BigInt(PPM_DEFAULTS[name]);
  const x = Math.round(Number(v) * 1e6);
  if (Math.abs(x - Number(v) * 1e6) > 1e-6) throw new Error(`${name}: ${v} is not a ppm decimal`);
  return BigInt(x);
}

function packRows(matrix, n) {
  // matrix: {"i": {"j": u16}} -> Map uid -> packed words
  const words = Math.ceil(n / 16);
  const rows = new Map();
  for (const [i, row] of Object.entries(matrix ?? {})) {
    const packed = new Array(words).fill(0n);
    for (const [j, v] of Object.entries(row)) {
      const col = Number(j);
      packed[col >> 4] |= BigInt(v) << BigInt((col & 15) * 16);
    }
    rows.set(Number(i), packed);
  }
  return rows;
}

function encodeCase(c) {
  const h = c.hyperparameters ?? {};
  const n = c.neurons.length;
  const byUid = [...c.neurons].sort((a, b) => a.uid - b.uid);
  const out = [BigInt(n), BigInt(c.block), BigInt(c.emission),
    ppm(h.kappa, 'kappa'), ppm(h.bondsMovingAverage, 'bondsMovingAverage'), ppm(h.bondsPenalty, 'bondsPenalty'),
    ppm(h.ownerCut, 'ownerCut'), BigInt(h.maxValidators ?? 64), BigInt(h.activityCutoff ?? 5000),
    BigInt(h.stakeThreshold ?? '0'), BigInt(h.tempo ?? 360), h.yuma3 ? 1n : 0n];
  for (const x of byUid) out.push(BigInt(x.stake));
  for (const x of byUid) out.push(BigInt(x.lastUpdate));
  for (const x of byUid) out.push(BigInt(x.registeredAt));
  for (const m of [c.weights, c.bonds]) {
    const rows = packRows(m, n);
    out.push(BigInt(rows.size));
    for (const [uid, packed] of [...rows.entries()].sort((a, b) => a[0] - b[0])) out.push(BigInt(uid), ...packed);
  }
  return out;
}

function encodeExpected(e, n) {
  const out = [BigInt(e.ownerEmission)];
  const byUid = [...e.neurons].sort((a, b) => a.uid - b.uid);
  if (byUid.length !== n) throw new Error('expected neurons length');
  for (const x of byUid) {
    const q = x.q32;
    out.push(x.active ? 1n : 0n, x.validatorPermit ? 1n : 0n, BigInt(q.stake), BigInt(q.activeStake), BigInt(q.rank),
      BigInt(q.consensus), BigInt(q.validatorTrust), BigInt(q.incentive), BigInt(q.dividends), BigInt(x.emission));
  }
  const words = Math.ceil(n / 16);
  const rows = packRows(e.bonds, n);
  for (let i = 0; i < n; i++) out.push(...(rows.get(i) ?? new Array(words).fill(0n)));
  return out;
}

function abiWords(words) {
  const hex = (v) => {
    if (v < 0n) throw new Error('negative');
    return v.toString(16).padStart(64, '0');
  };
  return '0x' + hex(32n) + hex(BigInt(words.length)) + words.map(hex).join('');
}

function bundle(cases) {
  const words = [BigInt(cases.length)];
  for (const [c, e] of cases) {
    const body = [...encodeCase(c), ...encodeExpected(e, c.neurons.length)];
    words.push(BigInt(body.length), ...body);
  }
  return abiWords(words);
}

// --- the C# twin ---------------------------------------------------------------------------------
function cli() {
  const dll = join(root, 'src', 'Intelligence.Cli', 'bin', 'Release', 'net10.0', 'intelligence.dll');
  if (!existsSync(dll)) {
    execFileSync('dotnet', ['build', join(root, 'src', 'Intelligence.Cli'), '-c', 'Release', '-nologo', '-v', 'q'],
      { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return dll;
}

// --- seeded random cases (xorshift64*) ------------------------------------------------------------
function rng(seed) {
  let s = BigInt(seed) * 0x9E3779B97F4A7C15n + 1n & 0xFFFFFFFFFFFFFFFFn;
  return (k) => {
    s ^= s >> 12n; s ^= (s << 25n) & 0xFFFFFFFFFFFFFFFFn; s ^= s >> 27n;
    const r = (s * 0x2545F4914F6CDD1Dn) & 0xFFFFFFFFFFFFFFFFn;
    return Number(r % BigInt(k));
  };
}

function randomCase(seed, yuma3) {
  const r = rng(seed);
  const big = seed % 25 === 0;
  const n = big ? 256 : 1 + r(256);
  const maxValidators = big ? 64 : 1 + r(Math.min(64, n));
  const block = 10000 + r(100000);
  const ppmPick = (choices) => choices[r(choices.length)];
  const hyper = {
    kappa: ppmPick([0.5, 0.5, 0.6, 0.25, 1, 0, 0.333333]),
    bondsMovingAverage: ppmPick([0.9, 0.9, 0.5, 0, 1, 0.975]),
    bondsPenalty: ppmPick([1, 1, 0.5, 0, 0.1]),
    ownerCut: ppmPick([0.18, 0.18, 0, 0.5, 1]),
    maxValidators, maxUids: 256,
    activityCutoff: ppmPick([5000, 5000, 100, 0, 1000000]),
    stakeThreshold: r(5) === 0 ? String(BigInt(r(1000)) * 10n ** 18n) : '0',
    // Registrations lie up to 20000 blocks back: a long tempo resets many old-bond columns.
    tempo: ppmPick([360, 360, 1, 5000, 20000]),
    yuma3,
  };
  const stakers = big ? 64 : r(n + 1);
  const neurons = [];
  for (let uid = 0; uid < n; uid++) {
    const staked = uid < stakers && r(8) !== 0;
    const stake = staked ? (BigInt(1 + r(1000000)) * 10n ** BigInt(12 + r(9))).toString() : '0';
    const registeredAt = block - 1 - r(20000);
    const lastUpdate = r(6) === 0 ? registeredAt + r(10) : block - r(8000);
    neurons.push({ uid, stake, lastUpdate: Math.max(0, lastUpdate), registeredAt: Math.max(0, registeredAt) });
  }
  // Shuffle order so the reader's UID sort is exercised.
  for (let i = neurons.length - 1; i > 0; i--) { const j = r(i + 1); [neurons[i], neurons[j]] = [neurons[j], neurons[i]]; }
  const weights = {};
  const bonds = {};
  const rows = big ? 64 : Math.min(n, r(70));
  const density = big ? 1 : [0.05, 0.3, 1][r(3)];
  for (let t = 0; t < rows; t++) {
    const i = big ? t : r(n);
    const w = {};
    const b = {};
    for (let j = 0; j < n; j++) {
      if (r(1000) < density * 1000) w[j] = r(5) === 0 ? 65535 : r(65536);
      if (r(3) === 0) b[j] = r(65536);
    }
    if (Object.keys(w).length) weights[i] = w;
    if (Object.keys(b).length && r(2) === 0) bonds[i] = b;
  }
  const emission = (BigInt(r(1000000)) * 10n ** BigInt(r(19)) + BigInt(r(1000))).toString();
  return { hyperparameters: hyper, block, emission, neurons, weights, bonds };
}

const [mode, a, b, variant] = process.argv.slice(2);
if (mode === 'golden') {
  const c = JSON.parse(readFileSync(join(fixtures, `${a}.json`), 'utf8'));
  const e = JSON.parse(readFileSync(join(fixtures, `${a}.expected.json`), 'utf8'));
  process.stdout.write(bundle([[c, e]]));
} else if (mode === 'random') {
  const seed0 = Number(a);
  const count = Number(b);
  const dll = cli();
  const dir = mkdtempSync(join(tmpdir(), 'parity-'));
  try {
    const cases = [];
    for (let s = seed0; s < seed0 + count; s++) {
      const c = randomCase(s, variant === 'yuma3');
      const file = join(dir, `case-${s}.json`);
      writeFileSync(file, JSON.stringify(c));
      const out = execFileSync('dotnet', [dll, 'epoch', 'simulate', '--input', file, '--format', 'json'],
        { encoding: 'utf8', maxBuffer: 64 << 20 });
      cases.push([c, JSON.parse(out)]);
    }
    process.stdout.write(bundle(cases));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  process.stderr.write('usage: cases.mjs golden NAME | random SEED COUNT [yuma3]\n');
  process.exit(2);
}
