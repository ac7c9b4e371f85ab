/* Tests of the request-body rules (inventory_rules_item_new, _item_patch, _adjust_request,
 * _id_list) and the list query, from one table of cases each: the accepted bodies and what they
 * give, and every refusal with its code and field; on failure the output is untouched and the
 * message names the field without echoing the value. */
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
#include "common/jspec.h"
#include "inventory.h"
#include "inventory_rules.h"
#include "inventory_tests.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define UUID_A "0190a5d2-8c3b-7def-8123-456789abcdef"
#define UUID_B "0190a5d2-8c3b-7def-8123-000000000001"

/* One rules function under test, with its output as a blob so that "untouched" can be told. */
struct parser {
    const char *name;
    size_t out_size;
    int (*parse)(const json_t *body, void *out, struct jspec_error *err);
};

static int p_item_new(const json_t *b, void *out, struct jspec_error *err)
{
    return inventory_rules_item_new(b, out, err);
}
static int p_item_patch(const json_t *b, void *out, struct jspec_error *err)
{
    return inventory_rules_item_patch(b, out, err);
}
static int p_adjust(const json_t *b, void *out, struct jspec_error *err)
{
    return inventory_rules_adjust_request(b, out, err);
}
static int p_ids(const json_t *b, void *out, struct jspec_error *err)
{
    return inventory_rules_id_list(b, out, err);
}

static const struct parser ITEM_NEW = {"item_new", sizeof(struct inventory_item_new), p_item_new};
static const struct parser PATCH = {"item_patch", sizeof(struct inventory_item_patch),
                                    p_item_patch};
static const struct parser ADJUST = {"adjust", sizeof(struct inventory_adjust_request), p_adjust};
static const struct parser IDS = {"ids", sizeof(struct inventory_id_list), p_ids};

struct body_case {
    const struct parser *p;
    const char *body;  /* test JSON, ' for " */
    const char *field; /* NULL: accepted */
    enum api_error code;
};

#define GOOD_ITEM "'sku':'PIZ-1','name':'Margherita','price_minor':29900,'currency':'INR'"

