'use strict';
/**
 * qcloud-cos-sts-libsts: Tencent Cloud STS temporary keys for COS, through libsts (Rust, C ABI).
 *
 * A drop-in for the npm package `qcloud-cos-sts` (3.1.3): getCredential, getRoleCredential,
 * getPolicy with the same option names and result object. Network calls run on libsts's own
 * worker threads (its async C exports) and answer through a koffi registered callback, so the
 * event loop never blocks and the libuv pool is never used.
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
    // The library shipped inside the package (`make dist-node`), one directory per platform.
    path.join(__dirname, 'prebuilds', `${process.platform}-${process.arch}`, file),
    path.join(__dirname, '..', '..', 'target', 'release', file), // a libsts checkout
  ];
}

/**
 * Every libsts worker that delivers a result holds one of koffi's "async call" slots while it waits
 * for the event loop to run the callback (koffi relays foreign-thread calls to the main thread).
 * Beyond koffi's limit (256 by default) it throws on that foreign thread, which crashes Node; 1,024
 * is the most workers libsts allows (sts_set_async_workers), plus room for other koffi users. Slots
 * are allocated on use, so a higher limit costs nothing until then.
 */
const KOFFI_ASYNC_SLOTS = 1024 + 64;

// koffi takes configuration only before its first koffi.load() in the process: at require() time.
function configureKoffi() {
  const current = koffi.config();
  if (current.max_async_calls >= KOFFI_ASYNC_SLOTS) return;
  try {
    koffi.config({ ...current, max_async_calls: KOFFI_ASYNC_SLOTS });
  } catch (_) {
    // Another package loaded a library through this koffi first: its limit stays (README,
    // "Concurrency"); the default 64 libsts workers stay far below it.
  }
}
configureKoffi();

let native = null;

function load() {
  if (native) return native;
  const tried = candidatePaths();
  const file = tried.find((p) => fs.existsSync(p));
  if (!file) {
    throw new Error(
      `qcloud-cos-sts-libsts: libsts not found (tried ${tried.join(', ')}); build it with ` +
        '`cargo build --release` in the libsts checkout or set LIBSTS_PATH to the libsts.so file',
    );
  }
  const lib = koffi.load(file);
  // Raw pointers, no koffi out-arrays or disposable types: the answer is read from one reused
  // pointer slot and freed right after decoding (the cheapest marshalling koffi offers; README).
  const free = lib.func('sts_string_free', 'void', ['void *']);
  const sync = (name) => lib.func(name, 'int', ['const char *', 'void *']);
  // StsCallback: user_data carries the call's number (uintptr_t has void *'s size and ABI).
  const callback = koffi.pointer(koffi.proto('void', ['uintptr_t', 'int', 'void *']));
  const asyncFn = (name) => lib.func(name, 'int', ['const char *', callback, 'uintptr_t']);
  native = {
    file,
    free,
    getPolicy: sync('sts_get_policy'),
    getCredential: asyncFn('sts_get_credential_async'),
    getRoleCredential: asyncFn('sts_get_role_credential_async'),
    getUploadCredential: asyncFn('sts_get_upload_credential_async'),
    getCallerIdentity: asyncFn('sts_get_caller_identity_async'),
    getWebIdentityCredential: asyncFn('sts_get_web_identity_credential_async'),
    version: lib.func('const char *sts_version(void)'),
    clearCache: lib.func('void sts_cache_clear(void)'),
    // One callback for every call, registered for the life of the process: koffi has 8,192
    // registration slots per process (shared with other koffi users) and libsts queues up to
    // 65,536 calls, so a registration per call would cap calls in flight and cost a
    // register/unregister pair each. Calls are told apart by user_data (see `pending`).
    onResult: koffi.register(onResult, callback),
  };
  return native;
}

/**
 * The `char **` that sts_get_policy writes its answer to: one slot for the whole process (the call
 * is synchronous, so no two calls share it), a BigUint64Array on 64-bit targets. Cleared before
 * each call, so a pointer is never read (and freed) twice even if a call wrote nothing.
 */
