'use strict';
// Issue 13 through the package: getCallerIdentity, getWebIdentityCredential, AssumeRole's extras
// reaching the wire, no secret demanded by the package, and the core's refusal of GetFederationToken
// with a temporary key, all against the emulator on 127.0.0.1.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');
const h = require('./helpers');
const sts = require('..');

const ROLE = 'qcs::cam::uin/100000000001:roleName/cos-uploader';
const PROVIDER = 'tke-oidc';
const OIDC_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-TOKEN-EXAMPLE';
const TEMP_ID = 'AKIDTEMPORARYEXAMPLE';
const TEMP_KEY = 'temporary-key-EXAMPLE';
const SESSION_TOKEN = 'session-token-EXAMPLE-marker';
const ENV_NAMES = ['TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY', 'TENCENTCLOUD_SESSION_TOKEN'];

let emu;
before(async () => {
  // test.sh starts it as LIBSTS_TEST_EMULATOR_IDENTITY; the flags must stay the same there.
  emu = await h.emulator('identity', [
    '--key', `${h.SECRET_ID}:${h.SECRET_KEY}`,
    '--key', `${TEMP_ID}:${TEMP_KEY}`,
    '--token', `${TEMP_ID}:${SESSION_TOKEN}`,
    '--web-identity', `${PROVIDER}:${OIDC_TOKEN}`,
  ]);
});
after(async () => {
  await emu.stop();
});

function transport(extra = {}) {
  return { url: emu.url, region: 'ap-guangzhou', retries: 0, ...extra };
}

function assertCredential(d, durationSeconds = 1800) {
  assert.deepEqual(Object.keys(d).sort(), ['credentials', 'expiration', 'expiredTime', 'requestId', 'startTime']);
  assert.match(d.credentials.tmpSecretId, /^AKID/);
  assert.ok(d.credentials.tmpSecretKey && d.credentials.sessionToken);
  assert.equal(d.expiredTime - d.startTime, durationSeconds);
}

async function rejection(promise) {
  return promise.then(
    (v) => assert.fail(`expected a rejection, got ${JSON.stringify(Object.keys(v))}`),
    (e) => e,
  );
}

function assertNoSecret(err, ...secrets) {
  const texts = [err.message, err.stack, util.inspect(err, { showHidden: true, depth: 5 }), JSON.stringify(err)];
  for (const s of secrets) for (const t of texts) assert.ok(!t.includes(s), 'a secret leaked into the error text');
}

/** Runs `fn` with only these TENCENTCLOUD_* variables set (the core reads the real environment). */
async function withEnv(vars, fn) {
  const saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));
  for (const n of ENV_NAMES) delete process.env[n];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const n of ENV_NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

const relay = h.relay;

test('getCallerIdentity (Promise): the core\'s fields, the key from the options', async () => {
  const id = await sts.getCallerIdentity({ secretId: h.SECRET_ID, secretKey: h.SECRET_KEY, ...transport() });
  assert.deepEqual(Object.keys(id).sort(), ['accountId', 'arn', 'credentialSource', 'principalId', 'requestId', 'type', 'userId']);
  assert.match(id.accountId, /^\d+$/);
  assert.equal(id.arn, `qcs::cam::uin/${id.accountId}:uin/${id.accountId}`);
  assert.equal(id.userId, id.accountId);
  assert.equal(id.type, 'RootAccount');
  assert.equal(id.credentialSource, 'config');
  assert.match(id.requestId, /\S+/);
});

test('getCallerIdentity (callback) with a temporary key: CAMRole; returns undefined', async () => {
  const id = await new Promise((resolve, reject) => {
    const r = sts.getCallerIdentity({ secretId: TEMP_ID, secretKey: TEMP_KEY, sessionToken: SESSION_TOKEN, ...transport() }, (e, d) =>
      e ? reject(e) : resolve(d),
    );
    assert.equal(r, undefined);
  });
  assert.equal(id.type, 'CAMRole');
  assert.ok(!JSON.stringify(id).includes(SESSION_TOKEN));
});

