/*
 * C tests of the libsts ABI, compiled against include/sts.h and the built library.
 * Needs STS_EMULATOR_URL (an sts-emulator with its default key pair); `make test` starts one.
 * Run plain, under valgrind memcheck and under ASan/UBSan: every string is freed exactly once.
 */
/* fork, waitpid, alarm, getpid: POSIX, not C99. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sts.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CALLS_PER_THREAD_CACHE 200

#define EMU_ID "AKIDEMULATOREXAMPLE0000000000000000"
#define EMU_KEY "emulator-secret-key-EXAMPLE"
/* Known to the emulator `make test-c` starts (C_EMULATOR_FLAGS in the Makefile). */
#define TEMP_ID "AKIDtemporaryEXAMPLE0000000000000000"
#define TEMP_KEY "temporary-key-EXAMPLE"
#define TEMP_TOKEN "session-token-SECRET-MARKER"
#define OIDC_PROVIDER "tke-oidc"
#define OIDC_TOKEN "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-SECRET-MARKER"
#define ROLE_ARN "qcs::cam::uin/100000000001:roleName/cos-uploader"

static int passed, failed;
static const char *emulator_url;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
            return 1;                                                        \
        }                                                                    \
    } while (0)

static void run(const char *name, int (*test)(void)) {
    if (test() == 0) {
        passed++;
        printf("ok   %s\n", name);
    } else {
        failed++;
        printf("FAIL %s\n", name);
    }
}

/* Calls fn, checks the code and that the output contains `needle`, frees the output. */
static int expect(StsCode (*fn)(const char *, char **), const char *input, StsCode want, const char *needle) {
    char *out = NULL;
    StsCode got = fn(input, &out);
    int ok = out != NULL && got == want && (needle == NULL || strstr(out, needle) != NULL);
    if (!ok) fprintf(stderr, "  code %d (want %d), out: %s\n  wanted: %s\n", (int)got, (int)want, out ? out : "(null)", needle ? needle : "");
    sts_string_free(out);
    return ok ? 0 : 1;
}

static char *config_with(const char *extra) {
    static __thread char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\","
             "\"bucket\":\"example-1250000000\",\"region\":\"ap-guangzhou\","
             "\"allow_prefix\":\"dir/*\",\"allow_actions\":[\"name/cos:PutObject\"]%s}",
             emulator_url, extra);
    return buf;
}

static int test_version(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", STS_VERSION_MAJOR, STS_VERSION_MINOR, STS_VERSION_PATCH);
    CHECK(strcmp(sts_version(), want) == 0, "sts_version %s != header %s", sts_version(), want);
    return 0;
}

static int test_policy(void) {
    return expect(sts_get_policy,
                  "[{\"action\":\"name/cos:PutObject\",\"bucket\":\"example-1250000000\",\"region\":\"ap-guangzhou\",\"prefix\":\"dir/*\"}]",
                  STS_OK,
                  "{\"version\":\"2.0\",\"statement\":[{\"action\":[\"name/cos:PutObject\"],\"effect\":\"allow\","
                  "\"resource\":[\"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*\"]}]}");
}

static int test_empty_policy(void) {
    return expect(sts_get_policy, "[]", STS_OK, "{\"version\":\"2.0\",\"statement\":[]}");
}

static int test_null_input(void) {
    int bad = 0;
    bad |= expect(sts_get_policy, NULL, STS_INVALID_ARGUMENT, "\"scopes: NULL pointer\"");
    bad |= expect(sts_get_credential, NULL, STS_INVALID_ARGUMENT, "\"config: NULL pointer\"");
    bad |= expect(sts_get_role_credential, NULL, STS_INVALID_ARGUMENT, "\"config: NULL pointer\"");
    bad |= expect(sts_get_caller_identity, NULL, STS_INVALID_ARGUMENT, "\"config: NULL pointer\"");
    bad |= expect(sts_get_web_identity_credential, NULL, STS_INVALID_ARGUMENT, "\"config: NULL pointer\"");
    return bad;
}

