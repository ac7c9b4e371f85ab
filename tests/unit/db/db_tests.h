/* The groups of the db unit-test executable; each returns cmocka's failure count. */
#ifndef DB_TESTS_H
#define DB_TESTS_H

int run_pool_tests(void);
int run_error_tests(void);
int run_boundary_tests(void);
int run_params_tests(void);

#endif
