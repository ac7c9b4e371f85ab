/* The groups of the customer unit-test executable; each returns cmocka's failure count. */
#ifndef CUSTOMER_TESTS_H
#define CUSTOMER_TESTS_H

int run_rules_tests(void);
int run_otp_tests(void);
int run_redact_tests(void);
int run_json_tests(void);
int run_feed_tests(void);
int run_outlet_event_tests(void);

#include <jansson.h>

/* Parses test JSON written with ' for " (NUL characters allowed, any value at top level); fails
 * the test when it does not parse. The caller owns the result. */
json_t *customer_test_load(const char *text);

#endif
