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

// getPolicy writes the JSON of plain scope lists directly (fastScopesJson) and sends everything
// else through the value check + JSON.stringify (generalScopesJson). The core validates both.
const { fastScopesJson, generalScopesJson } = sts[Symbol.for('qcloud-cos-sts-libsts.marshalling')];

/** The fast writer took `scopes`: its text is JSON.stringify's, and getPolicy's answer is the raw text's. */
function assertFast(scopes) {
  const text = fastScopesJson(scopes);
  assert.notEqual(text, null, `fast path refused ${JSON.stringify(scopes)}`);
  assert.equal(text, JSON.stringify(scopes));
  assert.equal(text, generalScopesJson(scopes));
  let viaObjects;
  let viaText;
  try {
    viaObjects = sts.getPolicy(scopes);
  } catch (e) {
    viaObjects = e.message;
  }
  try {
    viaText = sts.getPolicy(text);
  } catch (e) {
    viaText = e.message;
  }
  assert.deepEqual(viaObjects, viaText);
}

test('fast scope writer: plain scopes give JSON.stringify\'s text byte for byte and the same policy', () => {
  const plain = [
    [],
    [scope()],
    [scope(), scope({ action: ['name/cos:GetObject', 'name/cos:HeadObject'], prefix: ['a/*', '/b/c.jpg', ''] })],
    [scope({ effect: 'deny', service: 'cos' })],
    [{ action: 'name/ci:CreateMediaJobs', bucket: 'example-1250000000', region: 'ap-shanghai', resource_prefix: 'p', service: 'ci' }],
    [{ region: 'ap-guangzhou', prefix: 'x', bucket: 'example-1250000000', action: 'name/cos:PutObject' }], // key order kept
    [Object.assign(Object.create(null), scope())], // a null-prototype object is plain
    [scope({ prefix: " !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~" })], // every printable ASCII but " and \
    [scope({ action: [] })], // the core refuses it, naming the field, on both paths
    [scope({ bucket: 'example' })],
    [scope({ prefix: 'a', resource_prefix: 'b' })],
  ];
  for (const scopes of plain) assertFast(scopes);
  throwsInvalid(() => sts.getPolicy([scope({ bucket: 'example' })]), 'scopes[0].bucket');
  throwsInvalid(() => sts.getPolicy([scope({ prefix: 'a', resource_prefix: 'b' })]), 'scopes[0].prefix: given more than once');
});

test('fast scope writer: symbol keys and named properties on arrays are skipped, as JSON.stringify does', () => {
  const withSymbol = scope();
  withSymbol[Symbol('s')] = 'x';
  const list = [withSymbol];
  list.extra = 'ignored';
  assertFast(list);
});

