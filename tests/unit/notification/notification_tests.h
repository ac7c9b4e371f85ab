/* The groups of the notification unit-test executable; each returns cmocka's failure count. */
#ifndef NOTIFICATION_TESTS_H
#define NOTIFICATION_TESTS_H

int run_templates_tests(void);
int run_sign_tests(void);
int run_rules_tests(void);

#endif
