/* The groups of the inventory unit-test executable; each returns cmocka's failure count. */
#ifndef INVENTORY_TESTS_H
#define INVENTORY_TESTS_H

#include <jansson.h>

int run_bodies_tests(void);
int run_events_tests(void);
int run_reserve_tests(void);
int run_transitions_tests(void);
int run_json_tests(void);

/* Parses test JSON written with ' for " (any value at top level); fails the test when it does
 * not parse. The caller owns the result. */
json_t *inventory_test_load(const char *text);
/* Reads a whole file into a new NUL-terminated string; fails the test when it cannot. */
char *inventory_test_read_file(const char *path);

#endif
