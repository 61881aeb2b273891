'use strict';
// Calls run on libsts's worker threads: the event loop and the libuv pool stay free, and many
// calls wait on a slow STS at once (no UV_THREADPOOL_SIZE - 1 cap any more).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const h = require('./helpers');
const sts = require('..');

const LATENCY_MS = 600;
const FAST_LATENCY_MS = 200;
let slow;
let latency200;

before(async () => {
  slow = await h.emulator('slow', ['--latency-ms', String(LATENCY_MS)]);
  latency200 = await h.emulator('latency200', ['--latency-ms', String(FAST_LATENCY_MS)]);
});
after(async () => {
  await slow.stop();
  await latency200.stop();
});

test('a timer keeps firing while a call waits on a slow STS', async () => {
  let ticks = 0;
  let maxGap = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 10);
  const t0 = Date.now();
  try {
    const d = await sts.getCredential(h.options(slow.url));
    assert.ok(d.credentials.tmpSecretId);
  } finally {
    clearInterval(timer);
  }
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= LATENCY_MS - 50, `the call waited on the emulator (${elapsed} ms)`);
  // A blocked loop would give 0 ticks and one gap of the whole latency.
  assert.ok(ticks >= (LATENCY_MS / 10) * 0.5, `timer fired ${ticks} times during ${elapsed} ms`);
  assert.ok(maxGap < LATENCY_MS / 2, `longest event-loop gap ${maxGap} ms`);
});

test('16 slow calls in flight leave the whole libuv pool to fs', async () => {
  const calls = Array.from({ length: 16 }, () => sts.getCredential(h.options(slow.url)));
  await new Promise((r) => setTimeout(r, 50)); // the calls are waiting on the emulator now
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 8 }, () => fs.promises.readFile(__filename)));
  const fsMs = Date.now() - t0;
  const results = await Promise.all(calls);
  assert.equal(results.length, 16);
  assert.ok(fsMs < LATENCY_MS / 2, `fs.readFile waited ${fsMs} ms behind STS calls`);
});

test(`64 calls at once against ${FAST_LATENCY_MS} ms latency take about one latency, not 64 / 3 of them`, async () => {
  await sts.getCredential(h.options(latency200.url)); // start the workers' connections once
  const t0 = Date.now();
  const results = await Promise.all(
    Array.from({ length: 64 }, (_, i) =>
      i % 2 ? sts.getCredential(h.options(latency200.url)) : sts.getRoleCredential(h.options(latency200.url, { roleArn: 'qcs::cam::uin/1:roleName/r' })),
    ),
  );
  const ms = Date.now() - t0;
  console.log(`# 64 calls, ${FAST_LATENCY_MS} ms latency: ${ms} ms`);
  assert.equal(new Set(results.map((d) => d.credentials.tmpSecretId)).size, 64);
  assert.ok(ms >= FAST_LATENCY_MS - 20, `${ms} ms: the emulator's latency was not applied`);
  // 64 libsts workers: ~1 latency. The old 3-at-a-time cap: 64 / 3 × 200 ms = 4.3 s.
  assert.ok(ms < 2000, `64 concurrent calls took ${ms} ms`);
});

test('setMaxConcurrency is a deprecated no-op: it still validates, warns once, and limits nothing', async () => {
  assert.throws(() => sts.setMaxConcurrency(0), RangeError);
  assert.throws(() => sts.setMaxConcurrency(1.5), RangeError);
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    sts.setMaxConcurrency(1);
    sts.setMaxConcurrency(2);
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 4 }, () => sts.getCredential(h.options(slow.url))));
    const ms = Date.now() - t0;
    assert.ok(ms < 2 * LATENCY_MS, `4 calls after setMaxConcurrency(1) took ${ms} ms: they ran one at a time`);
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].name, 'DeprecationWarning');
  assert.equal(warnings[0].code, 'LIBSTS_DEP0001');
});
