/* The groups of the business unit-test executable; each returns cmocka's failure count. */
#ifndef BUSINESS_TESTS_H
#define BUSINESS_TESTS_H

#include <jansson.h>

int run_state_tests(void);
int run_rules_tests(void);
int run_events_tests(void);
int run_json_tests(void);

/* Parses test JSON written with ' for " (any value at top level); fails the test when it does
 * not parse. The caller owns the result. */
json_t *business_test_load(const char *text);
/* The wire name of an API error code. */
const char *business_test_code(int code);

#endif
