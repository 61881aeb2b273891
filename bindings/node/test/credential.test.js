'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const h = require('./helpers');
const sts = require('..');

const ROLE = 'qcs::cam::uin/100000000001:roleName/cos-uploader';
let emu;

before(async () => {
  emu = await h.emulator('default');
});
after(async () => {
  await emu.stop();
});

function assertCredential(d, durationSeconds = 1800) {
  assert.deepEqual(Object.keys(d).sort(), ['credentials', 'expiration', 'expiredTime', 'requestId', 'startTime']);
  assert.deepEqual(Object.keys(d.credentials).sort(), ['sessionToken', 'tmpSecretId', 'tmpSecretKey']);
  for (const k of ['tmpSecretId', 'tmpSecretKey', 'sessionToken']) {
    assert.equal(typeof d.credentials[k], 'string');
    assert.ok(d.credentials[k].length > 0, k);
  }
  assert.ok(Number.isInteger(d.startTime) && Number.isInteger(d.expiredTime));
  assert.equal(d.expiredTime - d.startTime, durationSeconds);
  assert.ok(Math.abs(d.startTime - Date.now() / 1000) < 120, 'startTime is now');
  assert.equal(d.expiration, new Date(d.expiredTime * 1000).toISOString().replace('.000Z', 'Z'));
  assert.match(d.requestId, /\S+/);
}

/** No secret of the config ever reaches an error's text (message, stack, inspect, JSON). */
function assertNoSecret(err, ...secrets) {
  const texts = [err.message, err.stack, util.inspect(err, { showHidden: true, depth: 5 }), JSON.stringify(err), String(err)];
  for (const s of secrets) for (const t of texts) assert.ok(!t.includes(s), 'a secret leaked into the error text');
}

test('getCredential (Promise): the emulator verified the TC3 signature and issued keys', async () => {
  assertCredential(await sts.getCredential(h.options(emu.url)));
});

test('getCredential (callback): (null, data), returns undefined', async () => {
  const data = await new Promise((resolve, reject) => {
    const r = sts.getCredential(h.options(emu.url, { durationSeconds: 900 }), (err, d) => (err ? reject(err) : resolve(d)));
    assert.equal(r, undefined);
  });
  assertCredential(data, 900);
});

test('getRoleCredential (Promise and callback) with roleArn, roleSessionName, externalId', async () => {
  assertCredential(await sts.getRoleCredential(h.options(emu.url, { roleArn: ROLE, roleSessionName: 'web-upload', externalId: 'ext-42' })));
  const viaCallback = await new Promise((resolve, reject) =>
    sts.getRoleCredential(h.options(emu.url, { roleArn: ROLE, durationSeconds: 3600 }), (e, d) => (e ? reject(e) : resolve(d))),
  );
  assertCredential(viaCallback, 3600);
});

test('AssumeRole without a policy uses the role\'s own permissions', async () => {
  const { policy, ...noPolicy } = h.options(emu.url, { roleArn: ROLE });
  assert.ok(policy);
  assertCredential(await sts.getRoleCredential(noPolicy));
});

test('snake_case options, a policy built from bucket/allowPrefix/allowActions, and getPolicy output as policy', async () => {
  assertCredential(
    await sts.getCredential({
      secret_id: h.SECRET_ID,
      secret_key: h.SECRET_KEY,
      url: emu.url,
      bucket: h.BUCKET,
      region: 'ap-guangzhou',
      allow_prefix: ['dir/*', 'avatars/1.png'],
      allow_actions: 'name/cos:PutObject',
      duration_seconds: 600,
      timeout_ms: 5000,
      retries: 1,
      proxy: '',
      endpoint: 'sts.tencentcloudapi.com',
      name: 'uploader',
    }),
    600,
  );
  const policy = sts.getPolicy([{ action: 'name/cos:GetObject', bucket: h.BUCKET, region: 'ap-guangzhou', prefix: 'a/*' }]);
  assertCredential(await sts.getCredential(h.options(emu.url, { policy, host: 'sts.tencentcloudapi.com' })));
  assertCredential(await sts.getCredential(h.options(emu.url, { policy: JSON.stringify(policy) })));
});

test('the deprecated durationInSeconds still works; undefined options count as not given', async () => {
  assertCredential(await sts.getCredential(h.options(emu.url, { durationInSeconds: 1200, proxy: undefined, host: undefined })), 1200);
});

