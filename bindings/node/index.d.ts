// Type definitions for qcloud-cos-sts-libsts. Compatible with qcloud-cos-sts 3.1.3's index.d.ts:
// code written against that package type-checks against this one, except that
// PolicyStatement follows libsts (no `principal`, `resource` is a list; see README).

/** A ready CAM policy (`{version: '2.0', statement: [...]}`), as an object or its JSON text. */
export type Policy = PolicyDescription | { version: string; statement: object[] } | string;

/** Options shared by getCredential and getRoleCredential. Each key once: camelCase or snake_case. */
export interface CommonCredentialOptions {
  /** SecretId. Without it and secretKey the core resolves the key (README, "Credentials"). */
  secretId?: string;
  secret_id?: string;
  /** SecretKey; as secretId. Never logged. */
  secretKey?: string;
  secret_key?: string;
  /**
   * Session token, when secretId/secretKey are themselves a temporary key pair (a CVM or SCF
   * role's); sent as X-TC-Token. Falls back to env TENCENTCLOUD_SESSION_TOKEN only when the
   * SecretId comes from the environment too. Never logged.
   */
  sessionToken?: string;
  session_token?: string;
  /**
   * Where the backend's own key comes from without secretId/secretKey: 'chain' (env, profile
   * file, TKE OIDC, CVM role, first match wins), or one of 'config', 'env', 'profile', 'oidc',
   * 'cvm'. See the README's "Credentials".
   */
  credentialSource?: 'chain' | 'config' | 'env' | 'profile' | 'oidc' | 'cvm';
  credential_source?: 'chain' | 'config' | 'env' | 'profile' | 'oidc' | 'cvm';
  /** The profile file's section; default env TENCENTCLOUD_PROFILE, else `default`. */
  profile?: string;
  /** The CVM metadata server; default env TENCENTCLOUD_METADATA_ENDPOINT, else the real one. */
  metadataEndpoint?: string;
  metadata_endpoint?: string;

  /** STS API region (X-TC-Region) and the region of `bucket`'s resources. Default `ap-guangzhou`. */
  region?: string;

  /** The policy that limits the temporary keys. Exclusive with allowPrefix/allowActions/condition. */
  policy?: Policy;

  /** Build the policy from a bucket instead (one `allow` statement). */
  bucket?: string;
  allowPrefix?: string | string[];
  allow_prefix?: string | string[];
  allowActions?: string | string[];
  allow_actions?: string | string[];
  condition?: Record<string, unknown>;

  /** Lifetime of the keys in seconds (integer). Default 1800. */
  durationSeconds?: number;
  duration_seconds?: number;
  /** @deprecated qcloud-cos-sts's old name; use durationSeconds. */
  durationInSeconds?: number;

  /** `http://host:port`, `""` for no proxy, or `{http, https}`. Default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxy?: string | { http?: string; https?: string };

  /** STS host name, default `sts.tencentcloudapi.com`. One of host / endpoint / domain. */
  host?: string;
  endpoint?: string;
  domain?: string;

  /** Where to connect when it differs from `https://{endpoint}/` (http:// only to loopback). */
  url?: string;
  /** Timeout per attempt in milliseconds (default 10000). */
  timeoutMs?: number;
  timeout_ms?: number;
  /**
   * One deadline for the whole call, retries and backoff included (ms, 1..600000); default the
   * retries' worst case, at most 60000. Past it the call fails with Client.Timeout.
   */
  totalTimeoutMs?: number;
  total_timeout_ms?: number;
  /** Retries of transient failures after the first attempt, 0..10 (default 2). */
  retries?: number;
  /** PEM file whose certificates replace the bundled TLS roots. */
  caFile?: string;
  ca_file?: string;
  /**
   * Opt in to libsts's process-wide cache of vended credentials: identical calls are answered from
   * it while the key has at least minRemainingSeconds left (default 300). Not for getUploadCredential.
   */
  cache?: boolean | { minRemainingSeconds?: number; maxEntries?: number; min_remaining_seconds?: number; max_entries?: number };
}

/** The options that only shape the issued key (policy, lifetime, cache): not for getCallerIdentity. */
export type IssueOptionKeys =
  | 'policy' | 'bucket' | 'allowPrefix' | 'allow_prefix' | 'allowActions' | 'allow_actions' | 'condition'
  | 'durationSeconds' | 'duration_seconds' | 'durationInSeconds' | 'cache';

/** Where and how to reach STS: every call takes these. */
export type TransportOptions = Pick<
  CommonCredentialOptions,
  'region' | 'proxy' | 'host' | 'endpoint' | 'domain' | 'url' | 'timeoutMs' | 'timeout_ms' | 'totalTimeoutMs'
  | 'total_timeout_ms' | 'retries' | 'caFile' | 'ca_file'
>;

/**
 * Who signs (secretId/secretKey/sessionToken, or none: the core resolves the key, README
 * "Credentials") and the transport options: every option of CommonCredentialOptions but those that
 * shape an issued key.
 */
