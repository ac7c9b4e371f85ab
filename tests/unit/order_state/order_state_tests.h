/* The groups of the order_state unit-test executable; each returns cmocka's failure count. */
#ifndef ORDER_STATE_TESTS_H
#define ORDER_STATE_TESTS_H

int run_table_tests(void);
int run_sequence_tests(void);
int run_saga_tests(void);

#endif