test('secrets fall back to TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY', async () => {
  const { secretId, secretKey, ...rest } = h.options(emu.url);
  assert.ok(secretId && secretKey);
  process.env.TENCENTCLOUD_SECRET_ID = h.SECRET_ID;
  process.env.TENCENTCLOUD_SECRET_KEY = h.SECRET_KEY;
  try {
    assertCredential(await sts.getCredential(rest));
  } finally {
    delete process.env.TENCENTCLOUD_SECRET_ID;
    delete process.env.TENCENTCLOUD_SECRET_KEY;
  }
});

test('service error: wrong secret key -> AuthFailure.SignatureFailure with requestId, no secret', async () => {
  const secretKey = 'wrong-secret-key-DO-NOT-PRINT';
  await assert.rejects(sts.getCredential(h.options(emu.url, { secretKey })), (e) => {
    assert.ok(e instanceof sts.StsError && e instanceof Error);
    assert.equal(e.kind, 'Service');
    assert.equal(e.stsCode, 3);
    assert.equal(e.code, 'AuthFailure.SignatureFailure');
    assert.match(e.requestId, /\S+/);
    assert.ok(e.message.length > 0);
    // qcloud-cos-sts's spellings
    assert.equal(e.Code, e.code);
    assert.equal(e.Message, e.message);
    assert.equal(e.RequestId, e.requestId);
    assertNoSecret(e, secretKey, h.SECRET_KEY);
    return true;
  });
});

test('service error through the callback: unknown SecretId -> AuthFailure.SecretIdNotFound', async () => {
  const err = await new Promise((resolve) =>
    sts.getRoleCredential(h.options(emu.url, { roleArn: ROLE, secretId: 'AKIDunknownEXAMPLE00000000000000000' }), (e, d) => {
      assert.equal(d, undefined);
      resolve(e);
    }),
  );
  assert.equal(err.code, 'AuthFailure.SecretIdNotFound');
  assert.equal(err.kind, 'Service');
  assert.match(err.requestId, /\S+/);
  assertNoSecret(err, h.SECRET_KEY);
});

test('network error: nothing listening -> Client.* code, kind Network, quickly', async () => {
  const t0 = Date.now();
  const secretKey = 'network-secret-DO-NOT-PRINT';
  await assert.rejects(sts.getCredential(h.options('http://127.0.0.1:1/', { retries: 0, secretKey })), (e) => {
    assert.equal(e.kind, 'Network');
    assert.equal(e.stsCode, 2);
    assert.match(e.code, /^Client\./);
    assert.equal(e.requestId, null);
    assertNoSecret(e, secretKey);
    return true;
  });
  assert.ok(Date.now() - t0 < 3000, 'fails fast');
});

test('bad options reject (Promise) or call back (callback) with Client.InvalidArgument naming the key', async () => {
  const cases = [
    [{ secretKy: 'x' }, 'secretKy: unknown config key (did you mean `secretKey`?)'],
    [{ action: 'AssumeRole' }, 'action: unknown config key'],
    [{ durationSeconds: 1800.5 }, 'durationSeconds'],
    [{ durationSeconds: '1800' }, 'durationSeconds'],
    [{ durationSeconds: 900, duration_seconds: 900 }, 'given twice'],
    [{ durationSeconds: 900, durationInSeconds: 900 }, 'durationInSeconds: given together with durationSeconds'],
    [{ host: 'sts.tencentcloudapi.com', endpoint: 'sts.tencentcloudapi.com' }, 'given twice'],
    [{ url: 'http://example.com/' }, 'url'],
    [{ retries: 11 }, 'retries'],
    [{ roleArn: ROLE }, 'roleArn: is a parameter of AssumeRole'],
    [{ bucket: h.BUCKET, allowPrefix: 'a/*' }, 'policy'],
    [{ proxy: null }, 'proxy'],
    // JSON carries the NUL (cut there, both would be valid): the core sees it and refuses it by name.
    [{ region: 'ap-guangzhou\0evil' }, 'region: contains the control character U+0000'],
    [{ secretKey: 'abc\0def' }, 'secretKey: contains the control character U+0000'],
    [{ secretKey: 'abc\ud800def' }, 'secretKey: not valid Unicode (a lone surrogate)'],
    [{ policy: { version: '2.0', statement: [{ resource: ['a\udfff'] }] } }, 'policy.statement[0].resource[0]: not valid Unicode'],
    [{ durationSeconds: NaN }, 'durationSeconds: NaN and Infinity have no JSON form'],
    [{ condition: { x: () => 1 } }, 'condition.x: expected a JSON value, got a function'],
    [{ callback: () => {} }, 'callback: expected a JSON value'],
  ];
  for (const [extra, part] of cases) {
    const opts = h.options(emu.url, extra);
    await assert.rejects(sts.getCredential(opts), (e) => {
      assert.equal(e.kind, 'InvalidArgument', `${JSON.stringify(Object.keys(extra))}: ${e.message}`);
      assert.equal(e.code, 'Client.InvalidArgument');
      assert.ok(e.message.includes(part), `${JSON.stringify(e.message)} lacks ${JSON.stringify(part)}`);
      assertNoSecret(e, h.SECRET_KEY, 'abc\ud800def', 'abc\0def');
      return true;
    });
  }
  await assert.rejects(sts.getCredential(null), /options: expected an object/);
  await assert.rejects(sts.getCredential('secretId=x'), /options: expected an object/);
  // callback style: called asynchronously, never thrown
  let sync = true;
  const err = await new Promise((resolve) => {
    sts.getCredential({ ...h.options(emu.url), bogus: 1 }, (e) => resolve(e));
    sync = false;
  });
  assert.equal(sync, false);
  assert.equal(err.code, 'Client.InvalidArgument');
  assert.throws(() => sts.getCredential(h.options(emu.url), 'not a function'), TypeError);
});

