package com.tencent.cloud;

import com.tencent.cloud.assumerole.AssumeRoleParam;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tencent Cloud STS temporary keys for COS, through libsts: a drop-in for the vendor SDK's
 * {@code com.tencent.cloud.CosStsClient} ({@code com.qcloud:cos-sts_api}).
 *
 * <p>All methods are static, stateless and thread-safe; any number of threads may call at once
 * (libsts pools connections process-wide). Nothing is ever printed. Secrets never appear in an
 * exception message.
 *
 * <p>Errors: a bad config or scope is an {@link IllegalArgumentException} (nothing was sent); a
 * failed call is a {@link StsServiceException} (STS answered an error), {@link StsNetworkException}
 * or {@link StsBadResponseException}, all subclasses of {@link StsException}, itself an
 * {@link java.io.IOException} as the vendor's {@code throws IOException}.
 */
public final class CosStsClient {
    private CosStsClient() {}

    /** The vendor SDK's default STS host; libsts uses it too unless {@code host}/{@code endpoint} is set. */
    public static final String STS_DEFAULT_HOST = "sts.tencentcloudapi.com";

    /**
     * Config keys accepted in the map, compared case-insensitively with {@code _} and {@code -}
     * ignored (so {@code secretId}, {@code SecretId} and {@code secret_id} are one key), mapped to the
     * libsts config key.
     */
    private static final Map<String, String> KEYS = new HashMap<>();

    static {
        key("secret_id", "secretId");
        key("secret_key", "secretKey");
        key("session_token", "sessionToken");
        key("duration_seconds", "durationSeconds");
        key("bucket", "bucket");
        key("region", "region");
        key("allow_prefix", "allowPrefix", "allowPrefixes");
        key("allow_actions", "allowActions", "allowAction");
        key("condition", "condition");
        key("policy", "policy");
        key("role_arn", "roleArn");
        key("role_session_name", "roleSessionName");
        key("external_id", "externalId");
        key("name", "name");
        key("endpoint", "endpoint", "host", "domain");
        key("url", "url");
        key("proxy", "proxy");
        key("timeout_ms", "timeoutMs");
        key("retries", "retries");
        key("ca_file", "caFile");
    }

    private static void key(String cKey, String... javaKeys) {
        KEYS.put(normalize(cKey), cKey);
        for (String k : javaKeys) {
            KEYS.put(normalize(k), cKey);
        }
    }

    private static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    /**
     * Temporary keys from STS {@code GetFederationToken}.
     *
     * <p>Config keys as in the vendor SDK: {@code secretId}, {@code secretKey}, {@code durationSeconds}
     * (Integer), {@code bucket}, {@code region}, {@code allowPrefixes} (String[] or a collection; or
     * {@code allowPrefix}, a String), {@code allowActions} (String[] or a collection), {@code policy}
     * (a JSON String such as {@link #getPolicy(List)} returns, or a Map), {@code host} (or
     * {@code endpoint}). Additions: {@code condition} (Map or JSON String), {@code name}, {@code url},
     * {@code proxy} (String, {@code ""} = none, or a Map with {@code http}/{@code https}),
     * {@code timeoutMs}, {@code retries}, {@code caFile}. Keys are matched case-insensitively, as the
     * vendor SDK did, and the libsts snake_case spelling ({@code secret_id}, ...) is accepted too. An
     * unknown key, a {@code null} value or the same key spelled twice is refused: a typo must not
     * silently drop a limit. {@code secretId}/{@code secretKey} fall back to the environment variables
     * {@code TENCENTCLOUD_SECRET_ID}/{@code TENCENTCLOUD_SECRET_KEY}.
     *
     * @throws IllegalArgumentException bad config (nothing was sent)
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
     * @throws IllegalArgumentException bad config (nothing was sent)
     * @throws StsException             as {@link #getCredential(Map)}
     */
    public static Response getRoleCredential(Map<String, ?> config) throws StsException {
        return credential(LibSts.Fn.ROLE_CREDENTIAL, translate(config));
    }

