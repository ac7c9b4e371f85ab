/* The groups of the core unit-test executable; each returns cmocka's failure count. */
#ifndef CORE_TESTS_H
#define CORE_TESTS_H

int run_apierror_tests(void);
int run_backoff_tests(void);
int run_codec_tests(void);
int run_sqlstate_tests(void);
int run_topics_tests(void);
int run_uuid_tests(void);
int run_timefmt_tests(void);
int run_cursor_tests(void);
int run_ticker_tests(void);
int run_jspec_reason_tests(void);

#endif
