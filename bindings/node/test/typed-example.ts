// Compiled with `tsc --noEmit` by types.test.js: code written the qcloud-cos-sts way type-checks.
import * as STS from '..';
import { getCredential, getPolicy, getRoleCredential, StsError, type CredentialData, type CosPolicyScope } from '..';

const scopes: CosPolicyScope[] = [{ action: 'name/cos:PutObject', bucket: 'example-1250000000', region: 'ap-guangzhou', prefix: 'dir/*' }];
const policy = getPolicy(scopes);
const first: string[] = policy.statement[0].resource;

async function promiseStyle(): Promise<string> {
  const data: CredentialData = await getCredential({
    secretId: process.env.SECRET_ID!,
    secretKey: process.env.SECRET_KEY!,
    sessionToken: process.env.SESSION_TOKEN,
    durationSeconds: 1800,
    proxy: '',
    region: 'ap-guangzhou',
    host: 'sts.tencentcloudapi.com',
    policy,
    timeoutMs: 5000,
    retries: 1,
  });
  const role = await getRoleCredential({
    roleArn: 'qcs::cam::uin/1:roleName/r',
    role_session_name: 's',
    externalId: 'e1',
    policy,
    totalTimeoutMs: 8000,
    signal: AbortSignal.timeout(5000),
  });
  return data.credentials.tmpSecretId + role.expiration + data.startTime.toFixed();
}

function callbackStyle(): void {
  STS.getCredential({ secretId: 'a', secretKey: 'b', policy, signal: new AbortController().signal }, (err, data) => {
    if (err instanceof DOMException) console.log(err.name === 'AbortError');
    else console.log(err ? err.code : data.expiredTime);
  });
  // Without a signal the error is an StsError, as in qcloud-cos-sts.
  STS.getCredential({ secretId: 'a', secretKey: 'b', policy }, (err, data) => {
    if (err) {
      const e: StsError = err;
      const code: string = e.code;
      const rid: string | null = e.requestId;
      console.log(code, rid, e.kind, e.Code);
      return;
    }
    console.log(data.expiredTime);
  });
}

try {
  getPolicy('[]');
} catch (e) {
  if (e instanceof StsError && e.kind === 'InvalidArgument') console.log(e.message);
}

// Issue 13: no secret (the core resolves it), caller identity, web identity, AssumeRole extras.
async function credentialsStyle(): Promise<string> {
  const who: STS.CallerIdentity = await STS.getCallerIdentity({ region: 'ap-guangzhou', credentialSource: 'chain', signal: AbortSignal.timeout(5000) });
  const source: string = who.credentialSource;
  const web: CredentialData = await STS.getWebIdentityCredential({
    providerId: 'tke-oidc',
    webIdentityTokenFile: '/var/run/secrets/tke/serviceaccount/token',
    roleArn: 'qcs::cam::uin/1:roleName/r',
    durationSeconds: 900,
  });
  const role = await getRoleCredential({
    roleArn: 'qcs::cam::uin/1:roleName/r',
    tags: [{ key: 'team', value: 'media' }],
    sourceIdentity: 'user-1',
    serialNumber: 'qcs::cam::uin/1:mfa/softToken',
    tokenCode: '123456',
  });
  STS.getCallerIdentity({ secretId: 'a', secretKey: 'b' }, (err, data) => console.log(err ? err.code : data.arn));
  return who.accountId + source + web.credentials.sessionToken + role.requestId;
}

STS.setMaxConcurrency(4);
const v: string = STS.libraryVersion();
STS.clearCache();
export { promiseStyle, callbackStyle, credentialsStyle, first, v };
