/* Names for the shared result codes. */
#include "common/errors.h"

#include <stdio.h>
#include <string.h>

const char *of_result_name(int rc)
{
    switch (rc) {
    case OF_OK:
        return "ok";
    case OF_ERETRY:
        return "retryable";
    case OF_EPERMANENT:
        return "permanent";
    case OF_ENOTFOUND:
        return "not_found";
    case OF_ECONFLICT:
        return "conflict";
    case OF_EUNAVAIL:
        return "unavailable";
    default:
        return "unknown";
    }
}

/* Cuts s back to its last whole UTF-8 character, should its end hold only part of one. */
static void cut_utf8(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--; /* continuation bytes */
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < want)
        s[i - 1] = '\0';
}

void of_reason_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
    if (!buf || len == 0)
        return;
    if (vsnprintf(buf, len, fmt, ap) < 0)
        buf[0] = '\0';
    for (char *p = buf; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    cut_utf8(buf);
}

void of_reason_format(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    of_reason_vformat(buf, len, fmt, ap);
    va_end(ap);
}