static int test_null_out(void) {
    CHECK(sts_get_policy("[]", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    CHECK(sts_get_credential("{}", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    CHECK(sts_get_role_credential("{}", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    CHECK(sts_get_caller_identity("{}", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    CHECK(sts_get_web_identity_credential("{}", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    return 0;
}

static int test_free_null(void) {
    sts_string_free(NULL);
    return 0;
}

static int test_invalid_utf8(void) {
    int bad = 0;
    bad |= expect(sts_get_policy, "[\"\xff\xfe\"]", STS_INVALID_ARGUMENT, "not valid UTF-8 (first bad byte at offset 2)");
    bad |= expect(sts_get_credential, "{\"name\":\"\xc3\"}", STS_INVALID_ARGUMENT, "config: not valid UTF-8");
    bad |= expect(sts_get_caller_identity, "{\"region\":\"\xff\"}", STS_INVALID_ARGUMENT, "config: not valid UTF-8 (first bad byte at offset 11)");
    bad |= expect(sts_get_web_identity_credential, "{\"web_identity_token\":\"\xc3\"}", STS_INVALID_ARGUMENT,
                  "config: not valid UTF-8 (first bad byte at offset 23)");
    return bad;
}

static int test_malformed_json(void) {
    int bad = 0;
    bad |= expect(sts_get_policy, "[{", STS_INVALID_ARGUMENT, "scopes: not valid JSON");
    bad |= expect(sts_get_credential, "{\"secret_id\":", STS_INVALID_ARGUMENT, "config: not valid JSON");
    bad |= expect(sts_get_role_credential, "", STS_INVALID_ARGUMENT, "config: not valid JSON");
    return bad;
}

static int test_validation_names_field(void) {
    int bad = 0;
    bad |= expect(sts_get_credential, config_with(",\"duration_seconds\":999999"), STS_INVALID_ARGUMENT, "duration_seconds: 999999 is out of range");
    bad |= expect(sts_get_credential, config_with(",\"bukcet\":1"), STS_INVALID_ARGUMENT, "did you mean `bucket`?");
    bad |= expect(sts_get_policy, "[{\"action\":\"a\",\"bucket\":\"nobucketappid\",\"region\":\"r\",\"prefix\":\"*\"}]", STS_INVALID_ARGUMENT, "scopes[0].bucket");
    return bad;
}

static int test_check_config(void) {
    int bad = 0;
    /* Validation only: normalized, defaults filled in, never the secret key. */
    bad |= expect(sts_check_config, config_with(""), STS_OK, "\"action\":\"GetFederationToken\"");
    bad |= expect(sts_check_config, config_with(""), STS_OK, "\"duration_seconds\":1800");
    char *out = NULL;
    CHECK(sts_check_config(config_with(""), &out) == STS_OK, "check_config failed");
    CHECK(strstr(out, EMU_KEY) == NULL, "secret key in normalized config: %s", out);
    sts_string_free(out);
    bad |= expect(sts_check_config, config_with(",\"role_arn\":\"r\",\"bukcet\":1"), STS_INVALID_ARGUMENT,
                  "did you mean `bucket`?");
    bad |= expect(sts_check_config, "{\"role_arn\":\"qcs::cam::uin/1:roleName/r\",\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"k\"}",
                  STS_OK, "\"action\":\"AssumeRole\"");
    bad |= expect(sts_check_config, NULL, STS_INVALID_ARGUMENT, "config: NULL pointer");
    return bad;
}

static int test_credential(void) {
    return expect(sts_get_credential, config_with(""), STS_OK, "\"credentials\":{\"tmpSecretId\":\"");
}

static int test_role_credential(void) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\","
             "\"role_arn\":\"qcs::cam::uin/100000000001:roleName/cos-uploader\",\"external_id\":\"ext-42\"}",
             emulator_url);
    return expect(sts_get_role_credential, config, STS_OK, "\"sessionToken\":\"");
}

/* GetFederationToken refuses a temporary key before sending; AssumeRole takes it with X-TC-Token. */
static int test_temporary_key(void) {
    char config[2048];
    snprintf(config, sizeof config,
             "{\"secret_id\":\"" TEMP_ID "\",\"secret_key\":\"" TEMP_KEY "\",\"session_token\":\"" TEMP_TOKEN "\","
             "\"url\":\"%s\",\"bucket\":\"example-1250000000\",\"allow_prefix\":\"dir/*\","
             "\"allow_actions\":[\"name/cos:PutObject\"]%s}",
             emulator_url, "");
    int bad = expect(sts_get_credential, config, STS_INVALID_ARGUMENT,
                     "session_token: the signing key is temporary (`session_token` in the config), and GetFederationToken "
                     "accepts permanent keys only; use sts_get_role_credential with `role_arn` and the same policy");
    char *out = NULL;
    CHECK(sts_get_credential(config, &out) == STS_INVALID_ARGUMENT, "not refused");
    CHECK(strstr(out, "SECRET-MARKER") == NULL, "the token is quoted: %s", out);
    sts_string_free(out);
    snprintf(config, sizeof config,
             "{\"secret_id\":\"" TEMP_ID "\",\"secret_key\":\"" TEMP_KEY "\",\"session_token\":\"" TEMP_TOKEN "\","
             "\"url\":\"%s\",\"role_arn\":\"" ROLE_ARN "\",\"bucket\":\"example-1250000000\",\"allow_prefix\":\"dir/*\","
             "\"allow_actions\":[\"name/cos:PutObject\"]}",
             emulator_url);
    bad |= expect(sts_get_role_credential, config, STS_OK, "\"sessionToken\":\"");
    return bad;
}

static int test_caller_identity(void) {
    char config[1024];
    snprintf(config, sizeof config, "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\"}", emulator_url);
    int bad = expect(sts_get_caller_identity, config, STS_OK, "\"type\":\"RootAccount\"");
    bad |= expect(sts_get_caller_identity, config, STS_OK, "\"credentialSource\":\"config\"}");
    snprintf(config, sizeof config, "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\",\"bucket\":\"b-1\"}",
             emulator_url);
    bad |= expect(sts_get_caller_identity, config, STS_INVALID_ARGUMENT, "\"bucket: not a key of sts_get_caller_identity");
    snprintf(config, sizeof config,
             "{\"secret_id\":\"" TEMP_ID "\",\"secret_key\":\"" TEMP_KEY "\",\"session_token\":\"" TEMP_TOKEN "\",\"url\":\"%s\"}",
             emulator_url);
    bad |= expect(sts_get_caller_identity, config, STS_OK, "\"type\":\"CAMRole\"");
    return bad;
}

static int test_web_identity(void) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"provider_id\":\"" OIDC_PROVIDER "\",\"web_identity_token\":\"" OIDC_TOKEN "\",\"role_arn\":\"" ROLE_ARN "\","
             "\"url\":\"%s\"%s}",
             emulator_url, "");
    int bad = expect(sts_get_web_identity_credential, config, STS_OK, "\"credentials\":{\"tmpSecretId\":\"");
    snprintf(config, sizeof config,
             "{\"provider_id\":\"" OIDC_PROVIDER "\",\"web_identity_token\":\"eyJ.wrong.SECRET-MARKER\",\"role_arn\":\"" ROLE_ARN "\","
             "\"url\":\"%s\"}",
             emulator_url);
    char *out = NULL;
    CHECK(sts_get_web_identity_credential(config, &out) == STS_SERVICE, "wrong token accepted: %s", out);
    int quoted = strstr(out, "SECRET-MARKER") != NULL, named = strstr(out, "InvalidParameter.WebIdentityTokenError") != NULL;
    sts_string_free(out);
    CHECK(!quoted && named, "wrong-token answer");
    snprintf(config, sizeof config,
             "{\"provider_id\":\"" OIDC_PROVIDER "\",\"web_identity_token\":\"" OIDC_TOKEN "\",\"role_arn\":\"" ROLE_ARN "\","
             "\"url\":\"%s\",\"secret_id\":\"" EMU_ID "\"}",
             emulator_url);
    bad |= expect(sts_get_web_identity_credential, config, STS_INVALID_ARGUMENT,
                  "secret_id: not a key of sts_get_web_identity_credential: AssumeRoleWithWebIdentity is unsigned");
    return bad;
}

static int test_role_extras(void) {
    char config[2048];
    snprintf(config, sizeof config,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\",\"role_arn\":\"" ROLE_ARN "\","
             "\"tags\":[{\"key\":\"team\",\"value\":\"media\"}],\"source_identity\":\"user-1\","
             "\"serial_number\":\"qcs::cam::uin/100000000001:mfa/softToken\",\"token_code\":\"123456\"}",
             emulator_url);
    int bad = expect(sts_get_role_credential, config, STS_OK, "\"sessionToken\":\"");
    snprintf(config, sizeof config,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\",\"role_arn\":\"" ROLE_ARN "\","
             "\"tags\":[{\"key\":\"a\",\"value\":\"\"},{\"key\":\"b\",\"value\":\"\"},{\"key\":\"c\",\"value\":\"\"},"
             "{\"key\":\"a\",\"value\":\"again\"}]}",
             emulator_url);
    bad |= expect(sts_get_role_credential, config, STS_INVALID_ARGUMENT, "tags[3].key: repeats the key of tags[0]");
    return bad;
}

static int test_service_error(void) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"wrong-key-SECRET-MARKER\",\"url\":\"%s\",\"policy\":"
             "{\"version\":\"2.0\",\"statement\":[{\"action\":[\"name/cos:GetObject\"],\"effect\":\"allow\",\"resource\":[\"*\"]}]}}",
             emulator_url);
    char *out = NULL;
    StsCode code = sts_get_credential(config, &out);
    int ok = code == STS_SERVICE && strstr(out, "\"code\":\"AuthFailure.SignatureFailure\"") && strstr(out, "\"requestId\":\"") &&
             !strstr(out, "SECRET-MARKER");
    if (!ok) fprintf(stderr, "  code %d out %s\n", (int)code, out);
    sts_string_free(out);
    return ok ? 0 : 1;
}

static int test_network_error(void) {
    return expect(sts_get_credential,
                  "{\"secret_id\":\"AKIDx\",\"secret_key\":\"k\",\"url\":\"http://127.0.0.1:1/\",\"retries\":0,"
                  "\"bucket\":\"b-1\",\"allow_prefix\":\"*\",\"allow_actions\":\"a\"}",
                  STS_NETWORK, "\"code\":\"Client.Network\"");
}

static char *upload_config(const char *upload, const char *extra) {
    static __thread char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\","
             "\"bucket\":\"example-1250000000\",\"region\":\"ap-guangzhou\",\"upload\":%s%s}",
             emulator_url, upload, extra);
    return buf;
}

/* A copy of the "key" member of a result (the keys are plain ASCII: no escapes), or "". */
static void key_of(const char *out, char *key, size_t size) {
    const char *start = strstr(out, "\"key\":\"");
    key[0] = '\0';
    if (start == NULL) return;
    start += strlen("\"key\":\"");
    const char *end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= size) return;
    memcpy(key, start, (size_t)(end - start));
    key[end - start] = '\0';
}

static int test_upload(void) {
    const char *config = upload_config("{\"filename\":\"Photo.JPG\",\"allow_ext\":[\"jpg\",\"png\"],\"content_type\":\"image/*\"}", "");
    char first[256], second[256];
    for (int i = 0; i < 2; i++) {
        char *out = NULL;
        StsCode code = sts_get_upload_credential(config, &out);
        CHECK(code == STS_OK && out != NULL, "code %d out %s", (int)code, out ? out : "(null)");
        CHECK(strstr(out, "\"bucket\":\"example-1250000000\"") && strstr(out, "\"region\":\"ap-guangzhou\"") &&
                  strstr(out, "\"tmpSecretKey\":\""),
              "result lacks a field: %s", out);
        key_of(out, i == 0 ? first : second, sizeof first);
        sts_string_free(out);
    }
    /* file/YYYYMMDD/YYYYMMDD_<16 hex>.jpg */
    CHECK(strncmp(first, "file/", 5) == 0 && strlen(first) == strlen("file/20260101/20260101_0123456789abcdef.jpg") &&
              strcmp(first + strlen(first) - 4, ".jpg") == 0,
          "key %s", first);
    CHECK(strcmp(first, second) != 0, "two calls, one key: %s", first);
    return 0;
}

static int test_upload_refused(void) {
    int bad = 0;
    bad |= expect(sts_get_upload_credential, upload_config("{\"ext\":\".*\"}", ""), STS_INVALID_ARGUMENT,
                  "upload.ext: `.*` is not an extension");
    bad |= expect(sts_get_upload_credential, upload_config("{\"ext\":\"/../x\"}", ""), STS_INVALID_ARGUMENT, "upload.ext: ");
    bad |= expect(sts_get_upload_credential, upload_config("{\"ext\":\"EXE\",\"allow_ext\":[\"jpg\",\".png\"]}", ""),
                  STS_INVALID_ARGUMENT, "upload.ext: `.exe` is not allowed; allowed: .jpg, .png");
    bad |= expect(sts_get_upload_credential, upload_config("{\"key_template\":\"u/{date}{ext}\"}", ""), STS_INVALID_ARGUMENT,
                  "upload.key_template: must contain {random}");
    bad |= expect(sts_get_upload_credential, upload_config("{\"key_template\":\"u/../{random}\"}", ""), STS_INVALID_ARGUMENT,
                  "upload.key_template: has a `.` or `..` path segment");
    bad |= expect(sts_get_upload_credential, upload_config("{\"ext\":\"jpg\"}", ",\"cache\":true"), STS_INVALID_ARGUMENT,
                  "cache: not for upload credentials");
    bad |= expect(sts_get_upload_credential, upload_config("{\"ext\":\"jpg\"}", ",\"allow_prefix\":\"*\""), STS_INVALID_ARGUMENT,
                  "allow_prefix: ambiguous together with `upload`");
    bad |= expect(sts_get_upload_credential, upload_config("{\"exts\":\"jpg\"}", ""), STS_INVALID_ARGUMENT,
                  "did you mean `ext`?");
    bad |= expect(sts_get_upload_credential, NULL, STS_INVALID_ARGUMENT, "\"config: NULL pointer\"");
    CHECK(sts_get_upload_credential("{}", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    /* sts_check_config knows upload configs and shows the template, not a key. */
    bad |= expect(sts_check_config, upload_config("{\"ext\":\"PNG\"}", ""), STS_OK, "\"key\":\"file/{date}/{date}_{random}.png\"");
    return bad;
}

/* The cache: the same JSON without a request, until sts_cache_clear. */
static int test_cache(void) {
    const char *config = config_with(",\"cache\":{\"min_remaining_seconds\":60,\"max_entries\":16}");
    char *first = NULL, *second = NULL, *third = NULL;
    CHECK(sts_get_credential(config, &first) == STS_OK, "%s", first);
    CHECK(sts_get_credential(config, &second) == STS_OK, "%s", second);
    int same = strcmp(first, second) == 0;
    sts_cache_clear();
    CHECK(sts_get_credential(config, &third) == STS_OK, "%s", third);
    int fresh = strcmp(first, third) != 0;
    sts_string_free(first);
    sts_string_free(second);
    sts_string_free(third);
    sts_cache_clear();
    CHECK(same, "a hit differs from the original");
    CHECK(fresh, "sts_cache_clear kept the key");
    return expect(sts_get_credential, config_with(",\"cache\":{\"max_entrys\":1}"), STS_INVALID_ARGUMENT,
                  "cache.max_entrys: unknown key (did you mean `max_entries`?)");
}

static void *cache_hammer(void *arg) {
    const char *want = arg;
    for (int i = 0; i < CALLS_PER_THREAD_CACHE; i++) {
        char *out = NULL;
        StsCode code = sts_get_credential(config_with(",\"cache\":true"), &out);
        int ok = code == STS_OK && strcmp(out, want) == 0;
        sts_string_free(out);
        if (!ok) return (void *)1;
    }
    return NULL;
}

#define THREADS 8
#define CALLS_PER_THREAD 25

static void *hammer(void *arg) {
    (void)arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        if (expect(sts_get_policy, "[{\"action\":\"a\",\"bucket\":\"b-1\",\"region\":\"r\",\"prefix\":\"*\"}]", STS_OK, "qcs::cos:r:uid/1:b-1/*"))
            return (void *)1;
        if (expect(sts_get_credential, config_with(""), STS_OK, "tmpSecretKey")) return (void *)1;
    }
    return NULL;
}

static int test_threads(void) {
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, hammer, NULL) == 0, "pthread_create");
    int bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *result = NULL;
        pthread_join(threads[i], &result);
        bad |= result != NULL;
    }
    CHECK(!bad, "a thread saw a wrong result");
    return 0;
}

