'use strict';
/**
 * qcloud-cos-sts-libsts: Tencent Cloud STS temporary keys for COS, through libsts (Rust, C ABI).
 *
 * A drop-in for the npm package `qcloud-cos-sts` (3.1.3): getCredential, getRoleCredential,
 * getPolicy with the same option names and result object. Network calls run on libuv worker
 * threads through koffi's async calls, so the event loop never blocks.
 *
 * Never log the result object or the options: they hold secret keys.
 */

const fs = require('fs');
const path = require('path');
const koffi = require('koffi');

/**
 * The kind names of include/sts.h's StsCode numbers (index = number, stable forever): the one copy
 * in this package, since a shared library carries no enum. test/drift.test.js compares it with the
 * header.
 */
const KINDS = ['Ok', 'InvalidArgument', 'Network', 'Service', 'BadResponse', 'Internal'];

/** `{Ok: 0, InvalidArgument: 1, ...}`: the numbers `StsError#stsCode` takes. */
const StsCode = Object.freeze(Object.fromEntries(KINDS.map((kind, code) => [kind, code])));

/**
 * koffi's async calls run on a separate stack of `async_stack_size` bytes (128 KiB by default),
 * too small for a TLS request through the library (see FFI-NOTES.md). It must be raised before the
 * first koffi.load() in the process.
 */
const ASYNC_STACK_SIZE = 2 << 20;

class StsError extends Error {
  /**
   * @param {string} kind InvalidArgument | Network | Service | BadResponse | Internal
   * @param {string} code the service's code (Service) or a `Client.*` code
   * @param {string} message never contains a secret
   * @param {string|null} requestId the STS RequestId when the service answered
   */
  constructor(kind, code, message, requestId) {
    super(message);
    this.name = 'StsError';
    this.code = code;
    this.requestId = requestId == null ? null : String(requestId);
    this.kind = kind;
    this.stsCode = kind in StsCode ? StsCode[kind] : StsCode.Internal;
    // qcloud-cos-sts handed service errors over as STS's own `{Code, Message, RequestId}`; keep
    // those names readable (non-enumerable, so logs and JSON show each value once).
    for (const [alias, key] of [['Code', 'code'], ['Message', 'message'], ['RequestId', 'requestId']]) {
      Object.defineProperty(this, alias, { get: () => this[key], enumerable: false, configurable: true });
    }
  }
}

function invalid(message) {
  return new StsError('InvalidArgument', 'Client.InvalidArgument', message, null);
}

// ---------------------------------------------------------------------------------------------
// Loading the library

function candidatePaths() {
  if (process.env.LIBSTS_PATH) return [process.env.LIBSTS_PATH];
  const file = process.platform === 'win32' ? 'sts.dll' : process.platform === 'darwin' ? 'libsts.dylib' : 'libsts.so';
  return [
    path.join(__dirname, file), // shipped next to the package
    path.join(__dirname, 'lib', file),
    path.join(__dirname, '..', '..', 'target', 'release', file), // a libsts checkout
  ];
}

function configureKoffi() {
  const current = koffi.config();
  if (current.async_stack_size >= ASYNC_STACK_SIZE) return;
  try {
    koffi.config({ ...current, async_stack_size: ASYNC_STACK_SIZE });
  } catch (e) {
    // Another package loaded a library through the same koffi first; its stack size stays.
    if (current.async_stack_size < 1 << 20) {
      throw new Error(
        `qcloud-cos-sts-libsts: koffi's async_stack_size is ${current.async_stack_size} bytes and can no longer ` +
          `be changed (${e.message}); require('qcloud-cos-sts-libsts') before other koffi users, or have them call ` +
          `koffi.config({async_stack_size: ${ASYNC_STACK_SIZE}}) before their koffi.load()`,
      );
    }
  }
}

let native = null;
// Raise the stack at require() time already: koffi refuses once any library is loaded in the process.
let configError = null;
try {
  configureKoffi();
} catch (e) {
  configError = e;
}

