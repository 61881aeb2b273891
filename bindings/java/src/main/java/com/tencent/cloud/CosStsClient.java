package com.tencent.cloud;

import com.tencent.cloud.assumerole.AssumeRoleParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tencent Cloud STS temporary keys for COS, through libsts: a drop-in for the vendor SDK's
 * {@code com.tencent.cloud.CosStsClient} ({@code com.qcloud:cos-sts_api}).
 *
 * <p>All methods are static, stateless and thread-safe; any number of threads may call at once
 * (libsts pools connections process-wide). Nothing is ever printed. Secrets never appear in an
 * exception message.
 *
 * <p>Errors: a bad config or scope is an {@link StsInvalidArgumentException}, an
 * {@link IllegalArgumentException} with libsts's message naming the field (nothing was sent); a
 * failed call is a {@link StsServiceException} (STS answered an error), {@link StsNetworkException}
 * or {@link StsBadResponseException}, all subclasses of {@link StsException}, itself an
 * {@link java.io.IOException} as the vendor's {@code throws IOException}.
 */
public final class CosStsClient {
    private CosStsClient() {}

    /** The vendor SDK's default STS host; libsts uses it too unless {@code host}/{@code endpoint} is set. */
    public static final String STS_DEFAULT_HOST = "sts.tencentcloudapi.com";

    /**
     * The vendor SDK's own spellings that libsts does not know, mapped to the libsts key. The vendor
     * matched its keys case-insensitively ({@code SecretId}, {@code secretid}, ...), so these are
     * looked up by the lower-case key; every other key goes to libsts exactly as given, so that
     * libsts refuses an unknown one with its own message (did-you-mean included). DriftTest fails
     * when a target here is not a libsts key, or when a libsts key would not reach libsts unchanged.
     */
    static final Map<String, String> VENDOR_KEYS = Map.ofEntries(
            Map.entry("secretid", "secretId"),
            Map.entry("secretkey", "secretKey"),
            Map.entry("durationseconds", "durationSeconds"),
            Map.entry("bucket", "bucket"),
            Map.entry("region", "region"),
            Map.entry("allowprefix", "allowPrefix"),
            Map.entry("allowprefixes", "allowPrefix"),
            Map.entry("allowactions", "allowActions"),
            Map.entry("policy", "policy"),
            Map.entry("host", "host"));

    /** The vendor's {@code SecretType} (long-term or short-term key) has no libsts equivalent. */
    private static final String VENDOR_SECRET_TYPE = "secrettype";

    /**
     * Temporary keys from STS {@code GetFederationToken}.
     *
     * <p>Config keys as in the vendor SDK: {@code secretId}, {@code secretKey}, {@code durationSeconds}
     * (Integer), {@code bucket}, {@code region}, {@code allowPrefixes} (String[] or a collection; or
     * {@code allowPrefix}, a String), {@code allowActions} (String[] or a collection), {@code policy}
     * (a JSON String such as {@link #getPolicy(List)} returns, or a Map), {@code host} (or
     * {@code endpoint}). Additions: {@code condition} (Map or JSON String), {@code name}, {@code url},
     * {@code proxy} (String, {@code ""} = none, or a Map with {@code http}/{@code https}),
     * {@code timeoutMs}, {@code retries}, {@code caFile}, and every libsts key in its snake_case
     * spelling ({@code secret_id}, ...). The vendor's keys are matched case-insensitively, as the vendor
     * SDK did; any other key goes to libsts as given. libsts refuses an unknown key, a {@code null}
     * value or the same key spelled twice (a typo must not silently drop a limit) with its own message.
     * {@code secretId}/{@code secretKey} fall back to the environment variables
     * {@code TENCENTCLOUD_SECRET_ID}/{@code TENCENTCLOUD_SECRET_KEY}.
     *
     * @throws StsInvalidArgumentException bad config (nothing was sent): an {@link IllegalArgumentException}
     *     with libsts's message, which names the key
     * @throws StsServiceException      STS answered an error (wrong key, throttled, ...)
     * @throws StsNetworkException      DNS, connect, TLS, proxy or timeout failure
     * @throws StsBadResponseException  an answer that is not a valid STS response
     * @throws StsException             {@code STS_INTERNAL}, a bug in libsts
     */
    public static Response getCredential(Map<String, ?> config) throws StsException {
        return credential(LibSts.Fn.CREDENTIAL, translate(config));
    }