export type IdentityOptions = Omit<CommonCredentialOptions, IssueOptionKeys>;

/** What getCredential / getRoleCredential take besides the STS options (never sent to libsts). */
export interface CallOptions {
  /**
   * Aborting rejects the call at once with a DOMException named `AbortError` (its `cause` is the
   * signal's reason); libsts's answer, when it comes, is released unread.
   */
  signal?: AbortSignal;
}

export interface GetCredentialOptions extends CommonCredentialOptions, CallOptions {
  /** Federated user name for GetFederationToken (default `cos-sts-libsts`). */
  name?: string;
}

export interface GetRoleCredentialOptions extends CommonCredentialOptions, CallOptions {
  /** `qcs::cam::uin/<uin>:roleName/<name>` */
  roleArn?: string;
  role_arn?: string;
  /** Default `cos-sts-libsts`. */
  roleSessionName?: string;
  role_session_name?: string;
  externalId?: string;
  external_id?: string;
  /** Session tags: at most 50, keys 1..128 and values 0..256 characters, keys unique. */
  tags?: { key: string; value: string }[];
  sourceIdentity?: string;
  source_identity?: string;
  /** MFA device serial number; goes with tokenCode. */
  serialNumber?: string;
  serial_number?: string;
  /** The 6 digits the MFA device shows; goes with serialNumber. */
  tokenCode?: string;
  token_code?: string;
}

/**
 * getWebIdentityCredential (STS AssumeRoleWithWebIdentity, unsigned: the OIDC token is the
 * credential, so there is no secretId/secretKey/sessionToken and no policy).
 */
export interface WebIdentityCredentialOptions extends TransportOptions, CallOptions {
  /** The OIDC identity provider's name in CAM. Required. */
  providerId?: string;
  provider_id?: string;
  /** The OIDC token (a secret: never logged); or webIdentityTokenFile, not both. */
  webIdentityToken?: string;
  web_identity_token?: string;
  /** A regular file holding the token (at most 64 KiB), read at every call: rotated tokens are picked up. */
  webIdentityTokenFile?: string;
  web_identity_token_file?: string;
  /** `qcs::cam::uin/<uin>:roleName/<name>`. Required. */
  roleArn?: string;
  role_arn?: string;
  /** Default `cos-sts-libsts`. */
  roleSessionName?: string;
  role_session_name?: string;
  /** 1..43200, default 1800. */
  durationSeconds?: number;
  duration_seconds?: number;
}

/** getCallerIdentity: who signs and where to reach STS; any other option is refused by name. */
export type GetCallerIdentityOptions = IdentityOptions & CallOptions;

/** What STS GetCallerIdentity says about the key that signed. */
export interface CallerIdentity {
  /** e.g. `qcs::cam::uin/100000000001:uin/100000000001`. */
  arn: string;
  accountId: string;
  userId: string;
  principalId: string;
  /** e.g. `RootAccount`, `CAMUser`, `CAMRole`. */
  type: string;
  requestId: string;
  /** Where the core found the key: `config` (secretId/secretKey given), `env`, or another source of the chain. */
  credentialSource: 'config' | 'env' | 'profile' | 'oidc' | 'cvm' | (string & {});
}

/** The object key libsts chooses and the limits of the one upload it allows. */
export interface UploadSpec {
  /** Default `file/{date}/{date}_{random}{ext}`; must contain `{random}`. */
  keyTemplate?: string;
  key_template?: string;
  /** The client's file name: only its extension is used. */
  filename?: string;
  fileName?: string;
  /** Or the extension itself, e.g. `jpg` or `.jpg`. */
  ext?: string;
  /** Allowed extensions, case-insensitive, with or without a dot. */
  allowExt?: string[];
  allow_ext?: string[];
  /** e.g. `image/*`: the condition `string_like_if_exist cos:content-type`. */
  contentType?: string | string[];
  content_type?: string | string[];
  /** Largest object: the condition `numeric_less_than_equal cos:content-length`. */
  maxBytes?: number;
  max_bytes?: number;
  /** Also the multipart-upload actions for that one key (default false). */
  multipart?: boolean;
}

export interface GetUploadCredentialOptions extends CommonCredentialOptions {
  upload: UploadSpec;
}

export interface UploadCredentialData extends CredentialData {
  bucket: string;
  region: string;
  /** The one object key the credentials may write. */
  key: string;
}

export interface CredentialData {
  /** Start of validity, UNIX seconds. */
  startTime: number;
  /** End of validity, UNIX seconds. */
  expiredTime: number;
  /** End of validity, RFC 3339 UTC, e.g. `2019-08-07T08:54:35Z`. */
  expiration: string;
  credentials: {
    tmpSecretId: string;
    /** Secret: do not log. */
    tmpSecretKey: string;
    /** Secret: goes into the `x-cos-security-token` header. Do not log. */
    sessionToken: string;
  };
  /** STS RequestId. */
  requestId: string;
}