static const struct body_case cases[] = {
    {&ITEM_NEW, "{" GOOD_ITEM "}", NULL, 0},
    {&ITEM_NEW, "{" GOOD_ITEM ",'stock':0,'active':false}", NULL, 0},
    {&ITEM_NEW, "{" GOOD_ITEM ",'stock':1000000000}", NULL, 0},
    {&ITEM_NEW, "{'sku':'a.b_c-D9','name':'x','price_minor':0,'currency':'EUR'}", NULL, 0},
    {&ITEM_NEW, "{'name':'x','price_minor':1,'currency':'INR'}", "sku", API_MISSING_FIELD},
    {&ITEM_NEW, "{'sku':'PIZ 1','name':'x','price_minor':1,'currency':'INR'}", "sku",
     API_INVALID_VALUE},
    {&ITEM_NEW, "{'sku':'','name':'x','price_minor':1,'currency':'INR'}", "sku", API_INVALID_VALUE},
    {&ITEM_NEW, "{'sku':'caf\\u00e9','name':'x','price_minor':1,'currency':'INR'}", "sku",
     API_INVALID_VALUE},
    {&ITEM_NEW, "{'sku':1,'name':'x','price_minor':1,'currency':'INR'}", "sku", API_INVALID_TYPE},
    {&ITEM_NEW, "{'sku':'P','name':'   ','price_minor':1,'currency':'INR'}", "name",
     API_INVALID_VALUE},
    {&ITEM_NEW, "{'sku':'P','name':'a\\u0007','price_minor':1,'currency':'INR'}", "name",
     API_INVALID_VALUE},
    {&ITEM_NEW, "{'sku':'P','price_minor':1,'currency':'INR'}", "name", API_MISSING_FIELD},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':-1,'currency':'INR'}", "price_minor",
     API_OUT_OF_RANGE},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':100000000001,'currency':'INR'}", "price_minor",
     API_OUT_OF_RANGE},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':'100','currency':'INR'}", "price_minor",
     API_INVALID_TYPE},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':1.5,'currency':'INR'}", "price_minor",
     API_INVALID_TYPE},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':1,'currency':'inr'}", "currency",
     API_INVALID_VALUE},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':1,'currency':'IN'}", "currency",
     API_INVALID_VALUE},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':1,'currency':'INRR'}", "currency",
     API_TOO_LONG},
    {&ITEM_NEW, "{'sku':'P','name':'x','price_minor':1}", "currency", API_MISSING_FIELD},
    {&ITEM_NEW, "{" GOOD_ITEM ",'stock':-1}", "stock", API_OUT_OF_RANGE},
    {&ITEM_NEW, "{" GOOD_ITEM ",'stock':1000000001}", "stock", API_OUT_OF_RANGE},
    {&ITEM_NEW, "{" GOOD_ITEM ",'stock':null}", "stock", API_INVALID_TYPE},
    {&ITEM_NEW, "{" GOOD_ITEM ",'active':'yes'}", "active", API_INVALID_TYPE},
    {&ITEM_NEW, "{" GOOD_ITEM ",'available':3}", "available", API_READ_ONLY_FIELD},
    {&ITEM_NEW, "{" GOOD_ITEM ",'on_hand':3}", "on_hand", API_READ_ONLY_FIELD},
    {&ITEM_NEW, "{" GOOD_ITEM ",'reserved':0}", "reserved", API_READ_ONLY_FIELD},
    {&ITEM_NEW, "{'id':'" UUID_A "'," GOOD_ITEM "}", "id", API_READ_ONLY_FIELD},
    {&ITEM_NEW, "{" GOOD_ITEM ",'outlet_id':'" UUID_A "'}", "outlet_id", API_READ_ONLY_FIELD},
    {&ITEM_NEW, "{" GOOD_ITEM ",'colour':'red'}", "colour", API_UNKNOWN_FIELD},
    {&ITEM_NEW, "[]", "", API_BODY_NOT_OBJECT},

    {&PATCH, "{}", NULL, 0},
    {&PATCH, "{'name':'Quattro stagioni','price_minor':0,'active':false}", NULL, 0},
    {&PATCH, "{'name':null}", "name", API_INVALID_TYPE},
    {&PATCH, "{'name':''}", "name", API_INVALID_VALUE},
    {&PATCH, "{'price_minor':-5}", "price_minor", API_OUT_OF_RANGE},
    {&PATCH, "{'active':1}", "active", API_INVALID_TYPE},
    {&PATCH, "{'sku':'X'}", "sku", API_READ_ONLY_FIELD},
    {&PATCH, "{'currency':'USD'}", "currency", API_READ_ONLY_FIELD},
    {&PATCH, "{'stock':10}", "stock", API_READ_ONLY_FIELD},
    {&PATCH, "{'sold':10}", "sold", API_READ_ONLY_FIELD},
    {&PATCH, "{'description':'x'}", "description", API_UNKNOWN_FIELD},

    {&ADJUST, "{'delta':5,'reason':'delivery from the wholesaler'}", NULL, 0},
    {&ADJUST, "{'delta':-1000000000,'reason':'write-off'}", NULL, 0},
    {&ADJUST, "{'delta':0,'reason':'nothing'}", "delta", API_INVALID_VALUE},
    {&ADJUST, "{'delta':-1000000001,'reason':'x'}", "delta", API_OUT_OF_RANGE},
    {&ADJUST, "{'delta':1000000001,'reason':'x'}", "delta", API_OUT_OF_RANGE},
    {&ADJUST, "{'delta':'5','reason':'x'}", "delta", API_INVALID_TYPE},
    {&ADJUST, "{'delta':2.0,'reason':'x'}", "delta", API_INVALID_TYPE},
    {&ADJUST, "{'reason':'x'}", "delta", API_MISSING_FIELD},
    {&ADJUST, "{'delta':1}", "reason", API_MISSING_FIELD},
    {&ADJUST, "{'delta':1,'reason':''}", "reason", API_INVALID_VALUE},
    {&ADJUST, "{'delta':1,'reason':'x','actor_id':'" UUID_A "'}", "actor_id", API_READ_ONLY_FIELD},
    {&ADJUST, "{'delta':1,'reason':'x','when':'now'}", "when", API_UNKNOWN_FIELD},

    {&IDS, "{'ids':['" UUID_A "']}", NULL, 0},
    {&IDS, "{'ids':['" UUID_A "','" UUID_B "']}", NULL, 0},
    {&IDS, "{'ids':[]}", "ids", API_INVALID_VALUE},
    {&IDS, "{'ids':['not-a-uuid']}", "ids", API_INVALID_VALUE},
    {&IDS, "{'ids':['0190A5D2-8C3B-7DEF-8123-456789ABCDEF']}", "ids", API_INVALID_VALUE},
    {&IDS, "{'ids':['" UUID_A "','" UUID_B "','" UUID_A "']}", "ids", API_INVALID_VALUE},
    {&IDS, "{'ids':[1]}", "ids", API_INVALID_TYPE},
    {&IDS, "{'ids':'" UUID_A "'}", "ids", API_INVALID_TYPE},
    {&IDS, "{'ids':null}", "ids", API_INVALID_TYPE},
    {&IDS, "{}", "ids", API_MISSING_FIELD},
    {&IDS, "{'ids':['" UUID_A "'],'more':1}", "more", API_UNKNOWN_FIELD},
};

