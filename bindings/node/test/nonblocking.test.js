'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const h = require('./helpers');
const sts = require('..');

const LATENCY_MS = 600;
let slow;

before(async () => {
  slow = await h.emulator('slow', ['--latency-ms', String(LATENCY_MS)]);
});
after(async () => {
  await slow.stop();
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

test('slow calls leave a libuv pool thread to fs (queue in front of koffi)', async () => {
  const calls = Array.from({ length: 8 }, () => sts.getCredential(h.options(slow.url)));
  await new Promise((r) => setTimeout(r, 50)); // let them take the pool
  const t0 = Date.now();
  await fs.promises.readFile(__filename);
  const fsMs = Date.now() - t0;
  const results = await Promise.all(calls);
  assert.equal(results.length, 8);
  assert.ok(fsMs < LATENCY_MS / 2, `fs.readFile waited ${fsMs} ms behind STS calls`);
});

test('setMaxConcurrency bounds and validates', async () => {
  assert.throws(() => sts.setMaxConcurrency(0), RangeError);
  assert.throws(() => sts.setMaxConcurrency(1.5), RangeError);
  sts.setMaxConcurrency(1);
  try {
    const t0 = Date.now();
    await Promise.all([sts.getCredential(h.options(slow.url)), sts.getCredential(h.options(slow.url))]);
    assert.ok(Date.now() - t0 >= 2 * LATENCY_MS - 50, 'one at a time');
  } finally {
    sts.setMaxConcurrency(3);
  }
});
