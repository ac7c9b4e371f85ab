/* Runs every group of the inventory-svc unit tests and fails if any group failed. */
#include "inventory_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_bodies_tests();
    failed += run_events_tests();
    failed += run_reserve_tests();
    failed += run_transitions_tests();
    failed += run_json_tests();
    return failed == 0 ? 0 : 1;
}
