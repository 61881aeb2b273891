'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
require('./helpers');
const sts = require('..');

const scope = (extra = {}) => ({ action: 'name/cos:PutObject', bucket: 'example-1250000000', region: 'ap-guangzhou', prefix: 'dir/*', ...extra });
const RES = 'qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000';

function throwsInvalid(fn, messagePart) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof sts.StsError, `expected StsError, got ${e && e.name}`);
    assert.ok(e instanceof Error);
    assert.equal(e.kind, 'InvalidArgument');
    assert.equal(e.code, 'Client.InvalidArgument');
    assert.equal(e.stsCode, 1);
    assert.equal(e.requestId, null);
    assert.ok(e.message.includes(messagePart), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(messagePart)}`);
    return true;
  });
}

test('libraryVersion is the loaded libsts', () => {
  assert.match(sts.libraryVersion(), /^\d+\.\d+\.\d+/);
  assert.ok(sts.libraryPath.endsWith('libsts.so'));
});

test('one scope gives the DESIGN policy: list forms, current resource form, no principal', () => {
  assert.deepEqual(sts.getPolicy([scope()]), {
    version: '2.0',
    statement: [{ action: ['name/cos:PutObject'], effect: 'allow', resource: [`${RES}/dir/*`] }],
  });
});

test('empty scope list gives an empty statement list', () => {
  assert.deepEqual(sts.getPolicy([]), { version: '2.0', statement: [] });
});

test('lists, deny, condition, a leading slash and the ci service', () => {
  const condition = { ip_equal: { 'qcs:ip': '10.0.0.1' } };
  const p = sts.getPolicy([
    scope({ action: ['name/cos:PutObject', 'name/cos:GetObject'], prefix: ['/a/*', 'b'], effect: 'deny', condition }),
    { action: 'name/ci:CreateMediaJobs', bucket: 'example-1250000000', region: 'ap-shanghai', resource_prefix: 'p', service: 'ci' },
  ]);
  assert.deepEqual(p.statement[0], {
    action: ['name/cos:PutObject', 'name/cos:GetObject'],
    effect: 'deny',
    resource: [`${RES}/a/*`, `${RES}/b`],
    condition,
  });
  assert.deepEqual(p.statement[1].resource, ['qcs::ci:ap-shanghai:uid/1250000000:bucket/example-1250000000/p']);
});

test('GetService alone gets resource *', () => {
  assert.deepEqual(sts.getPolicy([scope({ action: 'name/cos:GetService' })]).statement[0].resource, ['*']);
});

test('scopes may be given as the JSON text a client posted', () => {
  assert.deepEqual(sts.getPolicy(JSON.stringify([scope()])), sts.getPolicy([scope()]));
});

test('invalid scopes throw StsError naming the field', () => {
  throwsInvalid(() => sts.getPolicy([scope({ extra: 1 })]), 'scopes[0]: unknown key `extra`');
  throwsInvalid(() => sts.getPolicy([{ action: 'name/cos:PutObject', bucket: 'example-1250000000', region: 'ap-guangzhou' }]), 'scopes[0].prefix');
  throwsInvalid(() => sts.getPolicy([scope({ bucket: 'example' })]), 'scopes[0].bucket');
  throwsInvalid(() => sts.getPolicy('not json'), 'scopes');
  throwsInvalid(() => sts.getPolicy({}), 'scopes: expected an array');
  throwsInvalid(() => sts.getPolicy(undefined), 'scopes: expected an array');
});

test('NUL: raw JSON text is refused (koffi would cut it); inside values it reaches the core whole', () => {
  throwsInvalid(() => sts.getPolicy(JSON.stringify([scope()]) + '\0garbage'), 'scopes: contains a NUL character');
  // JSON escapes a NUL in a value or key, so the core sees all of it and its rules decide.
  throwsInvalid(() => sts.getPolicy([{ ...scope(), ['a\0b']: 1 }]), 'scopes[0]: unknown key with a control character in its name');
  throwsInvalid(() => sts.getPolicy([scope({ region: 'ap-guangzhou\0evil' })]), 'scopes[0].region: ');
});

test('a NUL in a scope prefix is refused by the core as a control character (issue 11 item 5)', () => {
  throwsInvalid(() => sts.getPolicy([scope({ prefix: 'dir/*\0/../secret' })]), 'scopes[0].prefix');
  throwsInvalid(() => sts.getPolicy([scope({ prefix: 'dir/*\0/../secret' })]), 'control character');
});

test('values JSON cannot carry are refused naming the field', () => {
  throwsInvalid(() => sts.getPolicy([scope({ prefix: ['ok', 'bad\ud800'] })]), 'scopes[0].prefix[1]: not valid Unicode');
  throwsInvalid(() => sts.getPolicy(JSON.stringify([scope()]).replace('dir', '\udc00')), 'scopes: not valid Unicode');
  throwsInvalid(() => sts.getPolicy([scope({ condition: { n: { x: NaN } } })]), 'scopes[0].condition.n.x: NaN and Infinity');
  throwsInvalid(() => sts.getPolicy([scope({ condition: { n: 10n } })]), 'scopes[0].condition.n: expected a JSON value, got a bigint');
  const cyclic = scope();
  cyclic.condition = { self: cyclic };
  throwsInvalid(() => sts.getPolicy([cyclic]), 'nested more than 512 levels deep');
  // A pair of surrogates is one character, not a lone surrogate.
  assert.deepEqual(sts.getPolicy([scope({ prefix: '😀' })]).statement[0].resource, [`${RES}/😀`]);
});

test('non-ASCII survives the UTF-8 round trip', () => {
  const p = sts.getPolicy([scope({ prefix: '目录/文件-é.txt' })]);
  assert.deepEqual(p.statement[0].resource, [`${RES}/目录/文件-é.txt`]);
});

test('legacy qcloud-cos-sts shape differs as documented', () => {
  // qcloud-cos-sts 3.1.3 produced {action: 'name/cos:PutObject', principal: {qcs: '*'},
  // resource: 'qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/example/dir/*'}.
  const s = sts.getPolicy([scope()]).statement[0];
  assert.ok(Array.isArray(s.action) && Array.isArray(s.resource));
  assert.equal(s.principal, undefined);
  assert.ok(!s.resource[0].includes('prefix//'));
});
