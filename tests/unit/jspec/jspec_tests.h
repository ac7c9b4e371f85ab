/* Shared fixture of the jspec unit tests: a sample struct with one field of every type, its
 * strict and lenient specs, and small helpers. */
#ifndef JSPEC_TESTS_H
#define JSPEC_TESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/jspec.h"
#include "common/uuid.h"

#define SAMPLE_NAME_MAX 10
#define SAMPLE_CODE_MAX 8
#define SAMPLE_NOTE_MAX 5

/* What the sample specs fill: one field of every type. */
struct sample {
    char name[4 * SAMPLE_NAME_MAX + 1]; /* text, required */
    char code[SAMPLE_CODE_MAX + 1];     /* ASCII, checker: A-Z and 0-9, not empty */
    char id[UUID_STR_LEN];
    int64_t qty; /* [1, 100] */
    int level;   /* [-5, 5] */
    double lat;  /* [-90, 90] */
    bool open;
    const json_t *items;                /* array of 1 to 3 */
    const json_t *meta;                 /* object */
    const json_t *extra;                /* anything but null */
    char note[4 * SAMPLE_NOTE_MAX + 1]; /* text, nullable, with presence and null flags */
    bool set_note, note_null;
    unsigned role; /* custom: "customer" 1, "business" 2, "partner" 4 */
};

/* Everything optional but name; status, price and owner are read-only in the table,
 * created_at and version through the spec's read_only list. */
extern const struct jspec sample_strict, sample_lenient;
/* How many times the code checker ran since the last reset. */
extern unsigned code_checks;

/* The whole file (caller frees; not NUL-terminated beyond *ret_len, but one NUL is added) or
 * NULL if it does not exist. */
char *slurp(const char *path, size_t *ret_len);
/* Parses text (JSON; ' stands for ") with jspec_load, failing the test if it does not load. */
json_t *load(const char *text);
/* A struct sample filled with byte 0x5a. */
void sentinel(struct sample *s);

int run_data_tests(void);
int run_api_tests(void);

#endif