static int test_cache_threads(void) {
    char *want = NULL;
    CHECK(sts_get_credential(config_with(",\"cache\":true"), &want) == STS_OK, "%s", want);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, cache_hammer, want) == 0, "pthread_create");
    int bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *result = NULL;
        pthread_join(threads[i], &result);
        bad |= result != NULL;
    }
    sts_string_free(want);
    sts_cache_clear();
    CHECK(!bad, "a thread saw another answer than the cached one");
    return 0;
}

/* One GetFederationToken call for `duration` seconds; 0 when the answer is the caller's own: the
 * emulator's expiredTime is its clock plus the duration asked for, so another request's answer
 * (read off a socket shared with another process) shows up as the wrong expiry. */
static int call_for_duration(int duration) {
    char extra[64];
    snprintf(extra, sizeof extra, ",\"duration_seconds\":%d,\"retries\":0", duration);
    char *out = NULL;
    StsCode code = sts_get_credential(config_with(extra), &out);
    const char *expired = out ? strstr(out, "\"expiredTime\":") : NULL;
    long expires_in = expired ? strtol(expired + strlen("\"expiredTime\":"), NULL, 10) - (long)time(NULL) : -1;
    /* +1: glibc's time() reads the coarse clock, which can still show the previous second when
     * the emulator's clock has just turned over. Another request's answer is ~900 s off. */
    int ok = code == STS_OK && expires_in <= duration + 1 && expires_in >= duration - 10;
    if (!ok)
        fprintf(stderr, "  [pid %d] asked for %ds: code %d, expires in %lds: %s\n", (int)getpid(), duration, (int)code, expires_in,
                out ? out : "(null)");
    sts_string_free(out);
    return ok ? 0 : 1;
}