const POINTER_SIZE = koffi.sizeof('void *');
const slot = POINTER_SIZE === 8 ? new BigUint64Array(1) : new Uint8Array(POINTER_SIZE);
const readSlot = POINTER_SIZE === 8 ? () => slot[0] : () => koffi.decode(slot, 'void *');
const clearSlot =
  POINTER_SIZE === 8
    ? () => {
        slot[0] = 0n;
      }
    : () => slot.fill(0);

/**
 * The NUL-terminated UTF-8 string at `ptr` as a JS string, then released with sts_string_free.
 * koffi.decode.string (koffi >= 3.1) is the string decoder itself; the generic
 * koffi.decode(ptr, 'char', -1) resolves the type on every call (1,350 instructions more, README).
 */
function take(ptr) {
  if (!ptr) return ''; // only if libsts could not allocate its answer
  try {
    return koffi.decode.string(ptr);
  } finally {
    native.free(ptr);
  }
}

// ---------------------------------------------------------------------------------------------
// Marshalling

/** Far above the core's documented nesting limit (128); only keeps this walk off the stack limit. */
const MAX_DEPTH = 512;

// A UTF-16 code unit that is half of a pair with no other half: it has no UTF-8 form.
const LONE_SURROGATE = /\p{Cs}/u;

/** A string with no UTF-8 form? `isWellFormed` (Node 20+) is far cheaper than the regex. */
const illFormed = typeof ''.isWellFormed === 'function' ? (s) => !s.isWellFormed() : (s) => LONE_SURROGATE.test(s);

/**
 * True when JSON.stringify carries `value` faithfully: no function, symbol or BigInt, no NaN or
 * Infinity, no lone surrogate, not too deep. The fast path: no field names are built; only when it
 * says no does checkValue walk again to name the field.
 */
