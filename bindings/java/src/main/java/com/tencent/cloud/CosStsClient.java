package com.tencent.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.tencent.cloud.assumerole.AssumeRoleParam;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

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
     * {@link #getCredential(Map)} without blocking the calling thread: libsts runs the call on one of
     * its worker threads ({@code sts_get_credential_async}) and the future completes on
     * {@link ForkJoinPool#commonPool()} (see {@link #getCredentialAsync(Map, Executor)}).
     *
     * <p>The future completes with the {@link Response}, or exceptionally with exactly the exception
     * {@link #getCredential(Map)} would throw ({@link StsInvalidArgumentException},
     * {@link StsServiceException}, {@link StsNetworkException}, {@link StsBadResponseException},
     * {@link StsException}); {@code join()} wraps it in a {@link java.util.concurrent.CompletionException},
     * {@code get()} in an {@link java.util.concurrent.ExecutionException}. It also fails at once with
     * an {@link StsNetworkException} ({@code Client.Network}) when libsts is overloaded (65,536 calls
     * already waiting for a worker). Nothing is thrown by this method itself, except an
     * {@link UnsatisfiedLinkError} when libsts cannot be loaded.
     *
     * <p>Bound the whole call, retries included, with {@code totalTimeoutMs} in the config (it ends
     * with {@code Client.Timeout}). {@code future.cancel(true)} completes the future as cancelled at
     * once; the call's answer, when it comes, is freed unread. At most 64 calls run at once by default
     * ({@link #setAsyncWorkers(int)}); more wait in libsts's queue, and their wait counts against
     * {@code totalTimeoutMs}.
     */
    public static CompletableFuture<Response> getCredentialAsync(Map<String, ?> config) {
        return getCredentialAsync(config, ForkJoinPool.commonPool());
    }

    /**
     * {@link #getCredentialAsync(Map)}, with the future completed on {@code executor}: the Response is
     * built there and dependent stages added without {@code ...Async} run there. libsts's own worker
     * thread only copies the answer and hands it over, so it never runs, or waits for, user code.
     */
    public static CompletableFuture<Response> getCredentialAsync(Map<String, ?> config, Executor executor) {
        return async(LibSts.Fn.CREDENTIAL, config, executor);
    }

    /** {@link #getRoleCredential(Map)} without blocking, as {@link #getCredentialAsync(Map)}. */
    public static CompletableFuture<Response> getRoleCredentialAsync(Map<String, ?> config) {
        return getRoleCredentialAsync(config, ForkJoinPool.commonPool());
    }

    /** {@link #getRoleCredential(Map)} without blocking, as {@link #getCredentialAsync(Map, Executor)}. */
    public static CompletableFuture<Response> getRoleCredentialAsync(Map<String, ?> config, Executor executor) {
        return async(LibSts.Fn.ROLE_CREDENTIAL, config, executor);
    }

    /** {@link #getRoleCredential(AssumeRoleParam)} without blocking, as {@link #getCredentialAsync(Map)}. */
    public static CompletableFuture<Response> getRoleCredentialAsync(AssumeRoleParam param) {
        if (param == null) {
            return CompletableFuture.failedFuture(StsInvalidArgumentException.of("assumeRoleParam", "null"));
        }
        return getRoleCredentialAsync(param.toConfig());
    }

    /**
     * Temporary keys that may upload exactly one object, whose key libsts chooses
     * ({@code sts_get_upload_credential}): what an upload endpoint hands to a browser or app. A
     * libsts addition (the vendor SDK only has a demo of it).
     *
     * <p>The config is a {@link #getCredential(Map)} config (keys, {@code bucket} (required),
     * {@code region}, {@code durationSeconds}, transport keys) without {@code allowPrefixes},
     * {@code allowActions}, {@code policy}, {@code condition} or {@code cache}, plus {@code upload}, a
     * Map: {@code keyTemplate} (default {@code "file/{date}/{date}_{random}{ext}"}), {@code filename}
     * (the client's file name; only its extension is used) or {@code ext}, {@code allowExt} (a list),
     * {@code contentType} (e.g. {@code "image/*"}), {@code maxBytes}, {@code multipart}. Every rule
     * (the extension must be a dot and 1 to 16 ASCII letters or digits, one of {@code allowExt}) is
     * libsts's; a refusal is an {@link StsInvalidArgumentException} naming {@code upload.ext} before
     * anything is sent. The policy allows {@code name/cos:PutObject} and {@code name/cos:PostObject}
     * (plus the multipart actions with {@code multipart}) on that one object only. Never cached.
     *
     * @return the credentials plus {@link UploadResponse#bucket}, {@link UploadResponse#region} and
     *     {@link UploadResponse#key}, the object they may write
     * @throws StsInvalidArgumentException bad config or a refused extension (nothing was sent)
     * @throws StsException             as {@link #getCredential(Map)}
     */
    public static UploadResponse getUploadCredential(Map<String, ?> config) throws StsException {
        return uploadResponse(LibSts.call(LibSts.Fn.UPLOAD_CREDENTIAL, translate(config)));
    }

    /** {@link #getUploadCredential(Map)} without blocking, as {@link #getCredentialAsync(Map)}. */
    public static CompletableFuture<UploadResponse> getUploadCredentialAsync(Map<String, ?> config) {
        return getUploadCredentialAsync(config, ForkJoinPool.commonPool());
    }

    /** {@link #getUploadCredential(Map)} without blocking, as {@link #getCredentialAsync(Map, Executor)}. */
    public static CompletableFuture<UploadResponse> getUploadCredentialAsync(Map<String, ?> config, Executor executor) {
        return async(LibSts.Fn.UPLOAD_CREDENTIAL, config, executor, CosStsClient::uploadResponse);
    }

    /**
     * Empties libsts's credential cache in this process, wiping every cached key
     * ({@code sts_cache_clear}). The cache is opt-in per call: {@code cache} in the config of
     * {@link #getCredential(Map)} or {@link #getRoleCredential(Map)}, {@code true} for the defaults or
     * a Map {@code {minRemainingSeconds: 300, maxEntries: 1024}}.
     */
    public static void clearCache() {
        LibSts.cacheClear();
    }

    /**
     * How many libsts worker threads the async calls may use in this process (default 64, or the
     * {@code LIBSTS_ASYNC_WORKERS} environment variable; 1..1024). Calls beyond them wait in libsts's
     * queue. May be called at any time: busy workers above a lowered limit finish their call first.
     *
     * @throws StsInvalidArgumentException a count out of range (nothing changes)
     */
    public static void setAsyncWorkers(int workers) {
        AsyncCalls.setWorkers(workers);
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
        return policy(list);
    }

    /** libsts's policy for a list of scopes in its own format, or its error. */
    private static String policy(List<Object> scopes) {
        StringBuilder json = new StringBuilder(256).append('[');
        for (int i = 0; i < scopes.size(); i++) {
            json.append(i == 0 ? "" : ",").append(JsonText.write(scopes.get(i), "scopes[" + i + "]"));
        }
        LibSts.Result r = LibSts.call(LibSts.Fn.POLICY, json.append(']').toString());
        if (r.code == LibSts.STS_OK) {
            return r.json;
        }
        throw toUnchecked(toException(r));
    }

    /**
     * The vendor SDK's {@code CosStsClient.Parameters}: a config read with {@link #parse(Map)} for
     * {@link CosStsClient#getPolicy(Parameters)}. It keeps the config as given (vendor spellings
     * included); libsts reads and judges it when the policy is built.
     */
    public static class Parameters {
        private final Map<String, Object> config = new LinkedHashMap<>();

        /** Takes the entries of {@code config} (a later call adds to, or replaces, earlier ones). */
        public void parse(Map<String, ?> config) {
            if (config == null) {
                throw StsInvalidArgumentException.of("config", "null");
            }
            this.config.putAll(config);
        }
    }

    /**
     * The policy {@link #getCredential(Map)} would send for a config without {@code policy}: one
     * statement granting {@code allowActions} on {@code allowPrefixes} of {@code bucket} in
     * {@code region}, as libsts builds it ({@code sts_check_config}; local, no network, no secret
     * needed). A bad or missing key is an {@link StsInvalidArgumentException} naming it.
     */
    public static String getPolicy(Parameters parameters) {
        if (parameters == null) {
            throw StsInvalidArgumentException.of("parameters", "null");
        }
        // Only the policy is wanted: the key pair plays no part in it, so a placeholder pair (never
        // sent anywhere) stands in for whatever was given, and the environment's is never read.
        Map<String, Object> config = new LinkedHashMap<>();
        parameters.config.forEach((k, v) -> {
            if (k == null || !SECRET_KEYS.contains(k.toLowerCase(Locale.ROOT))) {
                config.put(k, v);
            }
        });
        config.put("secretId", "AKIDPOLICYONLYEXAMPLE");
        config.put("secretKey", "policy-only-EXAMPLE");
        LibSts.Result r = LibSts.call(LibSts.Fn.CHECK_CONFIG, translate(config));
        if (r.code != LibSts.STS_OK) {
            throw toUnchecked(toException(r));
        }
        JsonNode policy = JsonText.parseAnswer(r.json).get("policy");
        if (policy == null || policy.isNull()) {
            throw new IllegalStateException("libsts's checked config has no policy");
        }
        return policy.isTextual() ? policy.textValue() : policy.toString();
    }

    private static final java.util.Set<String> SECRET_KEYS =
            java.util.Set.of("secretid", "secret_id", "secretkey", "secret_key", "sessiontoken", "session_token");

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
    private static CompletableFuture<Response> async(LibSts.Fn fn, Map<String, ?> config, Executor executor) {
        return async(fn, config, executor, CosStsClient::response);
    }

    private static <T> CompletableFuture<T> async(LibSts.Fn fn, Map<String, ?> config, Executor executor,
            AsyncCalls.Decoder<T> decoder) {
        if (executor == null) {
            return CompletableFuture.failedFuture(StsInvalidArgumentException.of("executor", "null"));
        }
        String json;
        try {
            json = translate(config);
        } catch (StsInvalidArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return AsyncCalls.submit(fn, json, executor, decoder);
    }

    static String translate(Map<String, ?> config) {
        if (config == null) {
            throw StsInvalidArgumentException.of("config", "null");
        }
        JsonText.ObjectWriter out = new JsonText.ObjectWriter();
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
                value = JsonText.parseUserText(value.toString(), key);
            }
            out.field(libstsKey, value, key);
        }
        return out.finish();
    }

    private static Response credential(LibSts.Fn fn, String configJson) throws StsException {
        return response(LibSts.call(fn, configJson));
    }

    /** The Response of a finished call, or the exception the call throws. */
    static Response response(LibSts.Result r) throws StsException {
        return fill(new Response(), answer(r));
    }

    /** The UploadResponse of a finished upload call, or the exception the call throws. */
    static UploadResponse uploadResponse(LibSts.Result r) throws StsException {
        JsonNode root = answer(r);
        UploadResponse resp = fill(new UploadResponse(), root);
        resp.bucket = JsonText.text(root.get("bucket"));
        resp.region = JsonText.text(root.get("region"));
        resp.key = JsonText.text(root.get("key"));
        return resp;
    }

    /** The answer of a successful call as JSON, or the exception of a failed one. */
    private static JsonNode answer(LibSts.Result r) throws StsException {
        if (r.code != LibSts.STS_OK) {
            Exception ex = toException(r);
            if (ex instanceof StsException) {
                throw (StsException) ex;
            }
            throw toUnchecked(ex);
        }
        // Never quotes the text: it holds the temporary secret key.
        return JsonText.parseAnswer(r.json);
    }

    private static <T extends Response> T fill(T resp, JsonNode root) {
        JsonNode c = root.path("credentials");
        resp.credentials.tmpSecretId = JsonText.text(c.get("tmpSecretId"));
        resp.credentials.tmpSecretKey = JsonText.text(c.get("tmpSecretKey"));
        resp.credentials.sessionToken = JsonText.text(c.get("sessionToken"));
        resp.expiration = JsonText.text(root.get("expiration"));
        resp.startTime = root.path("startTime").asLong(0L);
        resp.expiredTime = root.path("expiredTime").asLong(0L);
        resp.requestId = JsonText.text(root.get("requestId"));
        return resp;
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
            JsonNode err = JsonText.parseAnswer(r.json).path("error");
            if (!err.isObject()) {
                throw new IllegalStateException("no error object");
            }
            if (JsonText.text(err.get("code")) != null) {
                code = JsonText.text(err.get("code"));
            }
            if (JsonText.text(err.get("message")) != null) {
                message = JsonText.text(err.get("message"));
            }
            requestId = JsonText.text(err.get("requestId"));
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
