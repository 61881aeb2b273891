'use strict';
// Every string libsts returns is released with sts_string_free: RSS stays flat over 20,000
// getPolicy calls (results and errors). A control run that never frees shows the test can see a leak.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
require('./helpers');

const CALLS = 20000;
const LIMIT_MIB = 20;

function measure(mode) {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'fixtures', 'rss.js'), mode, String(CALLS)], {
    env: process.env,
    encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').pop());
  console.log(`# rss ${mode}: ${r.calls} calls, growth ${r.growthMiB.toFixed(2)} MiB after warm-up`);
  return r;
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