#define FORK_ROUNDS 10
/* Generous: under valgrind a call takes a good fraction of a second. */
#define CHILD_ALARM_SECONDS 60

/* A pre-fork server: calls, forks, and parent and child call at once. The child must use a
 * connection of its own (a shared pooled socket hands one process the other's credentials) and
 * must not hang on a lock the parent held. Its exit status says whether its answer was its own;
 * under valgrind, valgrind's errors in the child show up as exit status 3. */
static int test_fork(void) {
    CHECK(call_for_duration(900) == 0, "the parent's call before any fork");
    for (int round = 1; round <= FORK_ROUNDS; round++) {
        fflush(stdout); /* else the child prints the parent's buffered lines again */
        fflush(stderr);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork failed");
        if (pid == 0) {
            alarm(CHILD_ALARM_SECONDS); /* a hang kills the child with SIGALRM: a failure, not a stuck test */
            _exit(call_for_duration(1800 + round));
        }
        int parent_bad = call_for_duration(900 + round);
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "round %d: the child %s %d", round,
              WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
              WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        CHECK(!parent_bad, "round %d: the parent's answer was not its own", round);
    }
    return 0;
}


/* ---- async calls: every callback counted under a mutex, every out_json freed ---- */

#define MAX_ASYNC 256

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t caller;
    int answered;
    int counts[MAX_ASYNC];
    StsCode codes[MAX_ASYNC];
    int matched[MAX_ASYNC];
    int on_caller_thread;
} Waiter;