function load() {
  if (native) return native;
  if (configError) {
    configureKoffi(); // still too small? (throws the explanation)
    configError = null;
  }
  const tried = candidatePaths();
  const file = tried.find((p) => fs.existsSync(p));
  if (!file) {
    throw new Error(
      `qcloud-cos-sts-libsts: libsts not found (tried ${tried.join(', ')}); build it with ` +
        '`cargo build --release` in the libsts checkout or set LIBSTS_PATH to the libsts.so file',
    );
  }
  const lib = koffi.load(file);
  const free = lib.func('void sts_string_free(void *s)');
  // An owned `char *`: koffi decodes it as UTF-8, then hands the pointer to sts_string_free.
  // Anonymous type (no global koffi type name that a second copy of this package would clash with).
  const StsString = koffi.disposable('str', free);
  const outString = koffi.out(koffi.pointer(StsString));
  const fn = (name) => lib.func(name, 'int', ['const char *', outString]);
  native = {
    file,
    getCredential: fn('sts_get_credential'),
    getRoleCredential: fn('sts_get_role_credential'),
    getUploadCredential: fn('sts_get_upload_credential'),
    getPolicy: fn('sts_get_policy'),
    version: lib.func('const char *sts_version(void)'),
  };
  return native;
}

// ---------------------------------------------------------------------------------------------
// Marshalling

/** Far above the core's documented nesting limit (128); only keeps this walk off the stack limit. */
const MAX_DEPTH = 512;

// A UTF-16 code unit that is half of a pair with no other half: it has no UTF-8 form.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Throws, naming the field, for what JSON.stringify would drop or mangle silently: functions,
 * symbols, BigInts (which throw there), NaN and Infinity (become null), lone surrogates (no UTF-8
 * form; the core could not say which field). Messages name types, never values (secrets).
 * NUL and other control characters are fine here: JSON escapes them and the core's rules decide.
 */
function checkValue(value, field, depth = 0) {
  if (depth > MAX_DEPTH) throw invalid(`${field}: nested more than ${MAX_DEPTH} levels deep`);
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) {
        throw invalid(`${field}: not valid Unicode (a lone surrogate); it cannot be sent as UTF-8`);
      }
      return;
    case 'number':
      if (!Number.isFinite(value)) throw invalid(`${field}: NaN and Infinity have no JSON form`);
      return;
    case 'function':
    case 'symbol':
    case 'bigint':
      throw invalid(`${field}: expected a JSON value, got a ${typeof value}`);
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => checkValue(item, `${field}[${i}]`, depth + 1));
        return;
      }
      for (const key of Object.keys(value)) {
        if (LONE_SURROGATE.test(key)) throw invalid(`${field}: a key is not valid Unicode (a lone surrogate)`);
        if (value[key] !== undefined) checkValue(value[key], `${field}.${key}`, depth + 1);
      }
      return;
    default: // undefined: left out, as JSON.stringify does
  }
}

function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * qcloud-cos-sts options -> the libsts config JSON. The core owns every rule: it accepts the
 * vendor's camelCase names (secretId, secretKey, durationSeconds, roleArn, host, ...) and the
 * snake_case names, and refuses unknown keys, types and ranges by name with its own message.
 * Here only JS-specific things happen: `undefined` means "not given", values JSON cannot carry
 * are refused by field, the deprecated `durationInSeconds` becomes `durationSeconds`.
 */
function configJson(options) {
  if (!isPlainObject(options)) throw invalid('options: expected an object');
  const config = {};
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (value === undefined) continue;
    if (LONE_SURROGATE.test(key)) throw invalid('options: a key is not valid Unicode (a lone surrogate)');
    checkValue(value, key);
    config[key] = value;
  }
  if ('durationInSeconds' in config) {
    // qcloud-cos-sts's deprecated spelling; it already warned about it.
    if ('durationSeconds' in config || 'duration_seconds' in config) {
      throw invalid('durationInSeconds: given together with durationSeconds; keep durationSeconds');
    }
    config.durationSeconds = config.durationInSeconds;
    delete config.durationInSeconds;
  }
  return JSON.stringify(config);
}

function scopesJson(scopes) {
  if (typeof scopes === 'string') {
    // Raw text crosses as a C string: koffi would cut it at a NUL (inside JSON values, JSON escapes it).
    if (scopes.includes('\0')) throw invalid('scopes: contains a NUL character');
    if (LONE_SURROGATE.test(scopes)) throw invalid('scopes: not valid Unicode (a lone surrogate)');
    return scopes;
  }
  if (!Array.isArray(scopes)) throw invalid('scopes: expected an array of scopes (or its JSON text)');
  checkValue(scopes, 'scopes');
  return JSON.stringify(scopes);
}