test('getCallerIdentity with no secret in the options: the core resolves the environment', async () => {
  const id = await withEnv({ TENCENTCLOUD_SECRET_ID: h.SECRET_ID, TENCENTCLOUD_SECRET_KEY: h.SECRET_KEY }, () =>
    sts.getCallerIdentity(transport()),
  );
  assert.equal(id.credentialSource, 'env');
  assert.equal(id.type, 'RootAccount');
});

test('getCallerIdentity: an option of another call is the core\'s refusal, by name, nothing sent', async () => {
  const r = await relay(emu.url);
  try {
    const base = { secretId: h.SECRET_ID, secretKey: h.SECRET_KEY, ...transport({ url: r.url }) };
    for (const [key, value, expected] of [
      ['bucket', 'example-1250000000', /^bucket: not a key of sts_get_caller_identity/],
      ['durationSeconds', 900, /^durationSeconds: not a key of sts_get_caller_identity/],
      ['roleArn', ROLE, /^roleArn: not a key of sts_get_caller_identity/],
      ['bogus', 1, /^bogus: unknown config key/],
    ]) {
      const e = await rejection(sts.getCallerIdentity({ ...base, [key]: value }));
      assert.ok(e instanceof sts.StsError, String(e));
      assert.equal(e.kind, 'InvalidArgument');
      assert.equal(e.stsCode, sts.StsCode.InvalidArgument);
      assert.match(e.message, expected);
      assertNoSecret(e, h.SECRET_KEY);
    }
    assert.equal(r.bodies.length, 0, 'a refused config reached the network');
  } finally {
    await r.close();
  }
});

test('getCallerIdentity: a pre-aborted signal rejects with AbortError, a bad key with the service\'s code', async () => {
  const controller = new AbortController();
  controller.abort('stop');
  const aborted = await rejection(sts.getCallerIdentity({ secretId: h.SECRET_ID, secretKey: h.SECRET_KEY, ...transport(), signal: controller.signal }));
  assert.equal(aborted.name, 'AbortError');
  assert.equal(aborted.cause, 'stop');
  const e = await rejection(sts.getCallerIdentity({ secretId: 'AKIDunknownEXAMPLE', secretKey: 'k', ...transport() }));
  assert.equal(e.kind, 'Service');
  assert.equal(e.code, 'AuthFailure.SecretIdNotFound');
  assert.match(e.requestId, /\S+/);
});

test('getWebIdentityCredential: an inline token, unsigned; the emulator issued keys', async () => {
  const r = await relay(emu.url);
  try {
    const d = await sts.getWebIdentityCredential({
      providerId: PROVIDER,
      webIdentityToken: OIDC_TOKEN,
      roleArn: ROLE,
      roleSessionName: 'pod-1',
      durationSeconds: 900,
      ...transport({ url: r.url }),
    });
    assertCredential(d, 900);
    assert.equal(r.bodies.length, 1);
    assert.equal(r.bodies[0].action, 'AssumeRoleWithWebIdentity');
    assert.equal(r.bodies[0].headers.authorization, 'SKIP');
    assert.equal(r.bodies[0].headers['x-tc-token'], undefined);
    assert.deepEqual(r.bodies[0].body, {
      ProviderId: PROVIDER,
      WebIdentityToken: OIDC_TOKEN,
      RoleArn: ROLE,
      RoleSessionName: 'pod-1',
      DurationSeconds: 900,
    });
  } finally {
    await r.close();
  }
});