test('fast scope writer: anything unusual falls back to the general path, which gives the same answer', () => {
  class Scope {
    constructor() {
      Object.assign(this, scope());
    }
  }
  const hole = [scope(), , scope()];
  const prefixHole = [scope({ prefix: ['a', , 'b'] })];
  const withToJSON = scope();
  Object.defineProperty(withToJSON, 'toJSON', { value: () => ({ action: 'x' }), enumerable: false });
  const listToJSON = [scope()];
  listToJSON.toJSON = () => [];
  const prefixToJSON = ['a'];
  prefixToJSON.toJSON = () => 'b';
  const unusual = {
    'a number': [scope({ prefix: 1 })],
    'a boolean': [scope({ effect: true })],
    'null': [scope({ bucket: null })],
    'undefined (dropped by JSON.stringify)': [scope({ effect: undefined })],
    'an unknown key': [scope({ extra: 'x' })],
    'a condition object': [scope({ condition: { ip_equal: { 'qcs:ip': '10.0.0.1' } } })],
    'NUL': [scope({ prefix: 'a\0b' })],
    'a control character': [scope({ region: 'ap-guangzhou\n' })],
    'DEL': [scope({ prefix: 'a\x7f' })],
    'a double quote': [scope({ prefix: 'a"b' })],
    'a backslash': [scope({ prefix: 'a\\b' })],
    'non-ASCII': [scope({ prefix: '目录/é' })],
    'an emoji (a surrogate pair)': [scope({ prefix: '😀' })],
    'a lone surrogate': [scope({ prefix: 'a\ud800' })],
    'a lone surrogate in a list': [scope({ action: ['name/cos:PutObject', '\udc00'] })],
    'a number in a list': [scope({ prefix: ['a', 2] })],
    'a nested list': [scope({ prefix: [['a']] })],
    'a hole in the scope list': hole,
    'a hole in a prefix list': prefixHole,
    'a class instance': [new Scope()],
    'a Map': [new Map([['action', 'x']])],
    'an array as a scope': [['action', 'x']],
    'a string as a scope': ['scope'],
    'a boxed string': [scope({ prefix: new String('a') })],
    'a toJSON method on the scope': [withToJSON],
    'a toJSON method on the list': listToJSON,
    'a toJSON method on a prefix list': [scope({ prefix: prefixToJSON })],
    'an own __proto__ key': [JSON.parse('{"__proto__":"x","action":"a"}')],
  };
  for (const [what, scopes] of Object.entries(unusual)) {
    assert.equal(fastScopesJson(scopes), null, `fast path took ${what}`);
    // The general path's answer: an error naming the field, or the policy of the text it writes.
    let expected;
    let general;
    try {
      general = generalScopesJson(scopes);
    } catch (e) {
      expected = { message: e.message };
    }
    if (general !== undefined) {
      try {
        expected = sts.getPolicy(general);
      } catch (e) {
        expected = { message: e.message };
      }
    }
    let got;
    try {
      got = sts.getPolicy(scopes);
    } catch (e) {
      assert.ok(e instanceof sts.StsError, `${what}: ${e}`);
      got = { message: e.message };
    }
    assert.deepEqual(got, expected, what);
  }
  // The fallbacks still name the field at fault.
  throwsInvalid(() => sts.getPolicy(unusual['a lone surrogate']), 'scopes[0].prefix: not valid Unicode');
  throwsInvalid(() => sts.getPolicy(unusual['a lone surrogate in a list']), 'scopes[0].action[1]: not valid Unicode');
  throwsInvalid(() => sts.getPolicy(unusual['an unknown key']), 'scopes[0]: unknown key `extra`');
  throwsInvalid(() => sts.getPolicy(unusual.NUL), 'scopes[0].prefix');
  throwsInvalid(() => sts.getPolicy(unusual['a number']), 'scopes[0].prefix');
  assert.deepEqual(sts.getPolicy(unusual['non-ASCII']).statement[0].resource, [`${RES}/目录/é`]);
  assert.deepEqual(sts.getPolicy(unusual['a double quote']).statement[0].resource, [`${RES}/a"b`]);
  assert.deepEqual(sts.getPolicy(unusual['undefined (dropped by JSON.stringify)']), sts.getPolicy([scope()]));
});

test('fast scope writer: 2,000 random scope lists, the fast text is always JSON.stringify\'s', () => {
  // A fixed-seed generator (xorshift32): the same lists on every run.
  let seed = 0x2545f491;
  const next = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const chars = ['a', 'Z', '0', '/', '*', ' ', '-', '~', '"', '\\', '\0', '\n', '\x7f', 'é', '目', '\ud800', '😀'];
  const keys = ['action', 'bucket', 'region', 'prefix', 'resource_prefix', 'effect', 'service', 'condition', 'extra', 'toJSON'];
  const str = () => Array.from({ length: next(6) }, () => chars[next(chars.length)]).join('');
  const value = () => {
    switch (next(8)) {
      case 0:
        return next(2) === 0 ? 1 : null;
      case 1:
      case 2:
        return Array.from({ length: next(4) }, () => (next(10) === 0 ? 7 : str()));
      default:
        return str();
    }
  };
  let fast = 0;
  let fellBack = 0;
  for (let i = 0; i < 2000; i++) {
    const scopes = Array.from({ length: next(3) }, () => {
      const s = {};
      for (let k = next(6); k > 0; k--) s[keys[next(keys.length)]] = value();
      return s;
    });
    const text = fastScopesJson(scopes);
    if (text === null) {
      fellBack++;
      continue;
    }
    fast++;
    assert.equal(text, JSON.stringify(scopes));
  }
  // Both kinds occur: the comparison above is not vacuous.
  assert.ok(fast > 200, `only ${fast} lists took the fast path`);
  assert.ok(fellBack > 200, `only ${fellBack} lists fell back`);
});