function jsonSafe(value, depth) {
  switch (typeof value) {
    case 'string':
      return !illFormed(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
    case 'undefined':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!jsonSafe(value[i], depth + 1)) return false;
        return true;
      }
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        if (illFormed(keys[i]) || !jsonSafe(value[keys[i]], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Throws, naming the field, for what JSON.stringify would drop or mangle silently: functions,
 * symbols, BigInts (which throw there), NaN and Infinity (become null), lone surrogates (no UTF-8
 * form; the core could not say which field). Messages name types, never values (secrets).
 * NUL and other control characters are fine here: JSON escapes them and the core's rules decide.
 */
function checkValue(value, field, depth = 0) {
  if (jsonSafe(value, depth)) return;
  if (depth > MAX_DEPTH) throw invalid(`${field}: nested more than ${MAX_DEPTH} levels deep`);
  switch (typeof value) {
    case 'string':
      throw invalid(`${field}: not valid Unicode (a lone surrogate); it cannot be sent as UTF-8`);
    case 'number':
      throw invalid(`${field}: NaN and Infinity have no JSON form`);
    case 'function':
    case 'symbol':
    case 'bigint':
      throw invalid(`${field}: expected a JSON value, got a ${typeof value}`);
    case 'object':
      if (Array.isArray(value)) {
        value.forEach((item, i) => checkValue(item, `${field}[${i}]`, depth + 1));
        return;
      }
      for (const key of Object.keys(value)) {
        if (illFormed(key)) throw invalid(`${field}: a key is not valid Unicode (a lone surrogate)`);
        checkValue(value[key], `${field}.${key}`, depth + 1);
      }
      return;
    default:
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
    if (value === undefined || key === 'signal') continue; // `signal` is this package's, not the core's
    if (illFormed(key)) throw invalid('options: a key is not valid Unicode (a lone surrogate)');
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

/**
 * The keys a scope may have whose values the fast writer below takes (the core's scope keys minus
 * `condition`, an object). Only a lookup table: the core still decides what each key accepts.
 */
const FAST_SCOPE_KEYS = Object.freeze({
  __proto__: null,
  action: true,
  bucket: true,
  region: true,
  prefix: true,
  resource_prefix: true,
  effect: true,
  service: true,
});

/** Printable ASCII without `"` and `\`: written between quotes, it is its own JSON string. */
const PLAIN_ASCII = /^[ !#-[\]-~]*$/;

/**
 * The JSON text of a list of plain scope objects, written directly; null for anything else.
 *
 * The common call, getPolicy([{action, bucket, region, prefix}]), spent 8.3k instructions on the
 * value walk and JSON.stringify; this writes the same text (byte for byte, test/policy.test.js) in
 * 5.5k, koffi's flattening of the rope included (README). It takes only arrays of plain objects
 * (prototype Object.prototype or null, no toJSON) whose keys are in FAST_SCOPE_KEYS and whose values are strings of printable ASCII
 * other than `"` and `\`, or arrays of such strings. Anything else (numbers, null, condition,
 * unknown keys, NUL and other control characters, non-ASCII, lone surrogates, holes)
 * returns null and takes the general path, which names the field JSON cannot carry. Which
 * values are right is still the core's call alone.
 */
function fastScopesJson(scopes) {
  if (scopes.toJSON !== undefined) return null;
  let out = '[';
  for (let i = 0; i < scopes.length; i++) {
    const scope = scopes[i];
    if (typeof scope !== 'object' || scope === null || scope.toJSON !== undefined) return null;
    const proto = Object.getPrototypeOf(scope);
    if (proto !== Object.prototype && proto !== null) return null; // arrays, classes, boxed values
    out += i === 0 ? '{' : ',{';
    const keys = Object.keys(scope);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (FAST_SCOPE_KEYS[key] !== true) return null;
      const value = scope[key];
      out += k === 0 ? '"' : ',"';
      out += key;
      if (typeof value === 'string') {
        if (!PLAIN_ASCII.test(value)) return null;
        out += '":"';
        out += value;
        out += '"';
      } else if (Array.isArray(value) && value.toJSON === undefined) {
        out += '":[';
        for (let j = 0; j < value.length; j++) {
          const item = value[j];
          if (typeof item !== 'string' || !PLAIN_ASCII.test(item)) return null;
          out += j === 0 ? '"' : ',"';
          out += item;
          out += '"';
        }
        out += ']';
      } else {
        return null;
      }
    }
    out += '}';
  }
  return out + ']';
}

/** What every scope list takes when fastScopesJson says no: check by field, then JSON.stringify. */
function generalScopesJson(scopes) {
  checkValue(scopes, 'scopes');
  return JSON.stringify(scopes);
}

function scopesJson(scopes) {
  if (typeof scopes === 'string') {
    // Raw text crosses as a C string: koffi would cut it at a NUL (inside JSON values, JSON escapes it).
    if (scopes.includes('\0')) throw invalid('scopes: contains a NUL character');
    if (illFormed(scopes)) throw invalid('scopes: not valid Unicode (a lone surrogate)');
    return scopes;
  }
  if (!Array.isArray(scopes)) throw invalid('scopes: expected an array of scopes (or its JSON text)');
  return fastScopesJson(scopes) ?? generalScopesJson(scopes);
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
// Async calls: the sts_*_async exports (credential, role, upload, caller identity, web identity).
//
// libsts runs each call on its own worker threads (64 by default, LIBSTS_ASYNC_WORKERS), so nothing
// occupies the libuv pool and nothing blocks the event loop. The answer comes to the one registered
// callback `onResult`, which koffi runs on the main thread (the worker waits meanwhile).

/** Calls accepted by libsts and not answered yet, by the number passed as user_data. */
const pending = new Map();
let nextId = 1;
/** Answers decoded by onResult, settled from setImmediate (see flush). */
let ready = [];
let flushScheduled = false;
/** Counters for the tests (`internals`): they prove exactly-once delivery and that aborted results are freed. */
const stats = { accepted: 0, delivered: 0, unknown: 0, abortedFreed: 0 };

/**
 * Keeps the event loop alive while libsts owes an answer, aborted calls included: koffi's relay
 * from a worker thread into a Node that has exited can crash it. Unref'd when nothing is pending.
 */
let keepAlive = null;
function holdLoop() {
  if (!keepAlive) keepAlive = setInterval(() => {}, 0x7fffffff);
  else keepAlive.ref();
}

function onResult(id, code, ptr) {
  // Runs on the main thread from koffi's relay: must not throw (nothing could catch it).
  try {
    const call = pending.get(id);
    if (call === undefined) {
      stats.unknown++;
      native.free(ptr);
      return;
    }
    pending.delete(id);
    stats.delivered++;
    if (call.aborted) {
      // Already rejected with an AbortError: release the answer unread (it may hold secret keys).
      native.free(ptr);
      stats.abortedFreed++;
    } else {
      call.code = code;
      call.text = take(ptr);
      ready.push(call);
    }
    // Settle from setImmediate, never from inside the relay: the worker that delivered this answer
    // is still inside koffi until the relay returns, and a process that exits right after the last
    // answer could crash under it (FFI-NOTES). The immediate also keeps the loop alive that long.
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  } catch (_) {
    // Only an out-of-memory decode can get here; the call's promise then never settles.
  }
}

function flush() {
  flushScheduled = false;
  const batch = ready;
  ready = [];
  for (const call of batch) {
    if (call.aborted) continue; // aborted after its answer arrived, before this tick
    if (call.signal) unwatch(call);
    const r = decode(call.code, call.text);
    call.text = null;
    if (r.error) call.reject(r.error);
    else call.resolve(r.value);
  }
  if (pending.size === 0 && keepAlive) keepAlive.unref();
}

/**
 * One 'abort' listener per signal, however many calls share it (a request's signal is typically
 * passed to all its calls; a listener each would trip Node's MaxListenersExceededWarning at 11).
 */
const watched = new WeakMap(); // AbortSignal -> {calls: Set, onAbort}

function watch(call) {
  const signal = call.signal;
  let entry = watched.get(signal);
  if (!entry) {
    entry = { calls: new Set(), onAbort: null };
    entry.onAbort = () => {
      watched.delete(signal);
      for (const c of entry.calls) {
        c.aborted = true;
        c.text = null;
        c.reject(abortError(signal));
      }
    };
    watched.set(signal, entry);
    signal.addEventListener('abort', entry.onAbort, { once: true });
  }
  entry.calls.add(call);
}

function unwatch(call) {
  const entry = watched.get(call.signal);
  if (entry && entry.calls.delete(call) && entry.calls.size === 0) {
    watched.delete(call.signal);
    call.signal.removeEventListener('abort', entry.onAbort);
  }
}

function abortError(signal) {
  return new DOMException('The operation was aborted', { name: 'AbortError', cause: signal.reason });
}

function isAbortSignal(v) {
  return v !== null && typeof v === 'object' && typeof v.aborted === 'boolean' && typeof v.addEventListener === 'function';
}

/** Refusals of the async call itself (nothing was queued); their codes come without JSON. */
function refused(code) {
  if (code === StsCode.Network) {
    return new StsError('Network', 'Client.Network', 'libsts: too many calls are waiting for a worker (65,536); try again later', null);
  }
  const kind = KINDS[code] || 'Internal';
  return new StsError(kind, `Client.${kind}`, `libsts refused the async call with code ${code}`, null);
}

function callAsync(fn, json, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(abortError(signal)); // nothing is sent
      return;
    }
    const id = nextId++;
    const call = { resolve, reject, signal, aborted: false, code: 0, text: null };
    // Before the call: the answer may arrive (be queued for the main thread) before fn returns.
    pending.set(id, call);
    let code;
    try {
      code = fn(json, native.onResult, id);
    } finally {
      if (code !== StsCode.Ok) pending.delete(id);
    }
    if (code !== StsCode.Ok) {
      reject(refused(code));
      return;
    }
    stats.accepted++;
    if (pending.size === 1) holdLoop();
    if (signal) watch(call);
  });
}

function credentialCall(which, options, callback) {
  if (callback !== undefined && typeof callback !== 'function') {
    throw new TypeError('callback: expected a function');
  }
  let promise;
  try {
    const signal = isPlainObject(options) ? options.signal : undefined;
    if (signal !== undefined && !isAbortSignal(signal)) throw invalid('signal: expected an AbortSignal');
    promise = callAsync(load()[which], configJson(options), signal);
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

/**
 * STS AssumeRole: as getCredential plus roleArn, roleSessionName, externalId, and the extras tags
 * (`[{key, value}]`), sourceIdentity, serialNumber + tokenCode (MFA), checked by the core.
 */
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

/**
 * STS GetCallerIdentity: who the options' key is (`{arn, accountId, userId, principalId, type,
 * requestId, credentialSource}`), the "is my config right" check for health endpoints. Takes the
 * identity options (secretId/secretKey/sessionToken, or none: the core resolves them), region and
 * the transport options; the core refuses any other option by name. Issues no key; never cached.
 */
function getCallerIdentity(options, callback) {
  return credentialCall('getCallerIdentity', options, callback);
}

/**
 * STS AssumeRoleWithWebIdentity, for a caller holding an OIDC token: providerId, webIdentityToken or
 * webIdentityTokenFile, roleArn, roleSessionName, durationSeconds, region, transport options. The
 * request is unsigned, so there is no secretId/secretKey; the result is getCredential's.
 */
function getWebIdentityCredential(options, callback) {
  return credentialCall('getWebIdentityCredential', options, callback);
}

/** Scopes -> CAM policy (local, synchronous). Throws StsError on invalid scopes. */
function getPolicy(scopes) {
  const json = scopesJson(scopes);
  const lib = native || load();
  clearSlot();
  const code = lib.getPolicy(json, slot);
  const r = decode(code, take(readSlot()));
  if (r.error) throw r.error;
  return r.value;
}

let warnedConcurrency = false;
/**
 * @deprecated A no-op: calls no longer run on the libuv pool, so there is nothing to cap here;
 * libsts bounds them with its workers (LIBSTS_ASYNC_WORKERS). Still validates as before.
 */
function setMaxConcurrency(n) {
  if (!Number.isInteger(n) || n < 1 || n > 128) throw new RangeError('setMaxConcurrency: expected an integer in 1..128');
  if (!warnedConcurrency) {
    warnedConcurrency = true;
    process.emitWarning(
      'setMaxConcurrency() does nothing since calls run on libsts worker threads (LIBSTS_ASYNC_WORKERS), not the libuv pool',
      { type: 'DeprecationWarning', code: 'LIBSTS_DEP0001' },
    );
  }
}

/**
 * Empties libsts's process-wide credential cache (sts_cache_clear), wiping every cached key: the
 * next `cache` call asks STS again. Calls in flight still answer but do not refill it. Synchronous,
 * never touches the network.
 */
function clearCache() {
  load().clearCache();
}

/** The version of the loaded libsts, e.g. "0.1.0". */
function libraryVersion() {
  return load().version();
}

module.exports = {
  getCredential,
  getRoleCredential,
  getUploadCredential,
  getCallerIdentity,
  getWebIdentityCredential,
  getPolicy,
  StsError,
  StsCode,
  libraryVersion,
  clearCache,
  setMaxConcurrency,
  get libraryPath() {
    return load().file;
  },
};

// For the tests and bench/policy-parts.js only (not API): getPolicy's two scope writers.
Object.defineProperty(module.exports, Symbol.for('qcloud-cos-sts-libsts.marshalling'), {
  value: Object.freeze({ fastScopesJson, generalScopesJson, decode }),
});

// For the tests only (not API): counters and the number of calls libsts still owes an answer.
Object.defineProperty(module.exports, Symbol.for('qcloud-cos-sts-libsts.internals'), {
  value: () => ({ ...stats, inFlight: pending.size, ready: ready.length, loopHeld: Boolean(keepAlive && keepAlive.hasRef()) }),
});
