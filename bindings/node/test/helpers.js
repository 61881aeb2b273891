'use strict';
// Test helpers: the libsts artefacts and the STS emulator (127.0.0.1 only, never the internet).
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const readline = require('readline');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EMULATOR = process.env.STS_EMULATOR || path.join(ROOT, 'target', 'release', 'sts-emulator');
if (!process.env.LIBSTS_PATH) process.env.LIBSTS_PATH = path.join(ROOT, 'target', 'release', 'libsts.so');
if (!fs.existsSync(process.env.LIBSTS_PATH)) {
  throw new Error(`libsts not found at ${process.env.LIBSTS_PATH}: run \`cargo build --release\` in ${ROOT} first`);
}

// A call with no key ends the credential chain at the CVM metadata server: never from a test, also
// when `npm test` runs without test.sh; nor may the machine's TKE or profile setup leak in.
process.env.TENCENTCLOUD_METADATA_DISABLED = 'true';
for (const name of ['TENCENTCLOUD_METADATA_ENDPOINT', 'TENCENTCLOUD_CREDENTIALS_FILE', 'TENCENTCLOUD_PROFILE', 'TKE_PROVIDER_ID',
  'TKE_ROLE_ARN', 'TKE_WEB_IDENTITY_TOKEN_FILE', 'TKE_IDENTITY_TOKEN_FILE', 'TKE_REGION']) {
  delete process.env[name];
}

const SECRET_ID = 'AKIDEMULATOREXAMPLE0000000000000000';
const SECRET_KEY = 'emulator-secret-key-EXAMPLE';
const BUCKET = 'example-1250000000';

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * The URL of an emulator started with `args`. test.sh starts the ones the suite needs and passes
 * them as LIBSTS_TEST_EMULATOR_<NAME>; without it (plain `npm test`) the emulator is spawned here
 * and killed with stop().
 */
async function emulator(name, args = []) {
  const env = process.env[`LIBSTS_TEST_EMULATOR_${name.toUpperCase()}`];
  if (env) return { url: env, stop: async () => {} };
  if (!fs.existsSync(EMULATOR)) {
    throw new Error(`sts-emulator not found at ${EMULATOR}: run \`cargo build --release\` in ${ROOT} first`);
  }
  const child = spawn(EMULATOR, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.add(child);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sts-emulator ${args.join(' ')}: no listening line within 10 s`)), 10000);
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^sts-emulator listening on (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line.trim());
      if (m) resolve(m[1]);
      else reject(new Error(`sts-emulator printed an unexpected first line: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`sts-emulator exited early with ${code}`)));
  });
  child.stdout.resume();
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => {
          children.delete(child);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A getCredential config for the emulator at `url`, in the vendor's option names. */
function options(url, extra = {}) {
  return {
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    url,
    region: 'ap-guangzhou',
    policy: {
      version: '2.0',
      statement: [
        {
          action: ['name/cos:PutObject'],
          effect: 'allow',
          resource: [`qcs::cos:ap-guangzhou:uid/1250000000:${BUCKET}/dir/*`],
        },
      ],
    },
    ...extra,
  };
}

/**
 * A loopback relay in front of the emulator that keeps each request's JSON body: the emulator
 * still verifies the signature and answers, and the test sees exactly what libsts sent.
 */
async function relay(target) {
  const bodies = [];
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push({ action: req.headers['x-tc-action'], headers: { ...req.headers }, body: JSON.parse(body.toString('utf8')) });
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    bodies,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

module.exports = { ROOT, EMULATOR, SECRET_ID, SECRET_KEY, BUCKET, emulator, options, relay };
