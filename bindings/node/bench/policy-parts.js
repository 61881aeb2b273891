'use strict';
// Where one getPolicy call's time goes, part by part: node bindings/node/bench/policy-parts.js
// (after `cargo build --release` and `npm ci` in bindings/node and bindings/node/bench).
//
// Each part runs alone in a loop: best of 9 loops of 200,000 calls, µs per call, results read so
// the JIT keeps the work. The library's own work (parse, build, serialize, allocate, free) is
// criterion's `sts_get_policy/1 scope` (`cargo bench --bench sts -- get_policy`); koffi's part is the
// call minus that. The parts do not add up exactly to the whole call (each loop warms its own
// caches), which the last line shows.
const path = require('node:path');
const koffi = require(path.join(__dirname, '..', 'node_modules', 'koffi'));
const sts = require('..');

const LIB = process.env.LIBSTS_PATH || path.join(__dirname, '..', '..', '..', 'target', 'release', 'libsts.so');
const N = parseInt(process.env.BENCH_POLICY_CALLS || '200000', 10);
const SCOPES = [{ action: 'name/cos:PutObject', bucket: 'example-1250000000', region: 'ap-guangzhou', prefix: 'dir/*' }];
const { fastScopesJson, generalScopesJson, decode } = sts[Symbol.for('qcloud-cos-sts-libsts.marshalling')];

function best(f) {
  let sink = 0;
  for (let i = 0; i < N / 5; i++) sink += f() ? 1 : 0;
  let b = Infinity;
  for (let r = 0; r < 9; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink += f() ? 1 : 0;
    b = Math.min(b, Number(process.hrtime.bigint() - t0) / N / 1000);
  }
  if (sink === 0) throw new Error('no results');
  return b;
}

// The binding's own prototypes, declared again on the same library (koffi loads it once).
const lib = koffi.load(LIB);
const getPolicy = lib.func('sts_get_policy', 'int', ['const char *', 'void *']);
const free = lib.func('sts_string_free', 'void', ['void *']);
const version = lib.func('sts_version', 'void *', []);
const slot = new BigUint64Array(1); // 64-bit targets only, as this harness
const json = fastScopesJson(SCOPES);
if (json !== generalScopesJson(SCOPES)) throw new Error('the two scope writers disagree');
getPolicy(json, slot);
const answerPtr = slot[0]; // kept for the decode loops, freed at the end
const answer = koffi.decode.string(answerPtr);

const rows = [
  ['whole call: sts.getPolicy(SCOPES)', () => sts.getPolicy(SCOPES).statement],
  ['scopes -> JSON, fast writer (this version)', () => fastScopesJson(SCOPES).length],
  ['scopes -> JSON, general path: value check + JSON.stringify', () => generalScopesJson(SCOPES).length],
  ['  of which JSON.stringify alone', () => JSON.stringify(SCOPES).length],
  ['koffi call sts_get_policy + sts_string_free (libsts\'s work included)', () => { getPolicy(json, slot); free(slot[0]); return 1; }],
  // The writer's text is a rope of ~25 pieces that koffi flattens when it copies it out; the
  // general path's JSON.stringify text is flat. These two rows include that difference.
  ['  fast writer + that call: a fresh text each time', () => { getPolicy(fastScopesJson(SCOPES), slot); free(slot[0]); return 1; }],
  ['  general path + that call: a fresh text each time', () => { getPolicy(generalScopesJson(SCOPES), slot); free(slot[0]); return 1; }],
  ['  koffi\'s fixed cost: a call with no argument (sts_version)', () => version()],
  ['  koffi call with one pointer argument (sts_string_free(NULL))', () => { free(null); return 1; }],
  ['read the answer: koffi.decode.string(ptr) (this version)', () => koffi.decode.string(answerPtr).length],
  ['read the answer: koffi.decode(ptr, \'char\', -1) (before)', () => koffi.decode(answerPtr, 'char', -1).length],
  ['JSON.parse of the answer (159 bytes)', () => JSON.parse(answer).statement],
  ['code check + JSON.parse (decode(0, answer))', () => decode(0, answer).value],
  ['clear the slot + read the pointer', () => { slot[0] = 0n; return slot[0] === 0n; }],
];

let vendor = null;
try {
  vendor = require(path.join(__dirname, 'node_modules', 'qcloud-cos-sts'));
} catch (_) {
  // bench/node_modules not installed: no vendor row
}
if (vendor) rows.push(['qcloud-cos-sts getPolicy (vendor, plain JS)', () => vendor.getPolicy(SCOPES).statement]);

// BENCH_POLICY_ONLY=i: row i alone, 20,000 warm-up calls then BENCH_POLICY_CALLS calls, no timing;
// policy-instructions.sh runs that under callgrind at two call counts (instructions per call).
if (process.env.BENCH_POLICY_ONLY !== undefined) {
  const [, f] = rows[parseInt(process.env.BENCH_POLICY_ONLY, 10)];
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += f() ? 1 : 0;
  for (let i = 0; i < N; i++) sink += f() ? 1 : 0;
  free(answerPtr);
  if (sink === 0) throw new Error('no results');
  process.exit(0);
}
if (process.argv[2] === '--names') {
  rows.forEach(([name], i) => console.log(`${i}\t${name}`));
  free(answerPtr);
  process.exit(0);
}

const results = {};
console.log('| part | µs per call |');
console.log('|---|---|');
for (const [name, f] of rows) {
  results[name] = best(f);
  console.log(`| ${name} | ${results[name].toFixed(3)} |`);
}
free(answerPtr);
const parts =
  results['scopes -> JSON, fast writer (this version)'] +
  results['koffi call sts_get_policy + sts_string_free (libsts\'s work included)'] +
  results['read the answer: koffi.decode.string(ptr) (this version)'] +
  results['code check + JSON.parse (decode(0, answer))'] +
  results['clear the slot + read the pointer'];
console.log(`| sum of this version's parts | ${parts.toFixed(3)} |`);
console.log(`(node ${process.version}, libsts ${sts.libraryVersion()}, ${N} calls per loop)`);
