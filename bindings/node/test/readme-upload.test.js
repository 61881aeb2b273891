'use strict';
// The README's upload endpoint example, run as written (extracted from README.md) against the
// emulator on 127.0.0.1, and clearCache() seen on the wire.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const h = require('./helpers');
const sts = require('..');

const PACKAGE = path.join(__dirname, '..');
const MARKER = '// upload-server.js: ';

/** The one ```js block of README.md whose first line starts with MARKER. */
function example() {
  const text = fs.readFileSync(path.join(PACKAGE, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]).filter((b) => b.startsWith(MARKER));
  assert.equal(blocks.length, 1, `README.md has ${blocks.length} js blocks starting with ${MARKER}`);
  return blocks[0];
}

/** Runs the example from a scratch directory where require('qcloud-cos-sts-libsts') is this package. */
async function start(t, stsUrl) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libsts-readme-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(PACKAGE, path.join(dir, 'node_modules', 'qcloud-cos-sts-libsts'), 'dir');
  fs.writeFileSync(path.join(dir, 'upload-server.js'), example());
  // Absolute: the example runs in another directory.
  const env = { ...process.env, LIBSTS_PATH: path.resolve(process.env.LIBSTS_PATH), STS_URL: stsUrl, PORT: '0', TENCENTCLOUD_SECRET_ID: h.SECRET_ID, TENCENTCLOUD_SECRET_KEY: h.SECRET_KEY };
  const child = spawn(process.execPath, ['upload-server.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start within 10 s: ${stderr}`)), 10000);
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected first line ${line}: ${stderr}`));
    });
    child.once('exit', (code) => reject(new Error(`the example exited with ${code}: ${stderr}`)));
  });
  return { port, stderr: () => stderr };
}

function post(port, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/upload-credential', method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.setTimeout(30000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('the README upload endpoint issues one key of the template, for the bucket', async (t) => {
  const emu = await h.emulator('default');
  t.after(emu.stop);
  const { port } = await start(t, emu.url);
  const { status, body } = await post(port, { filename: 'Holiday.JPG' });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.bucket, 'example-1250000000');
  assert.equal(body.region, 'ap-guangzhou');
  assert.match(body.key, /^uploads\/\d{8}\/[0-9a-f]{16}\.jpg$/);
  assert.match(body.credentials.tmpSecretId, /^AKID/);
  const again = await post(port, { filename: 'b.png' });
  assert.equal(again.status, 200);
  assert.match(again.body.key, /\.png$/);
  assert.notEqual(again.body.key, body.key);
});

test('the README upload endpoint refuses a disallowed extension with 400 naming upload.ext', async (t) => {
  const emu = await h.emulator('default');
  t.after(emu.stop);
  const { port } = await start(t, emu.url);
  const exe = await post(port, { filename: 'run.exe' });
  assert.equal(exe.status, 400);
  assert.match(exe.body.error, /^upload\.ext: .*jpg/);
  const none = await post(port, { filename: 'no-extension' });
  assert.equal(none.status, 400);
  assert.match(none.body.error, /^upload\.ext: /);
  assert.deepEqual(await post(port, { name: 'x.jpg' }), { status: 400, body: { error: 'filename: expected a string' } });
});

for (const [name, args, expected] of [['throttle', ['--always', 'throttle'], 502], ['hang', ['--always', 'hang'], 504]]) {
  test(`the README upload endpoint answers ${expected} when STS fails (${name})`, async (t) => {
    const emu = await h.emulator(name, args);
    t.after(emu.stop);
    const server = await start(t, emu.url);
    const { status, body } = await post(server.port, { filename: 'a.jpg' });
    assert.equal(status, expected, JSON.stringify(body));
    assert.ok(!JSON.stringify(body).includes(h.SECRET_KEY) && !server.stderr().includes(h.SECRET_KEY));
  });
}

test('clearCache(): a cached call asks STS again after it', async (t) => {
  const emu = await h.emulator('default');
  t.after(emu.stop);
  const r = await h.relay(emu.url);
  t.after(r.close);
  const options = h.options(r.url, { cache: true, durationSeconds: 3600 });
  options.policy.statement[0].resource = ['qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/clear-cache/*'];
  const first = await sts.getCredential(options);
  assert.deepEqual(await sts.getCredential(options), first);
  assert.equal(r.bodies.length, 1, 'the second call is a cache hit');
  assert.equal(sts.clearCache(), undefined);
  const fresh = await sts.getCredential(options);
  assert.equal(r.bodies.length, 2, 'after clearCache the same call asks STS again');
  assert.notEqual(fresh.credentials.tmpSecretId, first.credentials.tmpSecretId);
  assert.deepEqual(await sts.getCredential(options), fresh);
  assert.equal(r.bodies.length, 2, 'and fills the cache again');
});
