/*
 * libsts C example: 100 credential calls at once with sts_get_credential_async, then wait for
 * their callbacks.
 *
 *   cc example_async.c $(pkg-config --cflags --libs sts) -lpthread -o example_async
 *   TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... ./example_async [STS-URL]
 *
 * Each callback runs once on a libsts worker thread (at most 64 by default,
 * LIBSTS_ASYNC_WORKERS=N to change), owns its out_json and releases it with sts_string_free.
 * Here the callbacks only count answers; a server would hand each one to its own thread or
 * event loop. `make test-c` runs this against an sts-emulator answering in 30 ms.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sts.h>
#include <time.h>

#define CALLS 100

/* Shared by all callbacks: they run on several worker threads at once. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t all_done;
    int answered, ok;
} progress = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void on_credential(void *user_data, StsCode code, char *out_json) {
    int call = *(int *)user_data;
    if (code != STS_OK) {
        /* out_json is {"error":{"code":...,"message":...,"requestId":...}}: safe to log. */
        fprintf(stderr, "call %d -> %d %s\n", call, (int)code, out_json);
    }
    /* On success out_json holds a temporary secret key: give it to its client, never log it. */
    sts_string_free(out_json);
    pthread_mutex_lock(&progress.lock);
    progress.answered++;
    progress.ok += code == STS_OK;
    pthread_cond_signal(&progress.all_done);
    pthread_mutex_unlock(&progress.lock);
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    const char *url = argc > 1 ? argv[1] : "https://sts.tencentcloudapi.com/";
    static int ids[CALLS];
    char config[1024];
    /* Secrets from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY; total_timeout_ms bounds
     * each call, retries and time waiting for a worker included. */
    snprintf(config, sizeof config,
             "{\"bucket\":\"example-1250000000\",\"region\":\"ap-guangzhou\","
             "\"allow_prefix\":\"uploads/user-42/*\",\"allow_actions\":[\"name/cos:PutObject\"],"
             "\"total_timeout_ms\":20000,\"url\":\"%s\"}",
             url);

    double started = now_ms();
    int accepted = 0;
    for (int i = 0; i < CALLS; i++) {
        ids[i] = i;
        /* config is copied before the call returns; ids[i] must live until the callback ran. */
        StsCode code = sts_get_credential_async(config, on_credential, &ids[i]);
        if (code != STS_OK) {
            fprintf(stderr, "call %d not accepted: %d\n", i, (int)code);
            break;
        }
        accepted++;
    }

    pthread_mutex_lock(&progress.lock);
    while (progress.answered < accepted) pthread_cond_wait(&progress.all_done, &progress.lock);
    int ok = progress.ok;
    pthread_mutex_unlock(&progress.lock);

    printf("libsts %s: %d of %d async calls answered with credentials in %.0f ms\n", sts_version(), ok, CALLS,
           now_ms() - started);
    return ok == CALLS ? 0 : 1;
}