/** The library's answer -> value or StsError. The text may hold secrets: never put it in a message. */
function decode(code, text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (_) {
    return { error: new StsError('Internal', 'Client.Internal', `libsts returned code ${code} with unparsable JSON`, null) };
  }
  if (code === 0) return { value: parsed };
  const e = (parsed && parsed.error) || {};
  const kind = KINDS[code] || 'Internal';
  return {
    error: new StsError(kind, String(e.code || 'Client.Internal'), String(e.message || `libsts returned code ${code}`), e.requestId),
  };
}

// ---------------------------------------------------------------------------------------------
// Async calls: a small JS queue in front of koffi.
//
// koffi queues async calls on the libuv thread pool (UV_THREADPOOL_SIZE, 4 by default), the same
// pool that fs, dns.lookup, zlib and crypto use. A slow STS must not occupy all of it, so at most
// `maxConcurrency` calls are handed to koffi at once (pool size - 1 by default); the rest wait here.

function defaultConcurrency() {
  const pool = parseInt(process.env.UV_THREADPOOL_SIZE, 10) || 4;
  return Math.max(1, Math.min(pool - 1, 128));
}

let maxConcurrency = defaultConcurrency();
let running = 0;
const waiting = [];

function setMaxConcurrency(n) {
  if (!Number.isInteger(n) || n < 1 || n > 128) throw new RangeError('setMaxConcurrency: expected an integer in 1..128');
  maxConcurrency = n;
  pump();
}

function pump() {
  while (running < maxConcurrency && waiting.length > 0) {
    const job = waiting.shift();
    running++;
    job();
  }
}

function callAsync(fn, json) {
  return new Promise((resolve, reject) => {
    waiting.push(() => {
      const out = [null];
      const done = (err, code) => {
        running--;
        pump();
        if (err) {
          reject(new StsError('Internal', 'Client.Internal', `koffi call failed: ${err.message}`, null));
          return;
        }
        const r = decode(code, out[0]);
        if (r.error) reject(r.error);
        else resolve(r.value);
      };
      try {
        fn.async(json, out, done);
      } catch (err) {
        done(err);
      }
    });
    pump();
  });
}

function credentialCall(which, options, callback) {
  if (callback !== undefined && typeof callback !== 'function') {
    throw new TypeError('callback: expected a function');
  }
  let promise;
  try {
    promise = callAsync(load()[which], configJson(options));
  } catch (err) {
    promise = Promise.reject(err);
  }
  if (!callback) return promise;
  // Called outside the promise chain: an exception thrown by the callback is the caller's.
  promise.then(
    (data) => process.nextTick(callback, null, data),
    (err) => process.nextTick(callback, err),
  );
  return undefined;
}

/**
 * STS GetFederationToken. Options as qcloud-cos-sts (secretId, secretKey, policy, durationSeconds,
 * region, proxy, host/endpoint) plus libsts's (url, timeoutMs, retries, caFile, bucket, allowPrefix,
 * allowActions, condition, name; snake_case too).
 */
function getCredential(options, callback) {
  return credentialCall('getCredential', options, callback);
}

/** STS AssumeRole: as getCredential plus roleArn, roleSessionName, externalId. */
function getRoleCredential(options, callback) {
  return credentialCall('getRoleCredential', options, callback);
}

/**
 * Upload credentials for one object key that libsts chooses from `options.upload`
 * (keyTemplate, filename or ext, allowExt, contentType, maxBytes, multipart); the result adds
 * bucket, region and key. A libsts addition.
 */
function getUploadCredential(options, callback) {
  return credentialCall('getUploadCredential', options, callback);
}

/** Scopes -> CAM policy (local, synchronous). Throws StsError on invalid scopes. */
function getPolicy(scopes) {
  const json = scopesJson(scopes);
  const out = [null];
  const code = load().getPolicy(json, out);
  const r = decode(code, out[0]);
  if (r.error) throw r.error;
  return r.value;
}

/** The version of the loaded libsts, e.g. "0.1.0". */
function libraryVersion() {
  return load().version();
}

module.exports = {
  getCredential,
  getRoleCredential,
  getUploadCredential,
  getPolicy,
  StsError,
  StsCode,
  libraryVersion,
  setMaxConcurrency,
  get libraryPath() {
    return load().file;
  },
};
