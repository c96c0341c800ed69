// A @grpc/grpc-js client driven by the .NET tests and the bench (real peer for our server).
// Usage: node grpc-js-client.mjs '<json spec>'
//   {"mode":"call","address":"127.0.0.1:PORT","path":"/pkg.Svc/Method","body":"<base64>",
//    "metadata":{"k":"v"},"deadlineMs":1000}
//     prints: result {"code":0,"details":"","response":"<base64>","headers":{...},"trailers":{...}}
//   {"mode":"bench","address":...,"path":...,"body":"<base64>" | "requestsFile":"<jsonl of {body,metadata}>",
//    "concurrency":64,"seconds":3,"warmupSeconds":1}
//     prints: bench {"requests":N,"errors":N,"seconds":S,"p50Ms":x,"p99Ms":y,"firstError":"..."}
// Messages are sent as raw bytes (identity serializers), so the body is exactly what the caller signed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');

const spec = JSON.parse(process.argv[2]);
const identity = (b) => b;
const client = new grpc.Client(spec.address, grpc.credentials.createInsecure(), {
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
});

function metadataOf(obj) {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(obj ?? {})) {
    md.set(k, k.endsWith('-bin') ? Buffer.from(v, 'base64') : String(v));
  }
  return md;
}

function plain(md) {
  const out = {};
  for (const [k, v] of Object.entries(md?.getMap() ?? {})) {
    out[k] = Buffer.isBuffer(v) ? v.toString('base64') : String(v);
  }
  return out;
}

async function callWithTrailers(body, metadata, deadlineMs) {
  // Unary callbacks fire before or after 'status'; collect both, then report trailers from 'status'.
  return new Promise((resolve) => {
    let headers = {};
    let result = null;
    let trailers = null;
    const done = () => { if (result && trailers) resolve({ ...result, headers, trailers }); };
    const options = deadlineMs ? { deadline: new Date(Date.now() + deadlineMs) } : {};
    const c = client.makeUnaryRequest(spec.path, identity, identity, body, metadataOf(metadata), options, (err, response) => {
      result = err ? { code: err.code, details: err.details, response: null } : { code: 0, details: '', response };
      if (err && !trailers) trailers = plain(err.metadata);
      done();
    });
    c.on('metadata', (md) => { headers = plain(md); });
    c.on('status', (s) => { trailers = plain(s.metadata); done(); });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function bench() {
  const fixed = spec.body ? Buffer.from(spec.body, 'base64') : null;
  const signed = spec.requestsFile
    ? readFileSync(spec.requestsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((r) => ({ body: Buffer.from(r.body, 'base64'), metadata: r.metadata }))
    : null;
  let next = 0;
  const take = () => (signed ? (next < signed.length ? signed[next++] : null) : { body: fixed, metadata: {} });
  const latencies = [];
  let errors = 0;
  let firstError = '';
  let measuring = false;
  const warmupEnd = Date.now() + (spec.warmupSeconds ?? 1) * 1000;
  let start = 0;
  let end = 0;
  const worker = async () => {
    for (;;) {
      const now = Date.now();
      if (!measuring && now >= warmupEnd) { measuring = true; start = process.hrtime.bigint(); end = now + spec.seconds * 1000; }
      if (measuring && now >= end) return;
      const req = take();
      if (!req) return;
      const t0 = process.hrtime.bigint();
      const r = await new Promise((resolve) => {
        client.makeUnaryRequest(spec.path, identity, identity, req.body, metadataOf(req.metadata), { deadline: new Date(Date.now() + 10000) },
          (err) => resolve(err));
      });
      const t1 = process.hrtime.bigint();
      if (measuring && t0 >= start) {
        if (r) { errors++; if (!firstError) firstError = `${r.code} ${r.details}`; } else { latencies.push(Number(t1 - t0) / 1e6); }
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), exhausted: signed ? next >= signed.length : false, firstError };
}

if (spec.mode === 'bench') {
  const r = await bench();
  console.log('bench ' + JSON.stringify(r));
} else {
  const r = await callWithTrailers(Buffer.from(spec.body ?? '', 'base64'), spec.metadata, spec.deadlineMs);
  console.log('result ' + JSON.stringify({ ...r, response: r.response ? r.response.toString('base64') : null }));
}
client.close();
