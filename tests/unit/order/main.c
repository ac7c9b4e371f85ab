/* Runs every group of the order-svc unit tests and fails if any group failed. */
#include "order_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_rules_tests();
    failed += run_events_tests();
    failed += run_json_tests();
    return failed == 0 ? 0 : 1;
}
