// A grpc-js miner-shaped server, the real third-party peer for our client (interop tests and the bench).
// Usage: node grpc-js-peer.mjs <proto-root>   prints "listening <port>" once bound on 127.0.0.1.
// Forward behaves by task name: "echo" returns the inputs, "fail:<code>:<msg>" ends with that status,
// "sleep:<ms>" waits first, "metadata" echoes x-echo into response headers and trailers.
// /bench.Raw/Echo echoes raw bytes (no protobuf work) for the benchmark.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoRoot = process.argv[2];
if (!protoRoot) {
  console.error('usage: grpc-js-peer.mjs <proto-root>');
  process.exit(2);
}

const definition = protoLoader.loadSync('intelligence/v1/miner.proto', {
  includeDirs: [protoRoot],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
});
const proto = grpc.loadPackageDefinition(definition).intelligence.v1;

function forward(call, callback) {
  const task = call.request.task;
  const finish = () => {
    if (task.startsWith('fail:')) {
      const [, code, message] = task.split(':');
      callback({ code: Number(code), details: message });
      return;
    }
    const echo = call.metadata.get('x-echo');
    if (echo.length > 0) {
      const headers = new grpc.Metadata();
      headers.set('x-echo-header', String(echo[0]));
      call.sendMetadata(headers);
      const trailers = new grpc.Metadata();
      trailers.set('x-echo-trailer', String(echo[0]));
      callback(null, { outputs: call.request.inputs, timing: { totalUs: 1 } }, trailers);
      return;
    }
    callback(null, { outputs: call.request.inputs, timing: { totalUs: 1 } });
  };
  if (task.startsWith('sleep:')) {
    setTimeout(finish, Number(task.slice(6)));
  } else {
    finish();
  }
}

function forwardStream(call) {
  for (const input of call.request.inputs) {
    call.write({ outputs: [input] });
  }
  call.end();
}

const server = new grpc.Server();
server.addService(proto.Miner.service, {
  forward,
  forwardStream,
  health: (_call, callback) => callback(null, { model: 'grpc-js-peer', protocolVersion: 1 }),
});
const identity = (b) => b;
server.register('/bench.Raw/Echo', (call, callback) => callback(null, call.request), identity, identity, 'unary');

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log(`listening ${port}`);
});

const stop = () => server.tryShutdown(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Exit when the parent closes our stdin, so a crashed test never leaves us running.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
