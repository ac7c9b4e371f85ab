/* Reading small files whole (keys, migrations). */
#ifndef COMMON_FILE_H
#define COMMON_FILE_H

#include <stddef.h>

/* Reads the file at path into a new NUL-terminated string (the caller frees it) and its length.
 * Returns 0; or -1 with a message naming the file in err when it cannot be read, is larger than
 * max bytes, or holds a NUL byte (these are text files). ret_len may be NULL. */
int file_read_text(const char *path, size_t max, char **ret_text, size_t *ret_len, char *err,
                   size_t errlen);

#endif
