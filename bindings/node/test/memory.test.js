'use strict';
// Every string libsts returns is released with sts_string_free: RSS stays flat over 20,000
// getPolicy calls (results and errors), and over 25,000 aborted credential calls whose answers
// arrive after the abort. Control runs that never free show the tests can see a leak.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, execFile } = require('node:child_process');
const path = require('node:path');
const { promisify } = require('node:util');
const h = require('./helpers');

const CALLS = 20000;
const LIMIT_MIB = 20;
const ABORTED = 25000;
const ABORT_LIMIT_MIB = 6;
let emu;

before(async () => {
  emu = await h.emulator('default');
});
after(async () => {
  await emu.stop();
});

function report(r) {
  console.log(`# rss ${r.mode}: ${r.calls} calls, growth ${r.growthMiB.toFixed(2)} MiB after warm-up`);
  return r;
}

function measure(mode) {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'fixtures', 'rss.js'), mode, String(CALLS)], {
    env: process.env,
    encoding: 'utf8',
  });
  return report(JSON.parse(out.trim().split('\n').pop()));
}

async function measureAborted(mode) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', path.join(__dirname, 'fixtures', 'rss-abort.js'), mode, String(ABORTED), emu.url],
    { env: process.env, encoding: 'utf8' },
  );
  return report(JSON.parse(stdout.trim().split('\n').pop()));
}

test(`RSS grows < ${LIMIT_MIB} MiB over ${CALLS} getPolicy calls (~6 KiB results)`, () => {
  assert.ok(measure('ok').growthMiB < LIMIT_MIB);
});

test(`RSS grows < ${LIMIT_MIB} MiB over ${CALLS} failing getPolicy calls (~4 KiB error JSON)`, () => {
  assert.ok(measure('error').growthMiB < LIMIT_MIB);
});

test('control: the same calls without sts_string_free grow RSS past the limit', () => {
  assert.ok(measure('leak').growthMiB > LIMIT_MIB * 2);
});

test(`aborted calls: RSS grows < ${ABORT_LIMIT_MIB} MiB over ${ABORTED} (~750-byte answers freed unread); the never-freeing control grows past twice that`, async () => {
  // Side by side: each run takes a few seconds against the emulator.
  const [aborted, leak] = await Promise.all([measureAborted('abort'), measureAborted('leak')]);
  assert.equal(aborted.aborted, ABORTED, 'every answer came to an aborted call');
  assert.ok(aborted.growthMiB < ABORT_LIMIT_MIB);
  assert.ok(leak.growthMiB > ABORT_LIMIT_MIB * 2);
});