/** The StsCode numbers of include/sts.h by kind (test/drift.test.js checks both against the header). */
export const StsCode: Readonly<{ Ok: 0; InvalidArgument: 1; Network: 2; Service: 3; BadResponse: 4; Internal: 5 }>;

/** Every kind but `Ok`. */
export type StsErrorKind = Exclude<keyof typeof StsCode, 'Ok'>;

/** Every failure of this package. No message contains a secret. */
export class StsError extends Error {
  name: 'StsError';
  /** The service's own code for kind `Service` (e.g. `AuthFailure.SignatureFailure`), else `Client.*`. */
  code: string;
  /** STS RequestId when the service answered, else null. */
  requestId: string | null;
  kind: StsErrorKind;
  /** The StsCode of include/sts.h for `kind` (`StsCode[kind]`). */
  stsCode: (typeof StsCode)[StsErrorKind];
  /** qcloud-cos-sts spellings of code / message / requestId. */
  readonly Code: string;
  readonly Message: string;
  readonly RequestId: string | null;
}

/**
 * Temporary keys through STS GetFederationToken. Runs on a libsts worker thread; rejects with an
 * StsError, or with a DOMException `AbortError` when `options.signal` aborts it.
 */
export function getCredential(options: GetCredentialOptions): Promise<CredentialData>;
/** With a signal, `err` may also be the AbortError. */
export function getCredential(
  options: GetCredentialOptions & { signal: AbortSignal },
  callback: (err: StsError | DOMException | null, data: CredentialData) => void,
): void;
export function getCredential(options: GetCredentialOptions, callback: (err: StsError | null, data: CredentialData) => void): void;

/** Upload credentials for one object key libsts chooses from `options.upload`. */
export function getUploadCredential(options: GetUploadCredentialOptions): Promise<UploadCredentialData>;
/** Temporary keys through STS AssumeRole; as getCredential. */
export function getRoleCredential(options: GetRoleCredentialOptions): Promise<CredentialData>;
export function getRoleCredential(
  options: GetRoleCredentialOptions & { signal: AbortSignal },
  callback: (err: StsError | DOMException | null, data: CredentialData) => void,
): void;
export function getRoleCredential(
  options: GetRoleCredentialOptions,
  callback: (err: StsError | null, data: CredentialData) => void,
): void;

/** Who the options' key is: STS GetCallerIdentity, the "is my config right" check. Issues no key. */
export function getCallerIdentity(options: GetCallerIdentityOptions): Promise<CallerIdentity>;
export function getCallerIdentity(
  options: GetCallerIdentityOptions & { signal: AbortSignal },
  callback: (err: StsError | DOMException | null, data: CallerIdentity) => void,
): void;
export function getCallerIdentity(options: GetCallerIdentityOptions, callback: (err: StsError | null, data: CallerIdentity) => void): void;

/** Temporary keys for a role from an OIDC token: STS AssumeRoleWithWebIdentity; as getCredential. */
export function getWebIdentityCredential(options: WebIdentityCredentialOptions): Promise<CredentialData>;
export function getWebIdentityCredential(
  options: WebIdentityCredentialOptions & { signal: AbortSignal },
  callback: (err: StsError | DOMException | null, data: CredentialData) => void,
): void;
export function getWebIdentityCredential(
  options: WebIdentityCredentialOptions,
  callback: (err: StsError | null, data: CredentialData) => void,
): void;

/** What a client (Web/iOS/Android COS SDK) asks for. Unknown keys are refused. */
export interface CosPolicyScope {
  /** e.g. `name/cos:PutObject`; `name/cos:GetService` alone gets resource `*`. */
  action: string | string[];
  /** `examplebucket-1250000000` */
  bucket: string;
  region: string;
  /** Key prefix, e.g. `dir/1.txt` or `dir/*`. */
  prefix?: string | string[];
  resource_prefix?: string | string[];
  effect?: 'allow' | 'deny';
  condition?: Record<string, unknown>;
  service?: 'cos' | 'ci';
}

export interface PolicyStatement {
  action: string[];
  effect: 'allow' | 'deny';
  resource: string[];
  condition?: Record<string, unknown>;
}

export interface PolicyDescription {
  version: '2.0';
  statement: PolicyStatement[];
}

/** Scopes -> CAM policy. Local and synchronous; throws StsError (kind InvalidArgument). */
export function getPolicy(scopes: CosPolicyScope[] | string): PolicyDescription;

/** Empties libsts's process-wide credential cache (`sts_cache_clear`), wiping the cached keys. */
export function clearCache(): void;

/** The loaded libsts version, e.g. `0.1.0`. */
export function libraryVersion(): string;

/** Path of the loaded libsts file. */
export const libraryPath: string;

/**
 * @deprecated Does nothing (after checking `n` is 1..128): calls no longer run on the libuv pool.
 * libsts's worker threads bound them (64 by default; environment variable LIBSTS_ASYNC_WORKERS).
 */
export function setMaxConcurrency(n: number): void;
