'use strict';
// The async exports under the binding: every accepted call is answered exactly once, aborts reject
// at once and free the answer later, the loop is held exactly while libsts owes answers, and the
// package holds one koffi callback registration however many calls ran.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { getEventListeners } = require('node:events');
const path = require('node:path');
const h = require('./helpers');
const sts = require('..');

const internals = sts[Symbol.for('qcloud-cos-sts-libsts.internals')];
const ROLE = 'qcs::cam::uin/100000000001:roleName/cos-uploader';
const SLOW_MS = 600;
const PKG = path.join(__dirname, '..');
const emulators = {};

before(async () => {
  emulators.main = await h.emulator('default');
  emulators.slow = await h.emulator('slow', ['--latency-ms', String(SLOW_MS)]);
  emulators.malformed = await h.emulator('malformed', ['--always', 'malformed']);
  emulators.hang = await h.emulator('hang', ['--always', 'hang']);
});
after(async () => {
  await Promise.all(Object.values(emulators).map((e) => e.stop()));
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function settled() {
  for (let i = 0; i < 500 && internals().inFlight > 0; i++) await sleep(10);
  assert.equal(internals().inFlight, 0, 'libsts still owes answers');
}

/** Runs `call(cb)` in callback style; resolves with every invocation seen within `grace` ms after the first. */
function invocations(call, grace = 150) {
  return new Promise((resolve) => {
    const seen = [];
    call((err, data) => {
      seen.push({ err, data });
      if (seen.length === 1) setTimeout(() => resolve(seen), grace);
    });
  });
}

// One case per StsCode a credential call can answer with. STS_INTERNAL (a caught panic) has no
// trigger from outside the core; the C tests cover its callback.
const CLASSES = [
  ['Ok (GetFederationToken)', 'getCredential', () => h.options(emulators.main.url), null],
  ['Ok (AssumeRole)', 'getRoleCredential', () => h.options(emulators.main.url, { roleArn: ROLE }), null],
  ['InvalidArgument (refused by the core, answered through the callback)', 'getCredential', () => h.options(emulators.main.url, { bukcet: 'x' }), 'InvalidArgument'],
  ['Network (nothing listening)', 'getRoleCredential', () => h.options('http://127.0.0.1:1/', { roleArn: ROLE, retries: 0 }), 'Network'],
  ['Service (wrong secret key)', 'getCredential', () => h.options(emulators.main.url, { secretKey: 'wrong-EXAMPLE' }), 'Service'],
  ['BadResponse (malformed answer)', 'getCredential', () => h.options(emulators.malformed.url, { retries: 0 }), 'BadResponse'],
];

for (const [name, fn, options, kind] of CLASSES) {
  test(`exactly one answer: ${name}`, async () => {
    const before = internals();
    const seen = await invocations((cb) => sts[fn](options(), cb));
    assert.equal(seen.length, 1, 'the callback ran more than once');
    const [{ err, data }] = seen;
    if (kind === null) {
      assert.equal(err, null);
      assert.match(data.credentials.tmpSecretId, /\S/);
    } else {
      assert.ok(err instanceof sts.StsError, String(err));
      assert.equal(err.kind, kind);
      assert.equal(data, undefined);
    }
    await settled();
    const now = internals();
    assert.equal(now.accepted - before.accepted, 1);
    assert.equal(now.delivered - before.delivered, 1, 'libsts answered the call a number of times other than once');
    assert.equal(now.unknown, 0, 'an answer came for a call that had no pending entry (a second answer)');
  });
}

test('300 concurrent calls of every class: 300 answers, each call settled once', async () => {
  const before = internals();
  const outcomes = await Promise.all(
    Array.from({ length: 300 }, (_, i) => {
      const [, fn, options, kind] = CLASSES[i % CLASSES.length];
      return sts[fn](options()).then(
        () => kind === null,
        (e) => e.kind === kind,
      );
    }),
  );
  assert.ok(outcomes.every(Boolean), 'an answer of the wrong class');
  await settled();
  const now = internals();
  assert.equal(now.accepted - before.accepted, 300);
  assert.equal(now.delivered - before.delivered, 300);
  assert.equal(now.unknown, 0);
});

test('a signal aborted before the call: AbortError at once, nothing handed to libsts', async () => {
  const ac = new AbortController();
  const reason = new Error('user left');
  ac.abort(reason);
  const before = internals().accepted;
  await assert.rejects(sts.getCredential({ ...h.options(emulators.main.url), signal: ac.signal }), (e) => {
    assert.ok(e instanceof DOMException);
    assert.equal(e.name, 'AbortError');
    assert.equal(e.cause, reason);
    return true;
  });
  assert.equal(internals().accepted, before);
});

test('aborting a call in flight rejects at once; the answer, when it comes, is freed unread', async () => {
  const before = internals();
  const ac = new AbortController();
  const t0 = Date.now();
  const call = sts.getRoleCredential({ ...h.options(emulators.slow.url, { roleArn: ROLE }), signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(call, { name: 'AbortError' });
  const ms = Date.now() - t0;
  assert.ok(ms < SLOW_MS / 2, `rejected after ${ms} ms, i.e. not at once`);
  assert.equal(internals().inFlight, 1, 'libsts still owes the answer');
  assert.ok(internals().loopHeld, 'the event loop must stay alive while libsts owes an answer');
  await settled();
  assert.ok(Date.now() - t0 >= SLOW_MS - 50, 'the answer came after the latency');
  assert.equal(internals().abortedFreed - before.abortedFreed, 1);
  assert.equal(internals().unknown, 0);
  assert.equal(internals().loopHeld, false, 'the loop is released once nothing is owed');
});

test('AbortSignal.timeout(): AbortError whose cause is the TimeoutError; callback style gets it once', async () => {
  const seen = await invocations((cb) => sts.getCredential({ ...h.options(emulators.hang.url, { totalTimeoutMs: 800 }), signal: AbortSignal.timeout(100) }, cb));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].err.name, 'AbortError');
  assert.equal(seen[0].err.cause.name, 'TimeoutError');
  await settled(); // the hanging call ends at totalTimeoutMs, answered to nobody
});

test('one signal shared by many calls: one listener, none left behind, and aborting after the answers changes nothing', async () => {
  const ac = new AbortController();
  const warnings = [];
  const onWarning = (w) => warnings.push(w.name);
  process.on('warning', onWarning);
  const calls = Array.from({ length: 20 }, () => sts.getCredential({ ...h.options(emulators.main.url), signal: ac.signal }));
  assert.equal(getEventListeners(ac.signal, 'abort').length, 1, 'one listener for all the calls on a signal');
  const results = await Promise.all(calls);
  await sleep(10); // warnings are emitted on the next tick
  process.off('warning', onWarning);
  assert.deepEqual(warnings, []);
  assert.equal(results.length, 20);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  ac.abort();
  await settled();
});

test('aborting one signal rejects all its calls in flight, and only those', async () => {
  const shared = new AbortController();
  const other = new AbortController();
  const mine = Array.from({ length: 5 }, () => sts.getCredential({ ...h.options(emulators.slow.url), signal: shared.signal }));
  const theirs = sts.getCredential({ ...h.options(emulators.slow.url), signal: other.signal });
  shared.abort();
  const outcomes = await Promise.allSettled(mine);
  assert.deepEqual(outcomes.map((o) => o.status === 'rejected' && o.reason.name), Array(5).fill('AbortError'));
  assert.match((await theirs).credentials.tmpSecretId, /\S/);
  assert.equal(getEventListeners(other.signal, 'abort').length, 0);
  await settled();
});

test('a signal that is not an AbortSignal is refused by name', async () => {
  for (const signal of [true, 'abort', {}, null]) {
    await assert.rejects(sts.getCredential({ ...h.options(emulators.main.url), signal }), (e) => {
      assert.equal(e.kind, 'InvalidArgument');
      assert.equal(e.message, 'signal: expected an AbortSignal');
      return true;
    });
  }
});

test('totalTimeoutMs bounds a call on a hanging STS, retries included', async () => {
  const t0 = Date.now();
  await assert.rejects(sts.getCredential(h.options(emulators.hang.url, { totalTimeoutMs: 400, timeoutMs: 5000, retries: 5 })), (e) => {
    assert.equal(e.kind, 'Network');
    assert.equal(e.code, 'Client.Timeout');
    return true;
  });
  const ms = Date.now() - t0;
  assert.ok(ms >= 350 && ms < 1500, `took ${ms} ms`);
});

/** Runs `code` in a fresh Node with the package as `s` and the emulator URLs; {status, signal, out, ms}. */
function child(code, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const urls = Object.fromEntries(Object.entries(emulators).map(([k, e]) => [k, e.url]));
    const script = `const s = require(${JSON.stringify(PKG)}); const h = require(${JSON.stringify(path.join(__dirname, 'helpers'))});
      const urls = ${JSON.stringify(urls)}; ${code}`;
    const p = spawn(process.execPath, ['-e', script], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, out: out.trim(), err: err.trim(), ms: Date.now() - t0 });
    });
  });
}

