'use strict';
// The package's copies of core facts, checked against the core (issue 11: one table, checked for
// drift): the StsCode numbers (index.js KINDS, their one copy in JS; index.d.ts for TypeScript) and
// the option names index.d.ts declares. The package itself keeps no key table: options go to the
// core as given, and only `durationInSeconds` (qcloud-cos-sts's old name) is renamed.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const h = require('./helpers');
const core = require('./core');
const sts = require('..');

const DTS = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
const pascal = (name) => name.replace(/^STS_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase());

test('the header parser reads implicit and explicit values', () => {
  const text = 'typedef enum StsCode {\n  /** doc, with = and , */\n  A = 0,\n  B, // note\n  C = 7,\n  D,\n} StsCode;';
  assert.deepEqual(core.headerCodes(text), { A: 0, B: 1, C: 7, D: 8 });
});

test('StsCode (index.js) matches enum StsCode of include/sts.h', () => {
  const expected = Object.fromEntries(Object.entries(core.headerCodes(core.header())).map(([n, v]) => [pascal(n), v]));
  assert.ok(expected.Ok === 0 && Object.keys(expected).length >= 6, JSON.stringify(expected));
  assert.deepEqual({ ...sts.StsCode }, expected);
  assert.ok(Object.isFrozen(sts.StsCode));
  for (const [kind, code] of Object.entries(expected)) {
    if (kind !== 'Ok') assert.equal(new sts.StsError(kind, 'Client.X', 'm', null).stsCode, code, kind);
  }
});

test('StsCode (index.d.ts) matches the header too', () => {
  const m = /export const StsCode: Readonly<\{([^}]*)\}>/.exec(DTS);
  assert.ok(m, 'index.d.ts declares no `StsCode: Readonly<{...}>`');
  const declared = Object.fromEntries(m[1].split(';').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [k, v] = s.split(':').map((x) => x.trim());
    return [k, Number(v)];
  }));
  assert.deepEqual(declared, { ...sts.StsCode });
});

// The core's option spellings, asked of the core (it exports no key list, and a copy here would
// drift like any other): a spelling is a key iff sts_check_config({spelling: null}) does not answer
// "<spelling>: unknown config key" (keys are resolved before any value is read). The candidates are
// every identifier in the core's sources, wherever and however its key table is written.
function coreSpellings() {
  const words = new Set();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.rs')) for (const w of fs.readFileSync(p, 'utf8').match(/[A-Za-z_][A-Za-z0-9_]{0,40}/g) || []) words.add(w);
    }
  };
  walk(path.join(h.ROOT, 'src'));
  assert.ok(words.size > 100, 'no Rust sources found under src/');
  return [...words].filter((w) => !core.coreMessage([[w, null]]).startsWith(`${w}: unknown config key`)).sort();
}

/** The option names of the credential option interfaces in index.d.ts. */
function declaredOptions() {
  const names = new Set();
  for (const iface of ['CommonCredentialOptions', 'GetCredentialOptions', 'GetRoleCredentialOptions', 'GetUploadCredentialOptions', 'WebIdentityCredentialOptions']) {
    const m = new RegExp(`export interface ${iface}[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(DTS);
    assert.ok(m, `index.d.ts has no interface ${iface}`);
    for (const [, name] of m[1].matchAll(/^\s*(\w+)\??:/gm)) names.add(name);
  }
  return names;
}

test('index.d.ts declares every option spelling the core accepts, and nothing else', () => {
  const spellings = coreSpellings();
  assert.ok(spellings.length >= 20 && spellings.includes('secretId') && spellings.includes('secret_id'), spellings.join());
  const declared = declaredOptions();
  assert.deepEqual(spellings.filter((s) => !declared.has(s)), [], 'core keys missing from index.d.ts');
  const extra = [...declared].filter((s) => !spellings.includes(s));
  assert.deepEqual(extra, ['durationInSeconds'], 'index.d.ts declares options the core does not accept');
});

test('the probe can fail', () => {
  assert.equal(core.coreMessage([['bukcet', null]]), 'bukcet: unknown config key (did you mean `bucket`?)');
  assert.ok(!core.coreMessage([['bucket', null]]).startsWith('bucket: unknown config key'));
});

test('the package\'s own call options (index.d.ts CallOptions) are not core keys: they are never sent', () => {
  const m = /export interface CallOptions \{([\s\S]*?)\n\}/.exec(DTS);
  assert.ok(m, 'index.d.ts has no interface CallOptions');
  const names = [...m[1].matchAll(/^\s*(\w+)\?:/gm)].map((x) => x[1]);
  assert.deepEqual(names, ['signal']);
  for (const name of names) assert.ok(core.coreMessage([[name, null]]).startsWith(`${name}: unknown config key`), name);
});

test('every async export of include/sts.h is a function of the package, declared in index.d.ts', () => {
  const camel = (name) => name.replace(/^sts_/, '').replace(/_async$/, '').replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  const exports = [...core.header().matchAll(/enum StsCode (sts_\w+_async)\(/g)].map((m) => m[1]);
  assert.ok(exports.includes('sts_get_caller_identity_async') && exports.length >= 5, exports.join());
  for (const name of exports.map(camel)) {
    assert.equal(typeof sts[name], 'function', `index.js does not export ${name}`);
    assert.match(DTS, new RegExp(`export function ${name}\\(`), `index.d.ts does not declare ${name}`);
  }
});

test('every export of index.js is declared in index.d.ts, and nothing else is', () => {
  const declared = new Set([...DTS.matchAll(/^export (?:function|const|class) (\w+)/gm)].map((m) => m[1]));
  assert.deepEqual([...new Set(Object.keys(sts))].sort(), [...declared].sort());
});

// Every export of include/sts.h, and what index.js does with it: a new export fails here until it
// is wrapped or listed with the reason it is not.
const OTHER_EXPORTS = {
  sts_cache_clear: 'clearCache',
  sts_version: 'libraryVersion',
  sts_get_policy: 'getPolicy',
  sts_string_free: null, // called by index.js after decoding each answer
  sts_set_async_workers: null, // the worker count is left to LIBSTS_ASYNC_WORKERS
  // The blocking forms: this package calls the _async exports only (the event loop never blocks).
  sts_get_credential: null,
  sts_get_role_credential: null,
  sts_get_upload_credential: null,
  sts_get_caller_identity: null,
  sts_get_web_identity_credential: null,
  sts_check_config: null, // the core checks each call's options itself
};

test('every export of include/sts.h is wrapped (and declared in index.d.ts) or listed as not wrapped', () => {
  const declared = [...core.header().matchAll(/^(?:STS_NODISCARD )?(?:enum StsCode|void|const char) \*?(sts_\w+)\(/gm)].map((m) => m[1]);
  assert.ok(declared.includes('sts_cache_clear') && declared.includes('sts_get_credential_async'), declared.join());
  const known = [...declared.filter((n) => n.endsWith('_async')), ...Object.keys(OTHER_EXPORTS)];
  assert.deepEqual([...new Set(declared)].sort(), [...new Set(known)].sort(), 'exports of sts.h not accounted for');
  for (const [name, fn] of Object.entries(OTHER_EXPORTS)) {
    if (fn === null) continue;
    assert.equal(typeof sts[fn], 'function', `${name}: index.js does not export ${fn}`);
    assert.match(DTS, new RegExp(`export function ${fn}\\(`), `${name}: index.d.ts does not declare ${fn}`);
  }
});
