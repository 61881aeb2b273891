'use strict';
// Finding the library and setting koffi up, each in a fresh Node process.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
require('./helpers'); // sets LIBSTS_PATH to the built library

const PKG = path.join(__dirname, '..');

function node(code, env = {}) {
  const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, ...env }, encoding: 'utf8', cwd: PKG });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('LIBSTS_PATH names the library file; a missing one is an Error listing the paths tried', () => {
  const ok = node(`const s = require(${JSON.stringify(PKG)}); console.log(s.libraryPath, s.libraryVersion())`);
  assert.equal(ok.status, 0, ok.err);
  assert.equal(ok.out, `${process.env.LIBSTS_PATH} ${require('..').libraryVersion()}`);
  const missing = node(
    `const s = require(${JSON.stringify(PKG)}); try { s.getPolicy([]) } catch (e) { console.log(e.message) }`,
    { LIBSTS_PATH: '/nonexistent/libsts.so' },
  );
  assert.match(missing.out, /libsts not found \(tried \/nonexistent\/libsts\.so\)/);
});

test('require() raises koffi\'s async-call slots (one per libsts worker calling back) before other koffi users load', () => {
  const r = node(`const s = require(${JSON.stringify(PKG)}); const koffi = require('koffi'); koffi.load('libc.so.6');
    console.log(koffi.config().max_async_calls, s.getPolicy([]).version)`);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, '1088 2.0');
});

test('a koffi already locked by another package with its defaults: every call still works', () => {
  const r = node(`const koffi = require('koffi'); koffi.load('libc.so.6'); const s = require(${JSON.stringify(PKG)});
    console.log(koffi.config().max_async_calls, s.getPolicy([]).version);
    s.getCredential({ bogus: 1 }).catch((e) => console.log(e.kind, e.message))`);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, '256 2.0\nInvalidArgument bogus: unknown config key');
});