test('getWebIdentityCredential: a token file re-read at each call (callback style), snake_case', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libsts-node-oidc-'));
  const file = path.join(dir, 'token');
  try {
    fs.writeFileSync(file, `${OIDC_TOKEN}\n`);
    const options = { provider_id: PROVIDER, web_identity_token_file: file, role_arn: ROLE, ...transport() };
    const d = await new Promise((resolve, reject) => sts.getWebIdentityCredential(options, (e, v) => (e ? reject(e) : resolve(v))));
    assertCredential(d);
    fs.writeFileSync(file, 'eyJ.rotated-but-unknown.EXAMPLE');
    const e = await rejection(sts.getWebIdentityCredential(options));
    assert.equal(e.kind, 'Service');
    assert.equal(e.code, 'InvalidParameter.WebIdentityTokenError');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('getWebIdentityCredential: bad options are the core\'s refusals, naming the key, never the token', async () => {
  const base = { providerId: PROVIDER, webIdentityToken: OIDC_TOKEN, roleArn: ROLE, ...transport() };
  for (const [extra, expected] of [
    [{ secretId: h.SECRET_ID }, /^secretId: not a key of sts_get_web_identity_credential/],
    [{ providerId: undefined }, /^provider_id: missing/],
    [{ webIdentityTokenFile: '/dev/null' }, /^webIdentityTokenFile: ambiguous together with `webIdentityToken`/],
    [{ durationSeconds: 43201 }, /^durationSeconds: 43201 is out of range 1..=43200/],
    [{ policy: { version: '2.0', statement: [] } }, /^policy: not a key of sts_get_web_identity_credential/],
  ]) {
    const e = await rejection(sts.getWebIdentityCredential({ ...base, ...extra }));
    assert.equal(e.kind, 'InvalidArgument', e.message);
    assert.match(e.message, expected);
    assertNoSecret(e, OIDC_TOKEN);
  }
  const wrong = await rejection(sts.getWebIdentityCredential({ ...base, webIdentityToken: 'eyJ.wrong.EXAMPLE-secret' }));
  assert.equal(wrong.kind, 'Service');
  assertNoSecret(wrong, 'eyJ.wrong.EXAMPLE-secret');
});

test('getRoleCredential sends tags, sourceIdentity and MFA as the API names them', async () => {
  const r = await relay(emu.url);
  try {
    const d = await sts.getRoleCredential({
      secretId: h.SECRET_ID,
      secretKey: h.SECRET_KEY,
      roleArn: ROLE,
      tags: [{ key: 'team', value: 'media' }, { key: 'env', value: 'prod' }],
      sourceIdentity: 'user-1@example',
      serialNumber: 'qcs::cam::uin/100000000001:mfa/softToken',
      token_code: '654321',
      ...transport({ url: r.url }),
    });
    assertCredential(d);
    assert.equal(r.bodies.length, 1);
    const body = r.bodies[0].body;
    assert.equal(r.bodies[0].action, 'AssumeRole');
    assert.deepEqual(body.Tags, [{ Key: 'team', Value: 'media' }, { Key: 'env', Value: 'prod' }]);
    assert.equal(body.SourceIdentity, 'user-1@example');
    assert.equal(body.SerialNumber, 'qcs::cam::uin/100000000001:mfa/softToken');
    assert.equal(body.TokenCode, '654321');
  } finally {
    await r.close();
  }
});

test('getRoleCredential: bad extras are the core\'s refusals naming the key; nothing sent', async () => {
  const r = await relay(emu.url);
  try {
    const base = { secretId: h.SECRET_ID, secretKey: h.SECRET_KEY, roleArn: ROLE, ...transport({ url: r.url }) };
    for (const [extra, expected] of [
      [{ tags: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }, /^tags\[1\]\.key: /],
      [{ tags: [{ key: 'k'.repeat(129), value: 'v' }] }, /^tags\[0\]\.key: /],
      [{ sourceIdentity: 'a b' }, /^sourceIdentity: /],
      [{ serialNumber: 'qcs::cam::uin/1:mfa/softToken', tokenCode: '12345' }, /^tokenCode: /],
      [{ serialNumber: 'qcs::cam::uin/1:mfa/softToken' }, /token_code|tokenCode/],
    ]) {
      const e = await rejection(sts.getRoleCredential({ ...base, ...extra }));
      assert.equal(e.kind, 'InvalidArgument', e.message);
      assert.match(e.message, expected);
      assert.ok(!e.message.includes('12345'), 'the MFA code is quoted back');
    }
    assert.equal(r.bodies.length, 0, 'a refused config reached the network');
  } finally {
    await r.close();
  }
});

test('no secret in the options: getRoleCredential signs with the environment\'s key', async () => {
  const d = await withEnv({ TENCENTCLOUD_SECRET_ID: h.SECRET_ID, TENCENTCLOUD_SECRET_KEY: h.SECRET_KEY }, () =>
    sts.getRoleCredential({ roleArn: ROLE, ...transport() }),
  );
  assertCredential(d);
});

test('a temporary key with getCredential: the core\'s refusal as an StsError (InvalidArgument), from options or env', async () => {
  const policy = h.options(emu.url).policy;
  const fromOptions = await rejection(
    sts.getCredential({ secretId: TEMP_ID, secretKey: TEMP_KEY, sessionToken: SESSION_TOKEN, policy, ...transport() }),
  );
  const fromEnv = await withEnv(
    { TENCENTCLOUD_SECRET_ID: TEMP_ID, TENCENTCLOUD_SECRET_KEY: TEMP_KEY, TENCENTCLOUD_SESSION_TOKEN: SESSION_TOKEN },
    () => rejection(sts.getCredential({ policy, ...transport() })),
  );
  for (const e of [fromOptions, fromEnv]) {
    assert.ok(e instanceof sts.StsError, String(e));
    assert.equal(e.kind, 'InvalidArgument');
    assert.equal(e.stsCode, sts.StsCode.InvalidArgument);
    assert.equal(e.code, 'Client.InvalidArgument');
    assert.match(e.message, /use sts_get_role_credential/);
    assertNoSecret(e, SESSION_TOKEN, TEMP_KEY);
  }
  assert.match(fromEnv.message, /TENCENTCLOUD_SESSION_TOKEN/);
  // The same environment with roleArn: AssumeRole signs with the temporary key and its token.
  const d = await withEnv(
    { TENCENTCLOUD_SECRET_ID: TEMP_ID, TENCENTCLOUD_SECRET_KEY: TEMP_KEY, TENCENTCLOUD_SESSION_TOKEN: SESSION_TOKEN },
    () => sts.getRoleCredential({ roleArn: ROLE, policy, ...transport() }),
  );
  assertCredential(d);
});

test('the core resolves the chain: profile, env before it, credentialSource pins one; the package passes the keys', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libsts-node-profile-'));
  const file = path.join(dir, 'credentials');
  fs.writeFileSync(file, `[default]\nsecret_id = AKIDunknownEXAMPLE\nsecret_key = k\n[ci]\nsecret_id = ${h.SECRET_ID}\nsecret_key = ${h.SECRET_KEY}\n`);
  process.env.TENCENTCLOUD_CREDENTIALS_FILE = file; // helpers.js disabled the CVM source
  try {
    await withEnv({}, async () => {
      assert.equal((await sts.getCallerIdentity(transport({ profile: 'ci' }))).credentialSource, 'profile');
      assertCredential(await sts.getRoleCredential({ roleArn: ROLE, profile: 'ci', ...transport() }));
    });
    await withEnv({ TENCENTCLOUD_SECRET_ID: h.SECRET_ID, TENCENTCLOUD_SECRET_KEY: h.SECRET_KEY }, async () => {
      assert.equal((await sts.getCallerIdentity(transport({ profile: 'ci' }))).credentialSource, 'env');
      const pinned = await sts.getCallerIdentity(transport({ credentialSource: 'profile', profile: 'ci' }));
      assert.equal(pinned.credentialSource, 'profile');
      const e = await rejection(sts.getCallerIdentity(transport({ credential_source: 'profile' })));
      assert.equal(e.code, 'AuthFailure.SecretIdNotFound'); // the default section's key
    });
  } finally {
    delete process.env.TENCENTCLOUD_CREDENTIALS_FILE;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
