// A real COS client against sts-server: cos-nodejs-sdk-v5's getAuthorization fetches POST /sts
// with the SDK's own Scope array and hands the reply to the SDK unchanged in meaning; the
// upload goes to a COS stand-in on 127.0.0.1 that checks it carries the issued
// x-cos-security-token and a q-ak equal to the issued tmpSecretId.
'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const COS = require('cos-nodejs-sdk-v5');

const STS_SERVER = process.env.STS_SERVER_URL;
const BUCKET = 'example-1250000000';
const REGION = 'ap-guangzhou';
assert.ok(STS_SERVER && STS_SERVER.startsWith('http://127.0.0.1:'), 'STS_SERVER_URL must be a loopback URL');

const issued = [];
const received = [];

// The COS stand-in: accepts a PUT only when it carries the last issued key's token and id.
const standIn = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const last = issued[issued.length - 1];
    const auth = new URLSearchParams(req.headers.authorization || '');
    const record = {
      method: req.method,
      path: req.url,
      token: req.headers['x-cos-security-token'],
      ak: auth.get('q-ak'),
      body: Buffer.concat(chunks).toString(),
    };
    received.push(record);
    const ok = last && record.token === last.credentials.sessionToken && record.ak === last.credentials.tmpSecretId;
    res.writeHead(ok ? 200 : 403, { ETag: '"d41d8cd98f00b204e9800998ecf8427e"', 'x-cos-request-id': 'stand-in' });
    res.end(ok ? '' : '<Error><Code>AccessDenied</Code></Error>');
  });
});

function cosClient(port) {
  return new COS({
    Domain: `127.0.0.1:${port}`,
    Protocol: 'http:',
    getAuthorization(options, callback) {
      fetch(`${STS_SERVER}/sts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options.Scope),
      })
        .then(async (r) => {
          const data = await r.json();
          if (!r.ok) {
            // The error body: {code > 0, codeDesc, message, requestId}.
            assert.ok(data.code > 0 && data.codeDesc && data.message && data.requestId, JSON.stringify(data));
            issued.push({ denied: data });
            return callback({ denied: data.codeDesc });
          }
          issued.push(data);
          callback({
            TmpSecretId: data.credentials.tmpSecretId,
            TmpSecretKey: data.credentials.tmpSecretKey,
            SecurityToken: data.credentials.sessionToken,
            StartTime: data.startTime,
            ExpiredTime: data.expiredTime,
            ScopeLimit: true,
          });
        })
        .catch((e) => callback({ error: String(e) }));
    },
  });
}

function put(cos, key, body) {
  return new Promise((resolve) => {
    cos.putObject({ Bucket: BUCKET, Region: REGION, Key: key, Body: body }, (err, data) => resolve({ err, data }));
  });
}

async function main() {
  await new Promise((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const cos = cosClient(standIn.address().port);

  const { err, data } = await put(cos, 'uploads/anonymous/hello.txt', 'hello from cos-nodejs-sdk-v5');
  assert.equal(err, null, err && JSON.stringify(err));
  assert.equal(data.statusCode, 200);
  assert.equal(issued.length, 1);
  assert.equal(received.length, 1);
  const [upload] = received;
  assert.equal(upload.method, 'PUT');
  assert.equal(upload.path, '/uploads/anonymous/hello.txt');
  assert.equal(upload.token, issued[0].credentials.sessionToken);
  assert.equal(upload.ak, issued[0].credentials.tmpSecretId);
  assert.equal(upload.body, 'hello from cos-nodejs-sdk-v5');

  // Another subject's prefix: sts-server refuses (403) and the SDK never reaches COS.
  const denied = await put(cos, 'uploads/someone-else/x.txt', 'no');
  assert.ok(denied.err, 'the SDK reports the refusal');
  assert.equal(issued[issued.length - 1].denied.codeDesc, 'ScopeDenied');
  assert.equal(received.length, 1, 'nothing reached the COS stand-in');

  standIn.close();
  console.log('node client: cos-nodejs-sdk-v5 uploaded with sts-server credentials; a foreign prefix was refused');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