test('10 processes that exit as soon as their last answer settles: no crash', async () => {
  for (let run = 0; run < 10; run++) {
    const r = await child(`Promise.all(Array.from({ length: 32 }, () => s.getCredential(h.options(urls.main))))
      .then((all) => console.log(all.length))`);
    assert.equal(r.signal, null, `run ${run}: killed by ${r.signal} ${r.err}`);
    assert.equal(r.status, 0, `run ${run}: ${r.err}`);
    assert.equal(r.out, '32');
  }
});

test('an aborted call keeps its process alive until libsts answers it, then the process exits cleanly', async () => {
  const r = await child(`const ac = new AbortController();
    s.getCredential({ ...h.options(urls.hang, { totalTimeoutMs: 700 }), signal: ac.signal }).catch((e) => console.log(e.name));
    ac.abort();`);
  assert.equal(r.signal, null, r.err);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, 'AbortError');
  assert.ok(r.ms >= 650, `exited after ${r.ms} ms, before libsts answered (a crash risk in koffi)`);
});

test('a process that only built policies is not held by the package', async () => {
  const r = await child(`console.log(s.getPolicy([]).version); setTimeout(() => {}, 0);`);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, '2.0');
  assert.ok(r.ms < 5000);
});

test('the package holds one koffi callback registration, however many calls ran or were aborted', async () => {
  // koffi has 8,192 registration slots per process; count the ones left after 2,000 mixed calls.
  const r = await child(`const koffi = require('koffi');
    const calls = [];
    for (let i = 0; i < 2000; i++) {
      const ac = new AbortController();
      calls.push(s.getCredential({ ...h.options(i % 3 ? urls.main : 'http://127.0.0.1:1/', { retries: 0 }), signal: ac.signal }).catch(() => {}));
      if (i % 2) ac.abort();
    }
    Promise.all(calls).then(async () => {
      const internals = s[Symbol.for('qcloud-cos-sts-libsts.internals')];
      while (internals().inFlight > 0) await new Promise((r) => setTimeout(r, 10));
      const proto = koffi.pointer(koffi.proto('void', ['int']));
      const held = [];
      try { for (;;) held.push(koffi.register(() => {}, proto)); } catch (_) {}
      held.forEach((f) => koffi.unregister(f));
      console.log(held.length, internals().accepted, internals().delivered);
    });`);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, '8191 2000 2000');
});
