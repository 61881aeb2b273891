/*
 * libsts C example: builds a policy from scopes, then asks STS for temporary keys.
 *
 *   cc example.c $(pkg-config --cflags --libs sts) -o example
 *   TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... ./example [STS-URL]
 *
 * With no URL it talks to the real STS (https://sts.tencentcloudapi.com/); `make demo` passes
 * the URL of a local sts-emulator. The secret pair comes from the environment, never from code.
 */
#include <stdio.h>
#include <sts.h>

int main(int argc, char **argv) {
    const char *url = argc > 1 ? argv[1] : "https://sts.tencentcloudapi.com/";
    char *out = NULL;

    printf("libsts %s\n\n", sts_version());

    /* 1. What the client asked for -> a CAM policy (local, no network). */
    StsCode code = sts_get_policy(
        "[{\"action\":\"name/cos:PutObject\",\"bucket\":\"example-1250000000\","
        "\"region\":\"ap-guangzhou\",\"prefix\":\"uploads/user-42/*\"}]",
        &out);
    printf("sts_get_policy -> %d\n%s\n\n", (int)code, out);
    sts_string_free(out);
    if (code != STS_OK) return 1;

    /* 2. Temporary keys limited to that prefix (GetFederationToken). */
    char config[1024];
    snprintf(config, sizeof config,
             "{\"bucket\":\"example-1250000000\",\"region\":\"ap-guangzhou\","
             "\"allow_prefix\":\"uploads/user-42/*\","
             "\"allow_actions\":[\"name/cos:PutObject\",\"name/cos:InitiateMultipartUpload\"],"
             "\"duration_seconds\":1800,\"url\":\"%s\"}",
             url);
    code = sts_get_credential(config, &out);
    if (code != STS_OK) {
        /* out is {"error":{"code":...,"message":...,"requestId":...}}: log it, it holds no secret. */
        fprintf(stderr, "sts_get_credential -> %d\n%s\n", (int)code, out);
        sts_string_free(out);
        return 1;
    }
    /* A real server returns this JSON to its client; here it is an emulator credential. */
    printf("sts_get_credential -> %d\n%s\n", (int)code, out);
    sts_string_free(out);
    return 0;
}