    /**
     * The vendor SDK's {@code getRoleCredential(AssumeRoleParam)}. The request is signed with
     * TC3-HMAC-SHA256 whatever {@code signatureMethod} says.
     */
    public static Response getRoleCredential(AssumeRoleParam param) throws StsException {
        if (param == null) {
            throw new IllegalArgumentException("null assumeRoleParam");
        }
        Map<String, Object> config = new TreeMap<>();
        putIfSet(config, "secretId", param.getSecretId());
        putIfSet(config, "secretKey", param.getSecretKey());
        putIfSet(config, "region", param.getRegion());
        putIfSet(config, "host", param.getHost());
        putIfSet(config, "url", param.getUrl());
        putIfSet(config, "roleArn", param.getRoleArn());
        putIfSet(config, "roleSessionName", param.getRoleSessionName());
        putIfSet(config, "policy", param.getPolicy());
        if (param.getDurationSec() > 0) {
            config.put("durationSeconds", param.getDurationSec());
        }
        return getRoleCredential(config);
    }

    private static void putIfSet(Map<String, Object> config, String key, String value) {
        if (value != null && !value.isEmpty()) {
            config.put(key, value);
        }
    }

    /**
     * A CAM policy for the given scopes, as compact JSON text, e.g.
     * {@code {"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow",
     * "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"]}]}}.
     * Conditions and {@code deny} scopes are kept. Local: no network. An empty list gives a policy
     * with no statement (it grants nothing).
     *
     * @throws IllegalArgumentException {@code scopes} is null or a scope is incomplete or invalid
     */
    public static String getPolicy(List<Scope> scopes) {
        if (scopes == null) {
            throw new IllegalArgumentException("scopes == null");
        }
        List<Object> list = new ArrayList<>(scopes.size());
        for (Scope s : scopes) {
            if (s == null) {
                throw new IllegalArgumentException("scopes: a scope is null");
            }
            list.add(s.toJsonMap());
        }
        LibSts.Result r = LibSts.call(LibSts.Fn.POLICY, Json.write(list));
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

    /** The vendor-style map as a libsts config JSON object. Never puts a value into a message. */
    static String translate(Map<String, ?> config) {
        if (config == null) {
            throw new IllegalArgumentException("config == null");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, String> seenAs = new HashMap<>();
        for (Map.Entry<String, ?> e : config.entrySet()) {
            String key = e.getKey();
            if (key == null) {
                throw new IllegalArgumentException("config has a null key");
            }
            String cKey = KEYS.get(normalize(key));
            if (cKey == null) {
                if (normalize(key).equals("secrettype")) {
                    throw new IllegalArgumentException("config key '" + key
                            + "' is not supported by libsts (the vendor-only SecretType parameter); remove it");
                }
                throw new IllegalArgumentException("unknown config key '" + key + "'");
            }
            String previous = seenAs.put(cKey, key);
            if (previous != null) {
                throw new IllegalArgumentException("config keys '" + previous + "' and '" + key
                        + "' set the same option; give it once");
            }
            Object value = e.getValue();
            if (value == null) {
                throw new IllegalArgumentException("config key '" + key + "' is null");
            }
            if (cKey.equals("condition") && value instanceof CharSequence) {
                Object parsed;
                try {
                    parsed = Json.parse(value.toString());
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("config key '" + key + "': " + ex.getMessage(), ex);
                }
                value = parsed;
            }
            out.put(cKey, value);
        }
        StringBuilder sb = new StringBuilder(512);
        // Value errors name the key, as given by the caller; never the value.
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : out.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.writeString(sb, e.getKey(), "config");
            sb.append(':');
            Json.write(sb, e.getValue(), "config key '" + seenAs.get(e.getKey()) + "'", 0);
        }
        sb.append('}');
        return sb.toString();
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
     * The exception for a failed call: {@link IllegalArgumentException} for {@code STS_INVALID_ARGUMENT},
     * otherwise an {@link StsException} subclass.
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
                return new IllegalArgumentException(message);
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