/* Does text echo the value of any member of body (when long enough to tell)? */
static bool echoes(const char *text, const json_t *body)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        const char *s = json_string_value(v);
        if (s && strlen(s) >= 4 && strstr(text, s))
            return true;
    }
    return false;
}

static void body_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const struct body_case *c = &cases[i];
        json_t *body = inventory_test_load(c->body);
        unsigned char *out = malloc(c->p->out_size), *sentinel = malloc(c->p->out_size);
        struct jspec_error err;
        memset(sentinel, 0x5a, c->p->out_size);
        memcpy(out, sentinel, c->p->out_size);
        int rc = c->p->parse(body, out, &err);
        if (!c->field && rc != OF_OK)
            fail_msg("%s %s: refused: %s (%s)", c->p->name, c->body, err.message, err.field);
        if (c->field) {
            if (rc != OF_EPERMANENT)
                fail_msg("%s %s: accepted", c->p->name, c->body);
            if (strcmp(err.field, c->field) != 0 || err.code != c->code)
                fail_msg("%s %s: got field '%s' code %d (%s), want '%s' code %d", c->p->name,
                         c->body, err.field, (int)err.code, err.message, c->field, (int)c->code);
            if (memcmp(out, sentinel, c->p->out_size) != 0)
                fail_msg("%s %s: output written on failure", c->p->name, c->body);
            if (strncmp(err.message, c->field[0] ? c->field : "body",
                        strlen(c->field[0] ? c->field : "body")) != 0)
                fail_msg("%s %s: message '%s' does not start with the field", c->p->name, c->body,
                         err.message);
            if (echoes(err.message, body))
                fail_msg("%s %s: message '%s' echoes a value", c->p->name, c->body, err.message);
        }
        free(out);
        free(sentinel);
        json_decref(body);
    }
}

static void item_new_values(void **state)
{
    (void)state;
    struct inventory_item_new in;
    struct jspec_error err;
    json_t *body = inventory_test_load("{" GOOD_ITEM ",'stock':7}");
    assert_int_equal(inventory_rules_item_new(body, &in, &err), OF_OK);
    assert_string_equal(in.sku, "PIZ-1");
    assert_string_equal(in.name, "Margherita");
    assert_int_equal(in.price_minor, 29900);
    assert_string_equal(in.currency, "INR");
    assert_int_equal(in.stock, 7);
    assert_true(in.active);
    json_decref(body);
    body = inventory_test_load("{" GOOD_ITEM ",'active':false}");
    assert_int_equal(inventory_rules_item_new(body, &in, &err), OF_OK);
    assert_int_equal(in.stock, 0); /* the default */
    assert_false(in.active);
    json_decref(body);
}

static void patch_values(void **state)
{
    (void)state;
    struct inventory_item_patch p;
    struct jspec_error err;
    json_t *body = inventory_test_load("{'price_minor':0}");
    assert_int_equal(inventory_rules_item_patch(body, &p, &err), OF_OK);
    assert_true(p.set_price);
    assert_int_equal(p.price_minor, 0);
    assert_false(p.set_name);
    assert_false(p.set_active);
    json_decref(body);
    body = inventory_test_load("{'name':'New','active':false}");
    assert_int_equal(inventory_rules_item_patch(body, &p, &err), OF_OK);
    assert_true(p.set_name && p.set_active && !p.set_price);
    assert_string_equal(p.name, "New");
    assert_false(p.active);
    json_decref(body);
}

