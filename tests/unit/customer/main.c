/* Runs every group of the customer-svc unit tests and fails if any group failed. */
#include "customer_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_rules_tests();
    failed += run_otp_tests();
    failed += run_redact_tests();
    failed += run_json_tests();
    failed += run_feed_tests();
    failed += run_outlet_event_tests();
    return failed == 0 ? 0 : 1;
}
