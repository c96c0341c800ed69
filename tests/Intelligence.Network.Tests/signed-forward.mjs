// A third-party client of a miner: @grpc/grpc-js plus its own secp256k1/keccak code (js-sha3 + BigInt), no C#.
// It builds the request digest, signs it (EIP-191) with the caller's key, calls Forward with the three signing
// headers, and checks the miner's response signature by recovering the signer from the trailers.
// Usage: node signed-forward.mjs '{"address":"127.0.0.1:PORT","key":"0x..","miner":"0x..","chainId":N,"netuid":N,"body":"<base64 ForwardRequest>"}'
// Prints: result {"code":0,"details":"","caller":"0x..","recovered":"0x..","response":"<base64>"}
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const { keccak256 } = require('js-sha3');

const P = 2n ** 256n - 2n ** 32n - 977n;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const G = [0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n, 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n];

const mod = (a, m = P) => ((a % m) + m) % m;
function pow(b, e, m) { let r = 1n; b = mod(b, m); while (e > 0n) { if (e & 1n) r = (r * b) % m; b = (b * b) % m; e >>= 1n; } return r; }
const inv = (a, m = P) => pow(a, m - 2n, m);
function add(p, q) {
  if (!p) return q; if (!q) return p;
  if (p[0] === q[0] && mod(p[1] + q[1]) === 0n) return null;
  const l = p[0] === q[0] ? mod(3n * p[0] * p[0] * inv(2n * p[1])) : mod((q[1] - p[1]) * inv(q[0] - p[0]));
  const x = mod(l * l - p[0] - q[0]);
  return [x, mod(l * (p[0] - x) - p[1])];
}
function mul(k, p) { let r = null; while (k > 0n) { if (k & 1n) r = add(r, p); p = add(p, p); k >>= 1n; } return r; }

const hex = (b) => Buffer.from(b).toString('hex');
const big = (b) => BigInt('0x' + (hex(b) || '0'));
const bytes32 = (n) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
const keccak = (b) => Buffer.from(keccak256.arrayBuffer(b));
const addressOf = (q) => '0x' + hex(keccak(Buffer.concat([bytes32(q[0]), bytes32(q[1])])).subarray(12));
const eip191 = (digest) => keccak(Buffer.concat([Buffer.from('\x19Ethereum Signed Message:\n32', 'latin1'), digest]));

function sign(hash, d) {
  const z = big(hash);
  for (;;) {
    const k = mod(big(randomBytes(32)), N);
    if (k === 0n) continue;
    const R = mul(k, G);
    const r = mod(R[0], N);
    if (r === 0n) continue;
    let s = mod(inv(k, N) * (z + r * d), N, N);
    if (s === 0n) continue;
    let rec = Number(R[1] & 1n);
    if (s > N / 2n) { s = N - s; rec ^= 1; }
    return Buffer.concat([bytes32(r), bytes32(s), Buffer.from([27 + rec])]);
  }
}

function recover(hash, sig) {
  const r = big(sig.subarray(0, 32)); const s = big(sig.subarray(32, 64)); const rec = sig[64] - 27;
  const x = r;
  let y = pow(mod(x * x * x + 7n), (P + 1n) / 4n, P);
  if (Number(y & 1n) !== (rec & 1)) y = P - y;
  const ri = inv(r, N);
  const q = add(mul(mod(ri * s, N), [x, y]), mul(mod(N - mod(ri * big(hash), N), N), G));
  return addressOf(q);
}

function word(n) { return bytes32(BigInt(n)); }
function addressWord(a) { return Buffer.concat([Buffer.alloc(12), Buffer.from(a.slice(2), 'hex')]); }

const spec = JSON.parse(process.argv[2]);
const d = BigInt(spec.key);
const caller = addressOf(mul(d, G));
const body = Buffer.from(spec.body, 'base64');
const method = '/intelligence.v1.Miner/Forward';
const nonce = BigInt(Date.now()) * 1000000n + BigInt(process.hrtime()[1] % 1000000);
// keccak256(abi.encode(REQUEST_TAG, chainId, netuid, caller, miner, nonce, keccak256(method), keccak256(body)))
const digest = keccak(Buffer.concat([
  keccak(Buffer.from('intelligence.v1/request')), word(spec.chainId), word(spec.netuid), addressWord(caller),
  addressWord(spec.miner.toLowerCase()), word(nonce), keccak(Buffer.from(method)), keccak(body),
]));
const signature = sign(eip191(digest), d);

const md = new grpc.Metadata();
md.set('intelligence-caller', caller);
md.set('intelligence-nonce', nonce.toString());
md.set('intelligence-signature', '0x' + hex(signature));
const identity = (b) => b;
const client = new grpc.Client(spec.address, grpc.credentials.createInsecure());
let trailers = null; let result = null;
const finish = () => {
  if (!result || !trailers) return;
  let recovered = '';
  const sigHex = trailers.get('intelligence-response-signature')[0];
  if (result.code === 0 && sigHex) {
    // keccak256(abi.encode(RESPONSE_TAG, requestDigest, keccak256(keccak256(message))))
    const responseDigest = keccak(Buffer.concat([keccak(Buffer.from('intelligence.v1/response')), digest, keccak(keccak(result.response))]));
    recovered = recover(eip191(responseDigest), Buffer.from(String(sigHex).slice(2), 'hex'));
  }
  console.log('result ' + JSON.stringify({ code: result.code, details: result.details, caller, recovered, response: result.response ? result.response.toString('base64') : null }));
  client.close();
};
const call = client.makeUnaryRequest(method, identity, identity, body, md, { deadline: new Date(Date.now() + 20000) }, (err, response) => {
  result = err ? { code: err.code, details: err.details, response: null } : { code: 0, details: '', response };
  if (err && !trailers) trailers = err.metadata;
  finish();
});
call.on('status', (s) => { trailers = s.metadata; finish(); });
