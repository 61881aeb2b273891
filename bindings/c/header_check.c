/* Compiled as C99 and as C++11 with -Wall -Wextra -Werror -pedantic: the header must be clean in both. */
#include <sts.h>

int main(void) {
    char *out = 0;
    StsCode code = sts_get_policy("[]", &out);
    sts_string_free(out);
    return code == STS_OK && sts_version() != 0 ? 0 : 1;
}