static void ids_values_and_limit(void **state)
{
    (void)state;
    struct inventory_id_list *ids = calloc(1, sizeof *ids);
    struct jspec_error err;
    json_t *body = inventory_test_load("{'ids':['" UUID_B "','" UUID_A "']}");
    assert_int_equal(inventory_rules_id_list(body, ids, &err), OF_OK);
    assert_int_equal(ids->n, 2);
    assert_string_equal(ids->ids[0], UUID_B); /* the request's order */
    assert_string_equal(ids->ids[1], UUID_A);
    json_decref(body);
    /* INVENTORY_IDS_MAX distinct ids pass, one more is too long. */
    json_t *arr = json_array();
    for (int i = 0; i < INVENTORY_IDS_MAX; i++) {
        char id[UUID_STR_LEN];
        snprintf(id, sizeof id, "0190a5d2-8c3b-7def-8123-%012d", i);
        json_array_append_new(arr, json_string(id));
    }
    body = json_pack("{s:O}", "ids", arr);
    assert_int_equal(inventory_rules_id_list(body, ids, &err), OF_OK);
    assert_int_equal(ids->n, INVENTORY_IDS_MAX);
    json_decref(body);
    json_array_append_new(arr, json_string("0190a5d2-8c3b-7def-8123-999999999999"));
    body = json_pack("{s:o}", "ids", arr);
    assert_int_equal(inventory_rules_id_list(body, ids, &err), OF_EPERMANENT);
    assert_string_equal(err.field, "ids");
    assert_int_equal(err.code, API_TOO_LONG);
    json_decref(body);
    free(ids);
}

static void list_query(void **state)
{
    (void)state;
    static const struct {
        const char *limit, *cursor;
        const char *field; /* NULL: accepted */
        enum api_error code;
        int want_limit;
    } q[] = {
        {NULL, NULL, NULL, 0, INVENTORY_LIST_LIMIT_DEFAULT},
        {"1", NULL, NULL, 0, 1},
        {"100", UUID_A, NULL, 0, 100},
        {"0", NULL, "limit", API_OUT_OF_RANGE, 0},
        {"101", NULL, "limit", API_OUT_OF_RANGE, 0},
        {"99999999999999999999", NULL, "limit", API_OUT_OF_RANGE, 0},
        {"", NULL, "limit", API_INVALID_VALUE, 0},
        {"abc", NULL, "limit", API_INVALID_VALUE, 0},
        {"-1", NULL, "limit", API_INVALID_VALUE, 0},
        {"1.5", NULL, "limit", API_INVALID_VALUE, 0},
        {NULL, "garbage", "cursor", API_INVALID_VALUE, 0},
        {NULL, "0190A5D2-8C3B-7DEF-8123-456789ABCDEF", "cursor", API_INVALID_VALUE, 0},
    };
    for (size_t i = 0; i < N(q); i++) {
        struct inventory_list_query out = {.limit = -7}, was = out;
        struct jspec_error err;
        int rc = inventory_rules_list_query(q[i].limit, q[i].cursor, &out, &err);
        if (!q[i].field) {
            assert_int_equal(rc, OF_OK);
            assert_int_equal(out.limit, q[i].want_limit);
            assert_int_equal(out.has_cursor, q[i].cursor != NULL);
            if (q[i].cursor)
                assert_string_equal(out.cursor, q[i].cursor);
        } else {
            assert_int_equal(rc, OF_EPERMANENT);
            assert_string_equal(err.field, q[i].field);
            assert_int_equal(err.code, q[i].code);
            assert_memory_equal(&out, &was, sizeof out);
        }
    }
}

int run_bodies_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_cases),   cmocka_unit_test(item_new_values),
        cmocka_unit_test(patch_values), cmocka_unit_test(ids_values_and_limit),
        cmocka_unit_test(list_query),
    };
    return cmocka_run_group_tests_name("bodies", tests, NULL, NULL);
}
