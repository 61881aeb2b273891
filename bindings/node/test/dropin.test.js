'use strict';
// packaging/node/dropin.js (every public name of the vendor's nodejs/demo programs) against this
// development tree; make test-dist-node runs the same script against the installed tarball.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, emulator } = require('./helpers');

const PKG = path.join(__dirname, '..');

test('the vendor demos\' names work with only the require changed', async () => {
  const emu = await emulator('default');
  try {
    const version = require(path.join(PKG, 'package.json')).version;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'packaging', 'node', 'dropin.js')], {
      env: { ...process.env, STS_EMULATOR_URL: emu.url, STS_DROPIN_REQUIRE: PKG, STS_VERSION: version },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^dropin: ok/m);
  } finally {
    await emu.stop();
  }
});

test('without LIBSTS_PATH the library comes from prebuilds/<platform>-<arch>/ in the package', () => {
  // A copy of the package files with the library where make dist-node puts it, outside the checkout
  // (so the target/release fallback cannot be what loads).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libsts-prebuilds-'));
  try {
    for (const file of ['index.js', 'package.json']) fs.copyFileSync(path.join(PKG, file), path.join(dir, file));
    fs.symlinkSync(path.join(PKG, 'node_modules'), path.join(dir, 'node_modules'));
    const prebuilt = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'libsts.so');
    fs.mkdirSync(path.dirname(prebuilt), { recursive: true });
    fs.copyFileSync(process.env.LIBSTS_PATH, prebuilt);
    const env = { ...process.env };
    delete env.LIBSTS_PATH;
    const code = `const s = require(${JSON.stringify(dir)}); console.log(s.libraryPath, s.getPolicy([]).version)`;
    const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${prebuilt} 2.0`);
    fs.rmSync(prebuilt);
    const missing = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
    assert.ok((missing.stdout + missing.stderr).includes(`libsts not found (tried ${prebuilt}`), missing.stdout + missing.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
