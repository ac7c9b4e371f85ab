/* Tests of the reservation decision (inventory_rules_reserve) from the cases in data/reserve/:
 * each file gives the outlet (or null: unknown), the outlet's items with their stock, the
 * requested lines, and the expected outcome (the order's reason; the priced lines, total and
 * currency when every line can be reserved, else each failing line with its reason, requested
 * and available). Each case is also run with the items in reverse order (the store's order must
 * not matter). Then the refusals of malformed requests. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/errors.h"
#include "inventory.h"
#include "inventory_rules.h"
#include "inventory_tests.h"

#define DATA_DIR "data/reserve"

static void copy(char *dst, size_t len, const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        fail_msg("data: %s is not a string", key);
    snprintf(dst, len, "%s", s);
}

static int64_t num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        fail_msg("data: %s is not an integer", key);
    return (int64_t)json_integer_value(v);
}

static struct inventory_item item_of(const json_t *j)
{
    struct inventory_item it = {
        .price_minor = num(j, "price_minor"),
        .active = json_is_true(json_object_get(j, "active")),
        .stock = {num(j, "on_hand"), num(j, "reserved"), num(j, "confirmed"), 0}};
    copy(it.id, sizeof it.id, j, "id");
    snprintf(it.outlet_id, sizeof it.outlet_id, "outlet");
    copy(it.sku, sizeof it.sku, j, "sku");
    copy(it.name, sizeof it.name, j, "name");
    copy(it.currency, sizeof it.currency, j, "currency");
    return it;
}

static enum inventory_reason reason_of(const char *name)
{
    for (int r = 1; r < INVENTORY_REASON_COUNT; r++)
        if (strcmp(name, inventory_rules_reason_name((enum inventory_reason)r)) == 0)
            return (enum inventory_reason)r;
    if (strcmp(name, "OK") != 0)
        fail_msg("data: no reason %s", name);
    return INVENTORY_OK;
}

/* The wire name of r, "OK" for INVENTORY_OK. */
static const char *name_of(enum inventory_reason r)
{
    return r == INVENTORY_OK ? "OK" : inventory_rules_reason_name(r);
}

static void expect_priced(const char *file, const struct inventory_decision *d, const json_t *want)
{
    const json_t *lines = json_object_get(want, "lines");
    char currency[INVENTORY_CURRENCY_SIZE];
    copy(currency, sizeof currency, want, "currency");
    assert_string_equal(d->currency, currency);
    if (d->total_minor != num(want, "total_minor"))
        fail_msg("%s: total %lld", file, (long long)d->total_minor);
    if (d->n_lines != json_array_size(lines) || d->failed || d->n_failed)
        fail_msg("%s: %zu priced lines, %zu failed", file, d->n_lines, d->n_failed);
    for (size_t i = 0; i < d->n_lines; i++) {
        const json_t *l = json_array_get(lines, i);
        const struct inventory_priced_line *p = &d->lines[i];
        char id[UUID_STR_LEN], sku[INVENTORY_SKU_MAX + 1], name[64];
        copy(id, sizeof id, l, "item_id");
        copy(sku, sizeof sku, l, "sku");
        copy(name, sizeof name, l, "name");
        if (strcmp(p->item_id, id) || strcmp(p->sku, sku) || strcmp(p->name, name) ||
            p->qty != num(l, "qty") || p->unit_price_minor != num(l, "unit_price_minor") ||
            p->line_total_minor != num(l, "line_total_minor"))
            fail_msg("%s: line %zu is %s %s %s x%lld at %lld = %lld", file, i, p->item_id, p->sku,
                     p->name, (long long)p->qty, (long long)p->unit_price_minor,
                     (long long)p->line_total_minor);
    }
}

static void expect_failed(const char *file, const struct inventory_decision *d, const json_t *want)
{
    const json_t *failed = json_object_get(want, "failed");
    if (d->lines || d->n_lines)
        fail_msg("%s: refused, yet %zu lines priced", file, d->n_lines);
    if (d->n_failed != json_array_size(failed))
        fail_msg("%s: %zu failing lines, want %zu", file, d->n_failed, json_array_size(failed));
    for (size_t i = 0; i < d->n_failed; i++) {
        const json_t *f = json_array_get(failed, i);
        const struct inventory_failed_line *g = &d->failed[i];
        char id[UUID_STR_LEN];
        copy(id, sizeof id, f, "item_id");
        if (strcmp(g->item_id, id) ||
            g->reason != reason_of(json_string_value(json_object_get(f, "reason"))) ||
            g->requested != num(f, "requested") || g->available != num(f, "available"))
            fail_msg("%s: failed line %zu is %s %s requested %lld available %lld", file, i,
                     g->item_id, name_of(g->reason), (long long)g->requested,
                     (long long)g->available);
    }
}

