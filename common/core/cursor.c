/* Keyset-paging cursors (see cursor.h). */
#include "common/cursor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/errors.h"

#define TEXT_MAX 64 /* 15 digits, ':', a UUID (36), with room */
_Static_assert(CODEC_B64URL_SIZE(TEXT_MAX) <= PAGE_CURSOR_SIZE, "cursor buffer");

int page_cursor_encode(const struct page_cursor *c, char ret[PAGE_CURSOR_SIZE])
{
    char text[TEXT_MAX];
    if (c->ms < 0 || c->ms > PAGE_CURSOR_MS_MAX || !uuid_valid(c->id) ||
        strspn(c->id, "0123456789abcdef-") != UUID_STR_LEN - 1)
        return OF_EPERMANENT;
    int n = snprintf(text, sizeof text, "%" PRId64 ":%s", c->ms, c->id);
    if (n < 0 || (size_t)n >= sizeof text)
        return OF_EPERMANENT;
    codec_b64url_encode(text, (size_t)n, ret);
    return OF_OK;
}

int page_cursor_decode(const char *s, struct page_cursor *ret)
{
    unsigned char text[TEXT_MAX];
    char again[PAGE_CURSOR_SIZE];
    struct page_cursor c;
    if (!s || strlen(s) >= PAGE_CURSOR_SIZE)
        return OF_EPERMANENT;
    long n = codec_b64url_decode(s, strlen(s), text, sizeof text - 1);
    if (n <= 0 || memchr(text, '\0', (size_t)n))
        return OF_EPERMANENT;
    text[n] = '\0';
    const char *colon = strchr((const char *)text, ':');
    size_t digits = strspn((const char *)text, "0123456789");
    if (!colon || digits == 0 || digits > 15 || (const char *)text + digits != colon ||
        !uuid_valid(colon + 1))
        return OF_EPERMANENT;
    c.ms = strtoll((const char *)text, NULL, 10);
    memcpy(c.id, colon + 1, UUID_STR_LEN);
    /* Only the one canonical spelling is a cursor (no leading zeros, lowercase id). */
    if (page_cursor_encode(&c, again) != OF_OK || strcmp(again, s) != 0)
        return OF_EPERMANENT;
    *ret = c;
    return OF_OK;
}

json_t *page_cursor_json(const char *name, json_t *items, const struct page_cursor *next)
{
    json_t *cursor = json_null();
    if (next) {
        char text[PAGE_CURSOR_SIZE];
        json_decref(cursor);
        cursor = page_cursor_encode(next, text) == OF_OK ? json_string(text) : NULL;
    }
    if (!items || !cursor) {
        json_decref(items);
        json_decref(cursor);
        return NULL;
    }
    return json_pack("{s:o, s:o}", name, items, "next_cursor", cursor);
}
