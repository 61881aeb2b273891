'use strict';
// Drop-in check: every public name the vendor's nodejs/demo programs (qcloud-cos-sts) use, called
// through the installed package with only the require changed ('qcloud-cos-sts' ->
// 'qcloud-cos-sts-libsts'), against the emulator.
//
// Run by packaging/node/user-test.sh (the packed tarball installed in an empty project, no checkout)
// and by bindings/node/test/dropin.test.js (the development tree, STS_DROPIN_REQUIRE=its path).
// Plain Node, no test framework. Environment: STS_EMULATOR_URL (an emulator that knows the key pair
// below), STS_VERSION (optional: the version the package must report).

const assert = require('assert');

const STS = require(process.env.STS_DROPIN_REQUIRE || 'qcloud-cos-sts-libsts'); // the one changed line

const secretId = 'AKIDEMULATOREXAMPLE0000000000000000';
const secretKey = 'emulator-secret-key-EXAMPLE';
const roleArn = 'qcs::cam::uin/100000000001:roleName/dropin-EXAMPLE';
const bucket = 'dropin-1250000000';
const region = 'ap-guangzhou';
const url = process.env.STS_EMULATOR_URL;
assert.ok(url, 'STS_EMULATOR_URL is not set');

/** The callback form the demos use: fn(options, function (err, credential) {...}). */
function call(fn, options) {
  return new Promise((resolve) => fn(options, (err, credential) => resolve({ err, credential })));
}

function checkCredential(what, { err, credential }) {
  assert.ifError(err);
  assert.ok(credential, `${what}: no credential`);
  for (const name of ['tmpSecretId', 'tmpSecretKey', 'sessionToken']) {
    assert.equal(typeof credential.credentials[name], 'string', `${what}: credentials.${name}`);
    assert.ok(credential.credentials[name].length > 0, `${what}: credentials.${name} is empty`);
  }
  assert.equal(typeof credential.startTime, 'number', `${what}: startTime`);
  assert.ok(credential.expiredTime > credential.startTime, `${what}: expiredTime not after startTime`);
  assert.equal(typeof credential.expiration, 'string', `${what}: expiration`);
  assert.equal(typeof credential.requestId, 'string', `${what}: requestId`);
  // getKeyAndCredentials sets its own startTime on the answer and sends it as JSON.
  credential.startTime = 1;
  assert.equal(JSON.parse(JSON.stringify(credential)).startTime, 1, `${what}: the answer is not a plain object`);
}

async function main() {
  if (process.env.STS_VERSION) {
    assert.equal(STS.libraryVersion(), process.env.STS_VERSION, 'sts_version()');
  }
  const appId = bucket.substr(1 + bucket.lastIndexOf('-'));
  const cos = `qcs::cos:${region}:uid/${appId}:${bucket}`;

  // getPolicy(scope) with one entry per demo shape: a prefix, and GetService with none.
  const scoped = STS.getPolicy([
    { action: 'name/cos:PutObject', bucket, region, prefix: 'exampleobject' },
    { action: 'name/cos:GetService', bucket, region },
  ]);
  assert.equal(scoped.version, '2.0');
  assert.deepEqual(scoped.statement[0].action, ['name/cos:PutObject']);
  assert.deepEqual(scoped.statement[0].resource, [`${cos}/exampleobject`]);
  assert.equal(scoped.statement[0].effect, 'allow');
  assert.deepEqual(scoped.statement[1].resource, ['*'], 'GetService is not bucket scoped');

  // demo.js: a hand-written policy (cos and ci resources); proxy '' and endpoint unset.
  const handWritten = {
    version: '2.0',
    statement: [
      {
        action: ['name/cos:PutObject', 'name/cos:PostObject', 'name/ci:CreateMediaBucket'],
        effect: 'allow',
        resource: [`${cos}/exampleobject`, `qcs::ci:${region}:uid/${appId}:bucket/${bucket}/*`],
      },
    ],
  };
  const common = { secretId, secretKey, proxy: '', durationSeconds: 1800, region, url };
  // The one documented difference (README): the demos' `principal: {qcs: ['*']}` is refused before
  // any request, naming the field, since STS rejects a policy with a principal.
  const withPrincipal = { ...handWritten, statement: [{ ...handWritten.statement[0], principal: { qcs: ['*'] } }] };
  const principal = await call(STS.getCredential, { ...common, policy: withPrincipal });
  assert.ok(principal.err instanceof STS.StsError, 'a policy with a principal was sent');
  assert.equal(principal.err.kind, 'InvalidArgument');
  assert.match(principal.err.message, /^policy\.statement\[0\]\.principal: not allowed/);
  checkCredential('getCredential', await call(STS.getCredential, { ...common, endpoint: undefined, policy: handWritten }));
  checkCredential('getRoleCredential', await call(STS.getRoleCredential, { ...common, policy: handWritten, roleArn }));
  checkCredential('getPolicy + getCredential', await call(STS.getCredential, { ...common, policy: scoped }));
  // sts-server*.js: endpoint / host named; getKeyAndCredentials: proxy from an unset variable, a
  // condition object (empty, or the content-type one).
  checkCredential(
    'getCredential with endpoint',
    await call(STS.getCredential, { ...common, endpoint: 'sts.tencentcloudapi.com', policy: scoped }),
  );
  const withCondition = {
    version: '2.0',
    statement: [
      {
        action: ['name/cos:PutObject'],
        effect: 'allow',
        resource: [`${cos}/file/20261202/x.jpg`],
        condition: { string_like_if_exist: { 'cos:content-type': 'image/*' } },
      },
    ],
  };
  checkCredential(
    'getCredential with host and a condition',
    await call(STS.getCredential, { ...common, proxy: undefined, host: 'sts.tencentcloudapi.com', policy: withCondition }),
  );
  withCondition.statement[0].condition = {};
  checkCredential('getCredential with an empty condition', await call(STS.getCredential, { ...common, policy: withCondition }));

  // `err || credential`: a refused key is an error whose text and JSON name no secret.
  const refused = await call(STS.getCredential, { ...common, secretKey: 'wrong-secret-key-EXAMPLE', policy: scoped });
  assert.ok(refused.err instanceof Error, 'a wrong secret key got credentials');
  assert.equal(refused.credential, undefined);
  assert.match(refused.err.code, /^AuthFailure/);
  const shown = `${refused.err} ${JSON.stringify(refused.err)}`;
  assert.ok(!shown.includes('wrong-secret-key-EXAMPLE') && !shown.includes(secretKey), 'the error shows a secret');
  console.log('dropin: ok (getPolicy, getCredential, getRoleCredential)');
}

main().catch((e) => {
  console.error(`dropin: FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
