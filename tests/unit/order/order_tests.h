/* The groups of the order unit-test executable; each returns cmocka's failure count. */
#ifndef ORDER_TESTS_H
#define ORDER_TESTS_H

#include <jansson.h>

int run_rules_tests(void);
int run_events_tests(void);
int run_json_tests(void);

/* Parses test JSON written with ' for " (any value at top level); fails the test when it does
 * not parse. The caller owns the result. */
json_t *order_test_load(const char *text);
/* The wire name of an API error code. */
const char *order_test_code(int code);
/* Fails the test unless got (stolen, may be NULL) equals want (stolen), printing both. */
void order_test_json_equal(const char *what, json_t *got, json_t *want);

#endif
