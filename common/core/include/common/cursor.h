/* Keyset-paging cursors: the opaque next_cursor of a listing ordered by (a time in Unix
 * milliseconds, a UUID), written as unpadded base64url of "<ms>:<uuid>". Pure. */
#ifndef COMMON_CURSOR_H
#define COMMON_CURSOR_H

#include <stdint.h>

#include <jansson.h>

#include "common/uuid.h"

#define PAGE_CURSOR_SIZE   96                       /* longest encoded cursor, NUL included */
#define PAGE_CURSOR_MS_MAX INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

/* Where a page ends: the last row's time and id. */
struct page_cursor {
    int64_t ms;
    char id[UUID_STR_LEN];
};

/* Writes the cursor of c into ret. Returns 0, or OF_EPERMANENT (ret untouched) when ms is outside
 * [0, PAGE_CURSOR_MS_MAX] or id is not a lowercase UUID (as Postgres writes one). */
int page_cursor_encode(const struct page_cursor *c, char ret[PAGE_CURSOR_SIZE])
    __attribute__((warn_unused_result));
/* Reads a cursor made by page_cursor_encode: only its exact, canonical encoding is accepted.
 * Returns 0, or OF_EPERMANENT with *ret untouched. */
int page_cursor_decode(const char *s, struct page_cursor *ret) __attribute__((warn_unused_result));

/* A listing's page as {<name>: items, next_cursor}: next_cursor is the encoding of *next (the
 * last row of this page, when there is a page after it) or null when next is NULL. items is
 * stolen; NULL (a serialiser that failed) or a cursor that cannot be encoded gives NULL. */
json_t *page_cursor_json(const char *name, json_t *items, const struct page_cursor *next);

#endif