typedef struct {
    Waiter *waiter;
    int id;
    const char *needle;
} Call;

static void waiter_init(Waiter *w) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    w->caller = pthread_self();
}

static void waiter_destroy(Waiter *w) {
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
}

static void on_answer(void *user_data, StsCode code, char *out_json) {
    Call *call = user_data;
    Waiter *w = call->waiter;
    int matched = out_json != NULL && (call->needle == NULL || strstr(out_json, call->needle) != NULL);
    if (!matched) fprintf(stderr, "  call %d: code %d, out %s\n  wanted: %s\n", call->id, (int)code, out_json ? out_json : "(null)", call->needle);
    sts_string_free(out_json);
    pthread_mutex_lock(&w->lock);
    w->counts[call->id]++;
    w->codes[call->id] = code;
    w->matched[call->id] = matched;
    if (pthread_equal(pthread_self(), w->caller)) w->on_caller_thread++;
    w->answered++;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

/* Waits until `n` callbacks ran (at most `seconds`), then 50 ms more to catch a second one. */
static int wait_answers(Waiter *w, int n, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&w->lock);
    int timed_out = 0;
    while (w->answered < n && !timed_out) timed_out = pthread_cond_timedwait(&w->changed, &w->lock, &deadline) != 0;
    pthread_mutex_unlock(&w->lock);
    struct timespec grace = {0, 50 * 1000 * 1000};
    nanosleep(&grace, NULL);
    pthread_mutex_lock(&w->lock);
    int answered = w->answered, on_caller = w->on_caller_thread;
    pthread_mutex_unlock(&w->lock);
    if (answered != n) {
        fprintf(stderr, "  %d callbacks for %d calls\n", answered, n);
        return 1;
    }
    if (on_caller != 0) {
        fprintf(stderr, "  %d callbacks ran on the calling thread\n", on_caller);
        return 1;
    }
    return 0;
}

