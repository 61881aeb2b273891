'use strict';
// The Node binding next to the vendor package qcloud-cos-sts 3.1.3, in one run (bench.sh runs this):
//
// - credential calls against the STS emulator answering in 30 ms, 32 callers at once (each issues
//   its next call when its answer arrives), over HTTPS for both packages (the vendor always uses
//   https://{host}/; it trusts the emulator's TEST-ONLY CA through NODE_EXTRA_CA_CERTS) and over
//   plain HTTP for the binding;
// - sequential calls (one caller) against the emulator without latency, over keep-alive;
// - getPolicy with one scope.
//
// Each measurement runs in a fresh Node process, three rounds alternating between the packages;
// the table shows the median round. The vendor signs the legacy way (signature v1, HmacSHA1 over a
// form), which the emulator verifies as STS does, so both packages get real keys: a call counts only
// when it returns a credential, and any failed call ends the benchmark with an error.
const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DATA = path.join(ROOT, 'tests', 'data');
const EMULATOR = process.env.STS_EMULATOR || path.join(ROOT, 'target', 'release', 'sts-emulator');
const LIB = process.env.LIBSTS_PATH || path.join(ROOT, 'target', 'release', 'libsts.so');
const LATENCY_MS = 30;
const CALLERS = 32;
const CALLS = parseInt(process.env.BENCH_CALLS || '2000', 10);
const SEQUENTIAL = parseInt(process.env.BENCH_SEQUENTIAL || '3000', 10);
const ROUNDS = 3;
const SECRET_ID = 'AKIDEMULATOREXAMPLE0000000000000000';
const SECRET_KEY = 'emulator-secret-key-EXAMPLE';
const POLICY = {
  version: '2.0',
  statement: [{ action: ['name/cos:PutObject'], effect: 'allow', resource: ['qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*'] }],
};
const SCOPES = [{ action: 'name/cos:PutObject', bucket: 'example-1250000000', region: 'ap-guangzhou', prefix: 'dir/*' }];

// ---------------------------------------------------------------------------------------------
// Child processes: one measurement each, one JSON line on stdout.

/** `callers` loops, each making its next call when the previous one settles, until `calls` were made. */
async function closedLoop(call, calls, callers) {
  let started = 0;
  let failed = 0;
  const loop = async () => {
    while (started < calls) {
      started++;
      try {
        await call();
      } catch (e) {
        failed++;
        if (failed === 1) process.stderr.write(`first failure: ${e.code || e.Code || e.name}: ${e.message || e.Message}\n`);
      }
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: callers }, loop));
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, failed };
}

/** Best of 7 loops of `n` calls; each result is read, so the JIT cannot drop the work (escape analysis). */
function bestMicros(f, n) {
  let sink = 0;
  for (let i = 0; i < n / 5; i++) sink += f().statement[0].resource.length;
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += f().statement[0].resource.length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n / 1000);
  }
  if (sink === 0) throw new Error('no results');
  return best;
}

