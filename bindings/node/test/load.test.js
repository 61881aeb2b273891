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

test('require() raises koffi\'s async stack before other koffi users load libraries', () => {
  const r = node(`const s = require(${JSON.stringify(PKG)}); const koffi = require('koffi'); koffi.load('libc.so.6');
    console.log(koffi.config().async_stack_size, s.getPolicy([]).version)`);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, `${2 << 20} 2.0`);
});

test('a koffi already locked with the 128 KiB default: a clear Error, not a crash later', () => {
  const r = node(`const koffi = require('koffi'); koffi.load('libc.so.6'); const s = require(${JSON.stringify(PKG)});
    try { s.getPolicy([]) } catch (e) { console.log(e.message) }
    s.getCredential({}).catch((e) => console.log('rejected', /async_stack_size/.test(e.message)))`);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /async_stack_size is 131072 bytes and can no longer be changed/);
  assert.match(r.out, /rejected true/);
});
