/* The groups of the customer unit-test executable; each returns cmocka's failure count. */
#ifndef CUSTOMER_TESTS_H
#define CUSTOMER_TESTS_H

int run_rules_tests(void);
int run_otp_tests(void);
int run_redact_tests(void);
int run_json_tests(void);
int run_feed_tests(void);
int run_outlet_event_tests(void);

/* Marks a test of a known bug (its comment says /+ BUG: ... +/ and what the fix is): cmocka
 * skips it so the suite stays green, unless CUSTOMER_TESTS_KNOWN_BUGS is set in the environment,
 * which runs it to show it failing. Needs <stdlib.h> and <cmocka.h>. */
#define SKIP_KNOWN_BUG()                                                                           \
    do {                                                                                           \
        if (!getenv("CUSTOMER_TESTS_KNOWN_BUGS"))                                                  \
            skip();                                                                                \
    } while (0)

#endif
