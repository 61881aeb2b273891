'use strict';
// Direct access to the core for the tests that compare the binding with it: sts_check_config
// (no network) and the StsCode enum of include/sts.h. The package itself has no checkConfig:
// qcloud-cos-sts has no constructor to raise from, so each call lets the core refuse.
const fs = require('fs');
const path = require('path');
const koffi = require('koffi');
const { ROOT } = require('./helpers');
require('..').libraryVersion(); // the package configures koffi and loads the library first

const lib = koffi.load(process.env.LIBSTS_PATH);
const free = lib.func('void sts_string_free(void *s)');
const check = lib.func('sts_check_config', 'int', ['const char *', koffi.out(koffi.pointer(koffi.disposable('str', free)))]);

/** sts_check_config on JSON text: {code, out} with out parsed. */
function checkConfig(json) {
  const out = [null];
  const code = check(json, out);
  return { code, out: JSON.parse(out[0]) };
}

/** The core's error message for a config given as [key, value] pairs (duplicates kept), or ''. */
function coreMessage(pairs) {
  const json = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  const { code, out } = checkConfig(json);
  return code === 0 ? '' : out.error.message;
}

/** `typedef enum StsCode { NAME [= value], ... }` of a C header, with C's implicit values. */
function headerCodes(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const m = /\benum\s+StsCode\s*\{([\s\S]*?)\}/.exec(code);
  if (!m) throw new Error('no `enum StsCode {...}` in the header');
  const codes = {};
  let value = -1;
  for (const item of m[1].split(',').map((s) => s.trim()).filter(Boolean)) {
    const e = /^([A-Za-z_]\w*)\s*(?:=\s*(-?\d+))?$/.exec(item);
    if (!e) throw new Error(`cannot read the enumerator ${JSON.stringify(item)}`);
    value = e[2] !== undefined ? Number(e[2]) : value + 1;
    codes[e[1]] = value;
  }
  return codes;
}

const HEADER = path.join(ROOT, 'include', 'sts.h');
const header = () => fs.readFileSync(HEADER, 'utf8');

module.exports = { checkConfig, coreMessage, headerCodes, HEADER, header };
