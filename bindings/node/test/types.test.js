'use strict';
// index.d.ts is checked with the TypeScript compiler on a small typed example (and a negative one).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');

function run(args) {
  return spawnSync(process.execPath, [tsc, ...args], { cwd: __dirname, encoding: 'utf8' });
}

test('tsc --noEmit accepts the typed example (strict)', () => {
  const r = run(['--noEmit', '-p', path.join(__dirname, 'tsconfig.json')]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('tsc rejects misuse of the declared types', () => {
  const r = run(['--noEmit', '-p', path.join(__dirname, 'fixtures', 'tsconfig.json')]);
  assert.notEqual(r.status, 0);
  // line 3: durationSeconds given as a string; line 4: resource (string[]) used as a number
  assert.match(r.stdout, /typed-error\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  assert.match(r.stdout, /typed-error\.ts\(4,\d+\): error TS2322: Type 'string\[\]' is not assignable to type 'number'/);
  assert.equal(r.stdout.trim().split('\n').length, 2, r.stdout);
});