    /**
     * Temporary keys for a role from STS {@code AssumeRole}: the keys of {@link #getCredential(Map)}
     * plus {@code roleArn} (required), {@code roleSessionName}, {@code externalId}; the policy is
     * optional (none = the role's own permissions).
     *
     * @throws StsInvalidArgumentException bad config (nothing was sent)
     * @throws StsException             as {@link #getCredential(Map)}
     */
    public static Response getRoleCredential(Map<String, ?> config) throws StsException {
        return credential(LibSts.Fn.ROLE_CREDENTIAL, translate(config));
    }

    /**
     * Checks a config without any network access, exactly as {@link #getRoleCredential(Map)} would
     * when it has {@code roleArn} (or {@code role_arn}) and as {@link #getCredential(Map)} otherwise:
     * for failing at start-up rather than on the first request.
     *
     * @return libsts's normalized config as JSON text: canonical key names, defaults filled in, the
     *     policy as it would be sent, and no secret
     * @throws StsInvalidArgumentException the error the call would throw (nothing was sent)
     */
    public static String checkConfig(Map<String, ?> config) {
        LibSts.Result r = LibSts.call(LibSts.Fn.CHECK_CONFIG, translate(config));
        if (r.code == LibSts.STS_OK) {
            return r.json;
        }
        throw toUnchecked(toException(r));
    }

    /**
     * The vendor SDK's {@code getRoleCredential(AssumeRoleParam)}. The request is signed with
     * TC3-HMAC-SHA256 whatever {@code signatureMethod} says.
     */
    public static Response getRoleCredential(AssumeRoleParam param) throws StsException {
        if (param == null) {
            throw StsInvalidArgumentException.of("assumeRoleParam", "null");
        }
        return getRoleCredential(param.toConfig());
    }

    /**
     * A CAM policy for the given scopes, as compact JSON text, e.g.
     * {@code {"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow",
     * "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"]}]}}.
     * Conditions and {@code deny} scopes are kept. Local: no network. An empty list gives a policy
     * with no statement (it grants nothing).
     *
     * @throws StsInvalidArgumentException {@code scopes} is null or a scope is incomplete or invalid
     *     (libsts's message, naming the field, e.g. {@code scopes[0].bucket: ...})
     */
    public static String getPolicy(List<Scope> scopes) {
        if (scopes == null) {
            throw StsInvalidArgumentException.of("scopes", "null");
        }
        List<Object> list = new ArrayList<>(scopes.size());
        for (Scope s : scopes) {
            // null goes through as JSON null: libsts names it (scopes[i]: expected an object).
            list.add(s == null ? null : s.toJsonMap());
        }
        LibSts.Result r = LibSts.call(LibSts.Fn.POLICY, Json.write(list, "scopes"));
        if (r.code == LibSts.STS_OK) {
            return r.json;
        }
        throw toUnchecked(toException(r));
    }

    /** The libsts version, e.g. {@code 0.1.0}. */
    public static String libraryVersion() {
        return LibSts.version();
    }

    // ------------------------------------------------------------------ internals

