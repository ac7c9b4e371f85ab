/* Runs every group of the jspec unit tests and fails if any group failed. */
#include "jspec_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_data_tests();
    failed += run_api_tests();
    return failed == 0 ? 0 : 1;
}
