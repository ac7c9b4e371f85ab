/* Runs every group of the order state machine's unit tests and fails if any group failed. */
#include "order_state_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_table_tests();
    failed += run_sequence_tests();
    failed += run_saga_tests();
    return failed == 0 ? 0 : 1;
}
