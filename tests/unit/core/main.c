/* Runs every group of the core unit tests and fails if any group failed. */
#include "core_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_apierror_tests();
    failed += run_backoff_tests();
    failed += run_codec_tests();
    failed += run_sqlstate_tests();
    failed += run_topics_tests();
    failed += run_uuid_tests();
    failed += run_timefmt_tests();
    failed += run_cursor_tests();
    failed += run_ticker_tests();
    failed += run_jspec_reason_tests();
    return failed == 0 ? 0 : 1;
}