/* Runs one case with its items in the given order (reverse: last first). */
static void run_case(const char *file, const json_t *c, bool reverse)
{
    const json_t *jitems = json_object_get(c, "items"), *jlines = json_object_get(c, "lines");
    const json_t *jout = json_object_get(c, "outlet"), *want = json_object_get(c, "expect");
    size_t n_items = json_array_size(jitems), n = json_array_size(jlines);
    struct inventory_item *items = calloc(n_items ? n_items : 1, sizeof *items);
    struct inventory_line *lines = calloc(n ? n : 1, sizeof *lines);
    struct outlet_ref outlet = {.id = "outlet"};
    for (size_t i = 0; i < n_items; i++)
        items[reverse ? n_items - 1 - i : i] = item_of(json_array_get(jitems, i));
    for (size_t i = 0; i < n; i++) {
        copy(lines[i].item_id, sizeof lines[i].item_id, json_array_get(jlines, i), "item_id");
        lines[i].qty = num(json_array_get(jlines, i), "qty");
    }
    outlet.is_open = json_is_true(json_object_get(jout, "is_open"));
    struct inventory_decision d;
    memset(&d, 0x5a, sizeof d);
    if (inventory_rules_reserve(json_is_null(jout) ? NULL : &outlet, lines, n, items, n_items,
                                &d) != OF_OK)
        fail_msg("%s: no decision", file);
    enum inventory_reason r = reason_of(json_string_value(json_object_get(want, "reason")));
    if (d.reason != r)
        fail_msg("%s: reason %s, want %s", file, name_of(d.reason), name_of(r));
    if (r == INVENTORY_OK)
        expect_priced(file, &d, want);
    else
        expect_failed(file, &d, want);
    inventory_decision_clear(&d);
    assert_null(d.lines);
    assert_null(d.failed);
    free(items);
    free(lines);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void data_cases(void **state)
{
    (void)state;
    DIR *dir = opendir(DATA_DIR);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    assert_non_null(dir);
    while ((e = readdir(dir)) && n < 256)
        if (strstr(e->d_name, ".json"))
            names[n++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, n, sizeof names[0], name_cmp);
    if (n < 10)
        fail_msg("only %zu cases in %s", n, DATA_DIR);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", DATA_DIR, names[i]);
        char *text = inventory_test_read_file(path);
        json_error_t jerr;
        json_t *c = json_loads(text, 0, &jerr);
        if (!c)
            fail_msg("%s: %s", path, jerr.text);
        run_case(names[i], c, false);
        run_case(names[i], c, true);
        json_decref(c);
        free(text);
        free(names[i]);
    }
}

static void malformed_requests(void **state)
{
    (void)state;
    struct inventory_item it = {.id = "a",
                                .sku = "A",
                                .name = "A",
                                .currency = "INR",
                                .active = true,
                                .stock = {10, 0, 0, 0}};
    struct outlet_ref o = {.is_open = true};
    struct inventory_line lines[INVENTORY_LINES_MAX + 1] = {{"a", 1}};
    struct inventory_decision d;
    memset(&d, 0x5a, sizeof d);
    assert_int_equal(inventory_rules_reserve(&o, lines, 0, &it, 1, &d), OF_EPERMANENT);
    assert_null(d.lines); /* zeroed */
    assert_null(d.failed);
    lines[0].qty = 0;
    assert_int_equal(inventory_rules_reserve(&o, lines, 1, &it, 1, &d), OF_EPERMANENT);
    lines[0].qty = INVENTORY_QTY_MAX + 1;
    assert_int_equal(inventory_rules_reserve(&o, lines, 1, &it, 1, &d), OF_EPERMANENT);
    lines[0].qty = 1;
    assert_int_equal(inventory_rules_reserve(&o, lines, INVENTORY_LINES_MAX + 1, &it, 1, &d),
                     OF_EPERMANENT);
    assert_int_equal(inventory_rules_reserve(&o, lines, 1, &it, 1, &d), OF_OK);
    assert_int_equal(d.reason, INVENTORY_OK);
    inventory_decision_clear(&d);
    inventory_decision_clear(&d); /* twice is fine */
}

int run_reserve_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_cases),
        cmocka_unit_test(malformed_requests),
    };
    return cmocka_run_group_tests_name("reserve", tests, NULL, NULL);
}
