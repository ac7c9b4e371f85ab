/* Reading small text files whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "common/xalloc.h"

int file_read_text(const char *path, size_t max, char **ret_text, size_t *ret_len, char *err,
                   size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct buf b = {0};
    char chunk[8192];
    size_t n;
    const char *problem = NULL;
    while (!problem && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n > max)
            problem = "file is too large";
        else
            buf_append(&b, chunk, n);
    }
    if (!problem && ferror(fp))
        problem = "read error";
    if (!problem && b.len && memchr(b.data, '\0', b.len))
        problem = "contains a NUL byte";
    fclose(fp);
    if (problem) {
        snprintf(err, errlen, "%s: %s", path, problem);
        buf_free(&b);
        return -1;
    }
    if (ret_len)
        *ret_len = b.len;
    *ret_text = buf_steal(&b);
    return 0;
}
