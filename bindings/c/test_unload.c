/*
 * Unloading libsts with async calls in flight must not crash: dlopen() it, start 200 calls to a
 * listener that never answers (timeout_ms 200), dlclose() it, let the workers wake up and
 * answer, and return from main while more are still running.
 *
 *   ./test_unload path/to/libsts.so
 *
 * libsts is linked -z nodelete, so dlclose() leaves it mapped: checked with RTLD_NOLOAD.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sts.h>
#include <sys/socket.h>
#include <time.h>

#define CALLS 200

typedef StsCode (*AsyncFn)(const char *, StsCallback, void *);
typedef void (*FreeFn)(char *);

static FreeFn string_free;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int answered;

static void on_answer(void *user_data, StsCode code, char *out_json) {
    (void)user_data;
    (void)code;
    string_free(out_json);
    pthread_mutex_lock(&lock);
    answered++;
    pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_unload path/to/libsts.so\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        perror("listener");
        return 2;
    }
    char config[512];
    snprintf(config, sizeof config,
             "{\"secret_id\":\"AKIDEMULATOREXAMPLE0000000000000000\",\"secret_key\":\"k\",\"url\":\"http://127.0.0.1:%d/\","
             "\"timeout_ms\":200,\"retries\":1,\"total_timeout_ms\":5000,\"bucket\":\"example-1250000000\",\"allow_prefix\":\"*\","
             "\"allow_actions\":\"name/cos:PutObject\"}",
             ntohs(addr.sin_port));

    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    AsyncFn get_credential_async;
    *(void **)&get_credential_async = dlsym(lib, "sts_get_credential_async");
    *(void **)&string_free = dlsym(lib, "sts_string_free");
    if (get_credential_async == NULL || string_free == NULL) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 2;
    }
    for (int i = 0; i < CALLS; i++) {
        if (get_credential_async(config, on_answer, NULL) != STS_OK) {
            fprintf(stderr, "call %d not accepted\n", i);
            return 1;
        }
    }
    if (dlclose(lib) != 0) {
        fprintf(stderr, "dlclose: %s\n", dlerror());
        return 1;
    }
    if (dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD) == NULL) {
        fprintf(stderr, "libsts was unmapped by dlclose (not linked -z nodelete)\n");
        return 1;
    }
    /* Workers wake from their 200 ms timeouts, retry and answer while we wait here. */
    struct timespec wait = {0, 600 * 1000 * 1000};
    nanosleep(&wait, NULL);
    pthread_mutex_lock(&lock);
    int seen = answered;
    pthread_mutex_unlock(&lock);
    printf("unload: %d of %d calls answered after dlclose; exiting with the rest in flight\n", seen, CALLS);
    return seen > 0 ? 0 : 1;
}
