// A standard gRPC client (@grpc/grpc-js + @grpc/proto-loader, given only our .proto) calls our Kestrel server,
// started as a real process from the Release build (tools/test.sh builds first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const protoRoot = path.join(root, 'src/Intelligence.Protocol/Protos');
const serverDll = path.join(root, 'tools/Intelligence.Protocol.Bench/bin/Release/net10.0/protocol-bench.dll');
const TIMEOUT = 30_000;

let server;
let client;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]);
}

before(async () => {
  assert.ok(existsSync(serverDll), `build first: ${serverDll} is missing (dotnet build -c Release)`);
  server = spawn('dotnet', [serverDll, 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await withTimeout(new Promise((resolve, reject) => {
    let buffered = '';
    server.stdout.on('data', (chunk) => {
      buffered += chunk;
      const m = buffered.match(/listening (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  }), TIMEOUT, 'server start');
  const definition = protoLoader.loadSync('intelligence/v1/miner.proto', { includeDirs: [protoRoot], longs: String, enums: String, defaults: true });
  const proto = grpc.loadPackageDefinition(definition).intelligence.v1;
  client = new proto.Miner(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, { timeout: TIMEOUT + 5000 });

after(() => {
  client?.close();
  server?.stdin.end();
  server?.kill('SIGTERM');
});

function forward(request, metadata = new grpc.Metadata(), options = {}) {
  // Resolves once both the callback and the final status (with trailers) have arrived.
  return withTimeout(new Promise((resolve) => {
    let headers = null;
    let result = null;
    let status = null;
    const done = () => { if (result && status) resolve({ ...result, headers, status }); };
    const call = client.forward(request, metadata, options, (err, response) => { result = { err, response }; done(); });
    call.on('metadata', (md) => { headers = md; });
    call.on('status', (s) => { status = s; done(); });
  }), TIMEOUT, 'forward');
}

test('unary Forward echoes a float32 tensor', async () => {
  const data = Buffer.alloc(16);
  [1.5, -2, 3.25, 0].forEach((v, i) => data.writeFloatLE(v, i * 4));
  const { err, response } = await forward({ netuid: 1, task: 'echo', inputs: [{ name: 'x', dtype: 'DATA_TYPE_FLOAT32', shape: [2, 2], data }] });
  assert.equal(err, null);
  const out = response.outputs[0];
  assert.equal(out.dtype, 'DATA_TYPE_FLOAT32');
  assert.deepEqual(out.shape.map(Number), [2, 2]);
  assert.equal(out.data.readFloatLE(8), 3.25);
});

test('error status and message reach grpc-js', async () => {
  const { err } = await forward({ task: 'fail:5:no such model' });
  assert.equal(err.code, grpc.status.NOT_FOUND);
  assert.equal(err.details, 'no such model');
});

test('deadline is enforced', async () => {
  const { err } = await forward({ task: 'sleep:5000' }, new grpc.Metadata(), { deadline: new Date(Date.now() + 300) });
  assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
});

test('metadata flows into headers and trailers', async () => {
  const md = new grpc.Metadata();
  md.set('x-echo', 'node');
  const { err, headers, status } = await forward({ task: 'echo' }, md);
  assert.equal(err, null);
  assert.equal(headers.get('x-echo-header')[0], 'node');
  assert.equal(status.metadata.get('x-echo-trailer')[0], 'node');
});

test('Health answers', async () => {
  const response = await withTimeout(new Promise((resolve, reject) => client.health({}, (err, r) => (err ? reject(err) : resolve(r)))), TIMEOUT, 'health');
  assert.equal(response.model, 'test');
  assert.equal(response.protocolVersion, 1);
});

test('gzip-compressed requests from grpc-js are accepted', async () => {
  const definition = protoLoader.loadSync('intelligence/v1/miner.proto', { includeDirs: [protoRoot], longs: String, enums: String, defaults: true });
  const proto = grpc.loadPackageDefinition(definition).intelligence.v1;
  // Compression algorithm 2 = gzip in grpc-js.
  const gzipClient = new proto.Miner(client.getChannel().getTarget().replace(/^dns:/, ''), grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  try {
    const data = Buffer.alloc(8192, 7);
    const response = await withTimeout(new Promise((resolve, reject) =>
      gzipClient.forward({ task: 'echo', inputs: [{ name: 'z', dtype: 'DATA_TYPE_UINT8', shape: [8192], data }] }, (err, r) => (err ? reject(err) : resolve(r)))), TIMEOUT, 'gzip forward');
    assert.equal(response.outputs[0].data.length, 8192);
    assert.equal(response.outputs[0].data[100], 7);
  } finally {
    gzipClient.close();
  }
});

test('server reflection lists the services to a client we did not write, which then calls Health without our .proto', async () => {
  // grpc-js-reflection-client (npm) over grpc.reflection.v1alpha, the version grpc-dotnet serves.
  const { GrpcReflection } = require('grpc-js-reflection-client');
  const target = client.getChannel().getTarget().replace(/^dns:/, '');
  const reflection = new GrpcReflection(target, grpc.credentials.createInsecure());
  const services = await withTimeout(reflection.listServices(), TIMEOUT, 'listServices');
  for (const name of ['intelligence.v1.Miner', 'grpc.health.v1.Health', 'grpc.reflection.v1alpha.ServerReflection']) {
    assert.ok(services.includes(name), `${name} missing from ${JSON.stringify(services)}`);
  }

  const methods = await withTimeout(reflection.listMethods('intelligence.v1.Miner'), TIMEOUT, 'listMethods');
  assert.deepEqual(methods.map((m) => m.name).sort(), ['Forward', 'ForwardStream', 'Health']);

  // The descriptor the server sent is enough to build a working client.
  const descriptor = await withTimeout(reflection.getDescriptorBySymbol('intelligence.v1.Miner'), TIMEOUT, 'getDescriptorBySymbol');
  const reflected = descriptor.getPackageObject({ longs: String, enums: String, defaults: true }).intelligence.v1;
  const reflectedClient = new reflected.Miner(target, grpc.credentials.createInsecure());
  try {
    const response = await withTimeout(new Promise((resolve, reject) => reflectedClient.health({}, (err, r) => (err ? reject(err) : resolve(r)))), TIMEOUT, 'reflected health');
    assert.equal(response.model, 'test');
  } finally {
    reflectedClient.close();
  }
});

test('grpc.health.v1 answers SERVING through a client built from reflection', async () => {
  const { GrpcReflection } = require('grpc-js-reflection-client');
  const target = client.getChannel().getTarget().replace(/^dns:/, '');
  const reflection = new GrpcReflection(target, grpc.credentials.createInsecure());
  const descriptor = await withTimeout(reflection.getDescriptorBySymbol('grpc.health.v1.Health'), TIMEOUT, 'health descriptor');
  const health = descriptor.getPackageObject({ enums: String, defaults: true }).grpc.health.v1;
  const healthClient = new health.Health(target, grpc.credentials.createInsecure());
  try {
    const response = await withTimeout(new Promise((resolve, reject) => healthClient.check({ service: '' }, (err, r) => (err ? reject(err) : resolve(r)))), TIMEOUT, 'health check');
    assert.equal(response.status, 'SERVING');
  } finally {
    healthClient.close();
  }
});
