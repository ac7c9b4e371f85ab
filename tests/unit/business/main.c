/* Runs every group of the business-svc unit tests and fails if any group failed. */
#include "business_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_state_tests();
    failed += run_rules_tests();
    failed += run_events_tests();
    failed += run_json_tests();
    return failed == 0 ? 0 : 1;
}