test('the options object is not modified (qcloud-cos-sts added `action` to it)', async () => {
  const opts = h.options(emu.url);
  const copy = JSON.parse(JSON.stringify(opts));
  await sts.getCredential(opts);
  await sts.getRoleCredential({ ...opts, roleArn: ROLE });
  assert.deepEqual(opts, copy);
});

test('50 overlapping calls all succeed, each with its own keys', async () => {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      i % 2 ? sts.getCredential(h.options(emu.url)) : sts.getRoleCredential(h.options(emu.url, { roleArn: ROLE })),
    ),
  );
  results.forEach((d) => assertCredential(d));
  assert.equal(new Set(results.map((d) => d.requestId)).size, 50);
  assert.equal(new Set(results.map((d) => d.credentials.tmpSecretId)).size, 50);
});

test('a temporary key pair signs with its sessionToken (X-TC-Token)', async () => {
  const id = 'AKIDTEMPORARYEXAMPLE';
  const token = 'session-token-EXAMPLE-marker';
  const temp = await h.emulator('temporary', ['--key', `${id}:temporary-key`, '--token', `${id}:${token}`]);
  try {
    const withToken = h.options(temp.url, { secretId: id, secretKey: 'temporary-key', sessionToken: token });
    assertCredential(await sts.getRoleCredential({ ...withToken, roleArn: ROLE }));
    // GetFederationToken accepts permanent keys only: the core refuses before sending.
    const refused = await sts.getCredential(withToken).then(() => assert.fail('GetFederationToken with a temporary key'), (e) => e);
    assert.match(refused.message, /use sts_get_role_credential/);
    assertNoSecret(refused, token, 'temporary-key');
    const err = await sts.getRoleCredential({ ...h.options(temp.url, { secretId: id, secretKey: 'temporary-key' }), roleArn: ROLE }).then(
      () => assert.fail('a temporary key without its token must be refused'),
      (e) => e,
    );
    assert.equal(err.code, 'AuthFailure.TokenFailure');
    assertNoSecret(err, token, 'temporary-key');
  } finally {
    await temp.stop();
  }
});

test('getUploadCredential: one server-chosen key per call, the extension checked by the core', async () => {
  const options = { secretId: h.SECRET_ID, secretKey: h.SECRET_KEY, url: emu.url, bucket: h.BUCKET,
    region: 'ap-guangzhou' };
  const first = await sts.getUploadCredential({ ...options, upload: { filename: 'Photo.JPG', allowExt: ['jpg'] } });
  const second = await sts.getUploadCredential({ ...options, upload: { ext: 'jpg' } });
  assert.equal(first.bucket, h.BUCKET);
  assert.match(first.key, /^file\/\d{8}\/\d{8}_[0-9a-f]{16}\.jpg$/);
  assert.notEqual(first.key, second.key);
  assert.ok(first.credentials.tmpSecretKey.length > 0);
  await assert.rejects(
    sts.getUploadCredential({ ...options, upload: { ext: 'exe', allowExt: ['jpg'] } }),
    (e) => e.kind === 'InvalidArgument' && e.message.startsWith('upload.ext: '),
  );
});
