'use strict';
// The shared bad configs (tests/data/bad_configs.json): every case rejects with kind InvalidArgument
// and the core's unchanged message naming the field, and nothing is sent. The cases name
// non-loopback URLs, so this file runs only inside scripts/netns.sh (10.200.0.1 is a local trap
// address there): test.sh runs it so, with an emulator started inside the namespace
// (LIBSTS_TEST_EMU_BAD, its stderr log LIBSTS_TEST_EMU_BAD_LOG).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const net = require('net');
const path = require('path');
const h = require('../helpers');
const core = require('../core');
const sts = require('../..');

const TRAP_ADDRESS = '10.200.0.1';
const DATA = path.join(h.ROOT, 'tests', 'data', 'bad_configs.json');
const TEXT = fs.readFileSync(DATA, 'utf8');
const CASES = JSON.parse(TEXT).cases;

function required(name) {
  if (!process.env[name]) throw new Error(`${name} is not set: start an emulator inside the namespace (see bindings/node/test.sh)`);
  return process.env[name];
}

/** Requests the namespace's emulator has logged (one stderr line each). */
const emulatorRequests = () => fs.readFileSync(required('LIBSTS_TEST_EMU_BAD_LOG'), 'utf8').split('sts-emulator: ').length - 1;

/** A listener that answers nothing and counts connections. */
function trap(host, port) {
  const t = { connections: 0 };
  t.server = net.createServer((socket) => {
    t.connections++;
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    t.server.once('error', reject);
    t.server.listen(port, host, () => resolve(t));
  });
}

let traps = [];
const connections = () => traps.reduce((n, t) => n + t.connections, 0);

before(async () => {
  if (process.env.STS_IN_NETNS !== '1') {
    throw new Error(`${__filename} names non-loopback addresses: run it through scripts/netns.sh (bindings/node/test.sh does)`);
  }
  // A listener on every port the cases name, on the trap address and on loopback: whatever a
  // regression lets through lands here and is counted (binding 10.200.0.1 also proves the netns).
  const ports = [...new Set([...TEXT.matchAll(/:(\d{2,5})\b/g)].map((m) => Number(m[1])))];
  for (const host of [TRAP_ADDRESS, '127.0.0.1']) for (const port of ports) traps.push(await trap(host, port));
});

after(async () => {
  await Promise.all(traps.map((t) => new Promise((resolve) => t.server.close(resolve))));
});

function baseConfig() {
  return {
    secret_id: h.SECRET_ID,
    secret_key: h.SECRET_KEY,
    url: required('LIBSTS_TEST_EMU_BAD'),
    bucket: h.BUCKET,
    region: 'ap-guangzhou',
    allow_prefix: 'dir/*',
    allow_actions: ['name/cos:PutObject'],
    retries: 0,
    timeout_ms: 2000,
  };
}

function merged(changes) {
  const config = { ...baseConfig(), ...changes };
  for (const key of Object.keys(config)) if (config[key] === null) delete config[key];
  return config;
}

test('control: the base config is sent, and the emulator logs it', async () => {
  const before = emulatorRequests();
  const data = await sts.getCredential(baseConfig());
  assert.ok(data.credentials.tmpSecretId);
  for (let i = 0; i < 100 && emulatorRequests() === before; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(emulatorRequests(), before + 1);
  assert.equal(connections(), 0);
});

for (const c of CASES) {
  test(`bad config: ${c.name}`, async () => {
    const config = merged(c.config);
    const requestsBefore = emulatorRequests();
    const connectionsBefore = connections();
    await assert.rejects(sts.getCredential(config), (e) => {
      assert.ok(e instanceof sts.StsError, `expected StsError, got ${e}`);
      assert.equal(e.kind, 'InvalidArgument', `${e.kind} ${e.code}: ${e.message}`);
      assert.equal(e.code, 'Client.InvalidArgument');
      assert.equal(e.stsCode, sts.StsCode.InvalidArgument);
      assert.ok(e.message.startsWith(`${c.field}: `), e.message);
      assert.ok(e.message.includes(c.contains), e.message);
      // The core's message, unchanged: what sts_check_config says about the same config.
      assert.equal(e.message, core.coreMessage(Object.entries(config)));
      assert.ok(!e.message.includes(h.SECRET_KEY));
      return true;
    });
    assert.equal(emulatorRequests(), requestsBefore, 'the emulator received a request');
    assert.equal(connections(), connectionsBefore, 'a trap listener received a connection');
  });
}