async function child(kind, target, calls, callers) {
  let call;
  if (kind === 'libsts') {
    const sts = require('..');
    const options = { secretId: SECRET_ID, secretKey: SECRET_KEY, url: target, policy: POLICY };
    if (target.startsWith('https:')) options.caFile = path.join(DATA, 'test-only-ca.pem');
    call = async () => {
      const c = (await sts.getCredential(options)).credentials;
      if (!c || !/^AKID/.test(c.tmpSecretId) || !c.tmpSecretKey || !c.sessionToken) {
        throw new Error('libsts: the answer holds no credential');
      }
    };
  } else if (kind === 'vendor') {
    const vendor = require('qcloud-cos-sts');
    const host = new URL(target).host; // https://{host}/ is the vendor's only form
    // The vendor writes `action` into the options object: a fresh one per call, as its users pass.
    call = async () => {
      const result = await vendor.getCredential({ secretId: SECRET_ID, secretKey: SECRET_KEY, host, policy: POLICY });
      // Checked, not printed: the answer holds the (emulator's) keys.
      const c = result && result.credentials;
      if (!c || !/^AKID/.test(c.tmpSecretId) || !c.tmpSecretKey || !c.sessionToken) {
        throw new Error('vendor: the answer holds no credential');
      }
    };
  } else if (kind === 'policy') {
    const sts = require('..');
    const vendor = require('qcloud-cos-sts');
    const n = 200000;
    const out = { libsts: bestMicros(() => sts.getPolicy(SCOPES), n), vendor: bestMicros(() => vendor.getPolicy(SCOPES), n) };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  await closedLoop(call, Math.min(calls, 2 * callers), callers); // connections, workers, JIT
  const r = await closedLoop(call, calls, callers);
  process.stdout.write(`${JSON.stringify({ calls, ...r, perSecond: calls / r.seconds })}\n`);
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

function startEmulator(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(EMULATOR, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = readline.createInterface({ input: p.stdout });
    lines.once('line', (line) => {
      const m = /listening on (\S+)$/.exec(line.trim());
      if (!m) reject(new Error(`sts-emulator: ${line}`));
      else resolve({ url: m[1], stop: () => p.kill('SIGTERM') });
    });
    p.once('exit', (code) => reject(new Error(`sts-emulator exited with ${code}`)));
  });
}

function run(kind, target, calls, callers) {
  const env = { ...process.env, LIBSTS_PATH: LIB, NODE_EXTRA_CA_CERTS: path.join(DATA, 'test-only-ca.pem') };
  const out = execFileSync(process.execPath, [__filename, 'child', kind, target, String(calls), String(callers)], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  const tls = ['--tls-cert', path.join(DATA, 'test-only-server.pem'), '--tls-key', path.join(DATA, 'test-only-server.key.pem')];
  const https30 = await startEmulator(['--latency-ms', String(LATENCY_MS), ...tls]);
  const http30 = await startEmulator(['--latency-ms', String(LATENCY_MS)]);
  const https0 = await startEmulator(tls);
  const http0 = await startEmulator([]);
  try {
    const rows = [
      ['qcloud-cos-sts 3.1.3 (axios), HTTPS', 'vendor', https30.url, CALLS, CALLERS],
      ['qcloud-cos-sts-libsts, HTTPS', 'libsts', https30.url, CALLS, CALLERS],
      ['qcloud-cos-sts-libsts, HTTP', 'libsts', http30.url, CALLS, CALLERS],
    ];
    const sequential = [
      ['qcloud-cos-sts 3.1.3, HTTPS, no latency, 1 caller', 'vendor', https0.url, SEQUENTIAL, 1],
      ['qcloud-cos-sts-libsts, HTTPS, no latency, 1 caller', 'libsts', https0.url, SEQUENTIAL, 1],
      ['qcloud-cos-sts-libsts, HTTP, no latency, 1 caller', 'libsts', http0.url, SEQUENTIAL, 1],
    ];
    const results = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, kind, url, calls, callers] of [...rows, ...sequential]) {
        const r = run(kind, url, calls, callers);
        if (r.failed) throw new Error(`${name}: ${r.failed} of ${r.calls} calls failed`);
        results.set(name, [...(results.get(name) || []), r.perSecond]);
      }
    }
    const policy = [run('policy', '', 0, 0), run('policy', '', 0, 0), run('policy', '', 0, 0)];
    const ideal = CALLERS / (LATENCY_MS / 1000);
    console.log(`\n${CALLERS} callers, emulator latency ${LATENCY_MS} ms, ${CALLS} calls per round, median of ${ROUNDS} rounds`);
    console.log(`(ideal ${CALLERS} / ${LATENCY_MS} ms = ${fmt(ideal)} calls/s; node ${process.version}, libsts ${require('..').libraryVersion()})\n`);
    console.log('| calls | calls/s | of the ideal |');
    console.log('|---|---|---|');
    for (const [name] of rows) {
      const v = median(results.get(name));
      console.log(`| ${name} | ${fmt(v)} | ${Math.round((100 * v) / ideal)} % |`);
    }
    for (const [name] of sequential) console.log(`| ${name} | ${fmt(median(results.get(name)))} | |`);
    console.log(`\n| getPolicy, 1 scope | µs per call (median of 3 processes, best of 7 loops each) |`);
    console.log('|---|---|');
    console.log(`| qcloud-cos-sts 3.1.3 (plain JS, no validation) | ${median(policy.map((p) => p.vendor)).toFixed(2)} |`);
    console.log(`| qcloud-cos-sts-libsts (libsts through koffi) | ${median(policy.map((p) => p.libsts)).toFixed(2)} |`);
  } finally {
    for (const e of [https30, http30, https0, http0]) e.stop();
  }
}

if (process.argv[2] === 'child') {
  child(process.argv[3], process.argv[4], parseInt(process.argv[5], 10), parseInt(process.argv[6], 10)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