    /**
     * The vendor-style map as a libsts config JSON object, keys in the map's order (of two spellings
     * of one key, libsts names the later). It converts and renames; it does not judge values, which is
     * libsts's job. Never puts a value into a message.
     */
    static String translate(Map<String, ?> config) {
        if (config == null) {
            throw StsInvalidArgumentException.of("config", "null");
        }
        StringBuilder sb = new StringBuilder(512).append('{');
        boolean first = true;
        for (Map.Entry<String, ?> e : config.entrySet()) {
            String key = e.getKey();
            if (key == null) {
                throw StsInvalidArgumentException.of("config", "a key is null");
            }
            String lower = key.toLowerCase(Locale.ROOT);
            if (lower.equals(VENDOR_SECRET_TYPE)) {
                throw StsInvalidArgumentException.of(key,
                        "the vendor SDK's SecretType parameter is not supported by libsts; remove it");
            }
            String libstsKey = VENDOR_KEYS.getOrDefault(lower, key);
            Object value = e.getValue();
            if (libstsKey.equals("condition") && value instanceof CharSequence) {
                // A Java convenience: the condition as JSON text, as Scope.setCondition takes it.
                try {
                    value = Json.parse(value.toString());
                } catch (IllegalArgumentException ex) {
                    throw StsInvalidArgumentException.of(key, ex.getMessage());
                }
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.writeString(sb, libstsKey, "config");
            sb.append(':');
            Json.write(sb, value, key, 0);
        }
        return sb.append('}').toString();
    }

    private static Response credential(LibSts.Fn fn, String configJson) throws StsException {
        LibSts.Result r = LibSts.call(fn, configJson);
        if (r.code != LibSts.STS_OK) {
            Exception ex = toException(r);
            if (ex instanceof StsException) {
                throw (StsException) ex;
            }
            throw toUnchecked(ex);
        }
        Map<String, Object> root;
        try {
            root = Json.asObject(Json.parse(r.json), "result");
        } catch (RuntimeException e) {
            // Never quote the text: it holds the temporary secret key.
            throw new IllegalStateException("libsts returned an unreadable credential result");
        }
        Map<String, Object> c = Json.asObject(root.get("credentials"), "result.credentials");
        Response resp = new Response();
        resp.credentials.tmpSecretId = str(c.get("tmpSecretId"));
        resp.credentials.tmpSecretKey = str(c.get("tmpSecretKey"));
        resp.credentials.sessionToken = str(c.get("sessionToken"));
        resp.expiration = str(root.get("expiration"));
        resp.startTime = num(root.get("startTime"));
        resp.expiredTime = num(root.get("expiredTime"));
        resp.requestId = str(root.get("requestId"));
        return resp;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static long num(Object o) {
        return o instanceof Number ? ((Number) o).longValue() : 0L;
    }

    /**
     * The exception for a failed call, with libsts's code and message unchanged:
     * {@link StsInvalidArgumentException} for {@code STS_INVALID_ARGUMENT}, otherwise an
     * {@link StsException} subclass.
     */
    static Exception toException(LibSts.Result r) {
        String code = "Client.Internal";
        String message = "libsts returned code " + r.code;
        String requestId = null;
        try {
            Map<String, Object> root = Json.asObject(Json.parse(r.json), "error result");
            Map<String, Object> err = Json.asObject(root.get("error"), "error");
            if (err.get("code") != null) {
                code = err.get("code").toString();
            }
            if (err.get("message") != null) {
                message = err.get("message").toString();
            }
            if (err.get("requestId") != null) {
                requestId = err.get("requestId").toString();
            }
        } catch (RuntimeException e) {
            message = "libsts returned code " + r.code + " with an unreadable error";
        }
        switch (r.code) {
            case LibSts.STS_INVALID_ARGUMENT:
                return new StsInvalidArgumentException(code, message);
            case LibSts.STS_NETWORK:
                return new StsNetworkException(code, message, requestId);
            case LibSts.STS_SERVICE:
                return new StsServiceException(code, message, requestId);
            case LibSts.STS_BAD_RESPONSE:
                return new StsBadResponseException(code, message, requestId);
            default:
                return new StsException(r.code, code, message, requestId);
        }
    }

    static RuntimeException toUnchecked(Exception e) {
        return e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e.getMessage(), e);
    }
}