static int check_answer(Waiter *w, int id, StsCode want) {
    if (w->counts[id] != 1 || w->codes[id] != want || !w->matched[id]) {
        fprintf(stderr, "  call %d: %d callbacks, code %d (want %d), matched %d\n", id, w->counts[id], (int)w->codes[id], (int)want, w->matched[id]);
        return 1;
    }
    return 0;
}

static char role_config[1024], wrong_key_config[1024], caller_config[1024], web_config[1024];

static void make_configs(void) {
    snprintf(role_config, sizeof role_config,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\","
             "\"role_arn\":\"qcs::cam::uin/100000000001:roleName/cos-uploader\"}",
             emulator_url);
    snprintf(wrong_key_config, sizeof wrong_key_config,
             "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"wrong-key-SECRET-MARKER\",\"url\":\"%s\",\"policy\":"
             "{\"version\":\"2.0\",\"statement\":[{\"action\":[\"name/cos:GetObject\"],\"effect\":\"allow\",\"resource\":[\"*\"]}]}}",
             emulator_url);
    snprintf(caller_config, sizeof caller_config, "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\"}",
             emulator_url);
    snprintf(web_config, sizeof web_config,
             "{\"provider_id\":\"" OIDC_PROVIDER "\",\"web_identity_token\":\"" OIDC_TOKEN "\",\"role_arn\":\"" ROLE_ARN "\","
             "\"url\":\"%s\"}",
             emulator_url);
}

