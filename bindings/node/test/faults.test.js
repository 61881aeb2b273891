'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const sts = require('..');

const started = [];
after(async () => {
  await Promise.all(started.map((e) => e.stop()));
});
async function emulator(name, args) {
  const e = await h.emulator(name, args);
  started.push(e);
  return e;
}

test('a malformed 200 answer -> kind BadResponse, not retried', async () => {
  const e = await emulator('malformed', ['--always', 'malformed']);
  await assert.rejects(sts.getCredential(h.options(e.url)), (err) => {
    assert.equal(err.kind, 'BadResponse');
    assert.equal(err.stsCode, 4);
    assert.match(err.code, /^Client\./);
    return true;
  });
});

test('HTTP 500 after the retries -> kind BadResponse, Client.HttpStatus', async () => {
  const e = await emulator('http500', ['--always', 'http500']);
  await assert.rejects(sts.getCredential(h.options(e.url, { retries: 1 })), (err) => {
    assert.equal(err.code, 'Client.HttpStatus');
    assert.equal(err.kind, 'BadResponse');
    return true;
  });
});

test('throttled twice, then served: retries make it succeed', async () => {
  const e = await emulator('throttle2', ['--fail-first', '2', '--fail-with', 'throttle']);
  const d = await sts.getCredential(h.options(e.url, { retries: 2 }));
  assert.ok(d.credentials.tmpSecretId);
});

test('throttled with retries 0 -> the service code RequestLimitExceeded', async () => {
  const e = await emulator('throttle', ['--always', 'throttle']);
  await assert.rejects(sts.getCredential(h.options(e.url, { retries: 0 })), (err) => {
    assert.equal(err.kind, 'Service');
    assert.match(err.code, /^RequestLimitExceeded/);
    return true;
  });
});

test('a hanging STS is cut by timeoutMs -> kind Network, Client.Timeout', async () => {
  const e = await emulator('hang', ['--always', 'hang']);
  const t0 = Date.now();
  await assert.rejects(sts.getCredential(h.options(e.url, { retries: 0, timeoutMs: 300 })), (err) => {
    assert.equal(err.kind, 'Network');
    assert.equal(err.code, 'Client.Timeout');
    return true;
  });
  const ms = Date.now() - t0;
  assert.ok(ms >= 250 && ms < 3000, `took ${ms} ms`);
});
