/*
 * C tests of the libsts ABI, compiled against include/sts.h and the built library.
 * Needs STS_EMULATOR_URL (an sts-emulator with its default key pair); `make test` starts one.
 * Run plain, under valgrind memcheck and under ASan/UBSan: every string is freed exactly once.
 */
/* fork, waitpid, alarm, getpid: POSIX, not C99. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sts.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EMU_ID "AKIDEMULATOREXAMPLE0000000000000000"
#define EMU_KEY "emulator-secret-key-EXAMPLE"

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
    return bad;
}

static int test_null_out(void) {
    CHECK(sts_get_policy("[]", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    CHECK(sts_get_credential("{}", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
    CHECK(sts_get_role_credential("{}", NULL) == STS_INVALID_ARGUMENT, "NULL out_json");
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
    run("service error kept intact, no secret", test_service_error);
    run("network error", test_network_error);
    run("8 threads x 25 mixed calls", test_threads);
    run("fork after calls: parent and child call at once, each gets its own answer", test_fork);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