static int test_async_answers(void) {
    make_configs();
    /* The input is copied before the call returns: pass it from a buffer that is wiped right after. */
    char copied[4096], bad_config[4096];
    snprintf(copied, sizeof copied, "%s", config_with(""));
    snprintf(bad_config, sizeof bad_config, "%s", config_with(",\"duration_seconds\":0"));
    struct {
        StsCode (*fn)(const char *, StsCallback, void *);
        const char *input;
        StsCode want;
        const char *needle;
    } cases[] = {
        {sts_get_credential_async, copied, STS_OK, "\"credentials\":{\"tmpSecretId\":\""},
        {sts_get_role_credential_async, role_config, STS_OK, "\"sessionToken\":\""},
        {sts_get_credential_async, bad_config, STS_INVALID_ARGUMENT, "duration_seconds: 0 is out of range"},
        {sts_get_role_credential_async, NULL, STS_INVALID_ARGUMENT, "\"config: NULL pointer\""},
        {sts_get_credential_async, "{\"name\":\"\xc3\"}", STS_INVALID_ARGUMENT, "config: not valid UTF-8"},
        {sts_get_credential_async,
         "{\"secret_id\":\"AKIDx\",\"secret_key\":\"k\",\"url\":\"http://127.0.0.1:1/\",\"retries\":0,"
         "\"bucket\":\"b-1\",\"allow_prefix\":\"*\",\"allow_actions\":\"a\"}",
         STS_NETWORK, "\"code\":\"Client.Network\""},
        {sts_get_credential_async, wrong_key_config, STS_SERVICE, "\"code\":\"AuthFailure.SignatureFailure\""},
        {sts_get_caller_identity_async, caller_config, STS_OK, "\"type\":\"RootAccount\""},
        {sts_get_caller_identity_async, NULL, STS_INVALID_ARGUMENT, "\"config: NULL pointer\""},
        {sts_get_web_identity_credential_async, web_config, STS_OK, "\"sessionToken\":\""},
        {sts_get_web_identity_credential_async, "{\"x\":\"\xc3\"}", STS_INVALID_ARGUMENT, "config: not valid UTF-8"},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    Waiter w;
    Call calls[N];
    waiter_init(&w);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        calls[i] = (Call){&w, i, cases[i].needle};
        StsCode accepted = cases[i].fn(cases[i].input, on_answer, &calls[i]);
        if (i == 0) memset(copied, 'x', sizeof copied - 1), copied[sizeof copied - 1] = '\0';
        if (accepted != STS_OK) {
            fprintf(stderr, "  case %d not accepted: %d\n", i, (int)accepted);
            bad = 1;
        }
    }
    bad |= wait_answers(&w, bad ? 0 : N, 30);
    for (int i = 0; !bad && i < N; i++) bad |= check_answer(&w, i, cases[i].want);
    waiter_destroy(&w);
    return bad;
}

static int test_async_null_callback(void) {
    Call call = {NULL, 0, NULL};
    CHECK(sts_get_credential_async(config_with(""), NULL, &call) == STS_INVALID_ARGUMENT, "NULL callback accepted");
    CHECK(sts_get_role_credential_async(role_config, NULL, NULL) == STS_INVALID_ARGUMENT, "NULL callback accepted");
    CHECK(sts_get_caller_identity_async(caller_config, NULL, NULL) == STS_INVALID_ARGUMENT, "NULL callback accepted");
    CHECK(sts_get_web_identity_credential_async(web_config, NULL, NULL) == STS_INVALID_ARGUMENT, "NULL callback accepted");
    return 0;
}

static int test_async_workers(void) {
    CHECK(sts_set_async_workers(0) == STS_INVALID_ARGUMENT, "0 workers accepted");
    CHECK(sts_set_async_workers(1025) == STS_INVALID_ARGUMENT, "1025 workers accepted");
    CHECK(sts_set_async_workers(64) == STS_OK, "the default count refused");
    return 0;
}

#define MANY 200

static int test_async_many(void) {
    static Waiter w;
    static Call calls[MANY];
    waiter_init(&w);
    int bad = 0;
    for (int i = 0; i < MANY; i++) {
        calls[i] = (Call){&w, i, "\"tmpSecretKey\":\""};
        StsCode (*fn)(const char *, StsCallback, void *) = i % 2 ? sts_get_role_credential_async : sts_get_credential_async;
        if (fn(i % 2 ? role_config : config_with(""), on_answer, &calls[i]) != STS_OK) bad = 1;
    }
    CHECK(!bad, "a call was not accepted");
    bad |= wait_answers(&w, MANY, 60);
    for (int i = 0; !bad && i < MANY; i++) bad |= check_answer(&w, i, STS_OK);
    waiter_destroy(&w);
    return bad;
}

/* A listener that never accepts: connections complete in the kernel's backlog, requests are
 * never answered, so calls to it stay in flight until their timeout. */
static int silent_listener(char *url, size_t size) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        return -1;
    snprintf(url, size, "http://127.0.0.1:%d/", ntohs(addr.sin_port));
    return fd;
}

static char slow_config[1024];
static int silent_fd = -1;

/* A config for calls that stay in flight for 5 s (to the silent listener, opened once). */
static const char *slow(void) {
    if (silent_fd < 0) {
        char url[64];
        silent_fd = silent_listener(url, sizeof url);
        snprintf(slow_config, sizeof slow_config,
                 "{\"secret_id\":\"" EMU_ID "\",\"secret_key\":\"" EMU_KEY "\",\"url\":\"%s\",\"timeout_ms\":5000,\"retries\":0,"
                 "\"bucket\":\"example-1250000000\",\"allow_prefix\":\"*\",\"allow_actions\":\"name/cos:PutObject\"}",
                 url);
    }
    return silent_fd < 0 ? NULL : slow_config;
}

/* After fork() the child gets its own workers: it never waits on the parent's (whose lock a
 * parent thread may hold), and its calls are answered. */
static int test_async_fork(void) {
    CHECK(slow() != NULL, "listener");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        static Waiter w;
        static Call calls[1 + MANY];
        waiter_init(&w);
        calls[0] = (Call){&w, 0, "duration_seconds: 0 is out of range"};
        if (sts_get_credential_async(config_with(",\"duration_seconds\":0"), on_answer, &calls[0]) != STS_OK) _exit(10);
        if (wait_answers(&w, 1, 10) || check_answer(&w, 0, STS_INVALID_ARGUMENT)) _exit(11);
        for (int i = 1; i <= MANY; i++) {
            calls[i] = (Call){&w, i, NULL};
            if (sts_get_credential_async(slow(), on_answer, &calls[i]) != STS_OK) _exit(12);
        }
        /* _exit: leak checkers cannot judge a forked child, which holds the parent's memory
         * without its threads (bindings/c/valgrind.supp). Exiting with calls in flight is
         * tested by main itself, below. */
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %s %d", WIFEXITED(status) ? "exit" : "signal",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

/* Starts 200 calls that stay in flight; main then returns with them running and queued, and
 * the process must exit 0 without a crash or a leak report. */
static int test_async_exit_in_flight(void) {
    static Waiter w;
    static Call calls[MANY];
    waiter_init(&w);
    CHECK(slow() != NULL, "listener");
    for (int i = 0; i < MANY; i++) {
        calls[i] = (Call){&w, i, NULL};
        CHECK(sts_get_credential_async(slow(), on_answer, &calls[i]) == STS_OK, "call %d not accepted", i);
    }
    return 0;
}

int main(void) {
    emulator_url = getenv("STS_EMULATOR_URL");
    if (emulator_url == NULL || *emulator_url == '\0') {
        fprintf(stderr, "STS_EMULATOR_URL is not set: start target/release/sts-emulator and export its URL\n");
        return 2;
    }
    run("version matches header macros", test_version);
    run("policy from one scope", test_policy);
    run("empty scope list", test_empty_policy);
    run("NULL input pointer", test_null_input);
    run("NULL out pointer", test_null_out);
    run("sts_string_free(NULL)", test_free_null);
    run("invalid UTF-8", test_invalid_utf8);
    run("malformed JSON", test_malformed_json);
    run("validation names the field", test_validation_names_field);
    run("sts_check_config validates without sending", test_check_config);
    run("GetFederationToken against the emulator", test_credential);
    run("AssumeRole against the emulator", test_role_credential);
    run("GetFederationToken refuses a temporary key; AssumeRole takes it", test_temporary_key);
    run("GetCallerIdentity: root, role session, action keys refused", test_caller_identity);
    run("AssumeRoleWithWebIdentity: unsigned, wrong token not quoted, secret_id refused", test_web_identity);
    run("AssumeRole tags, source identity and MFA; a repeated tag key named", test_role_extras);
    run("service error kept intact, no secret", test_service_error);
    run("network error", test_network_error);
    run("8 threads x 25 mixed calls", test_threads);
    run("fork after calls: parent and child call at once, each gets its own answer", test_fork);
    run("upload credential for one server-chosen key", test_upload);
    run("upload configs refused naming the field", test_upload_refused);
    run("cache hit, sts_cache_clear", test_cache);
    run("8 threads x 200 cache hits", test_cache_threads);
    run("async: each answer class once, off the calling thread, input copied", test_async_answers);
    run("async: NULL callback refused", test_async_null_callback);
    run("async: worker count range", test_async_workers);
    run("async: 200 calls at once", test_async_many);
    run("async: a forked child gets its own workers", test_async_fork);
    run("async: 200 calls left in flight at exit (main returns next)", test_async_exit_in_flight);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
