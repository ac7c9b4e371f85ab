/* Runs every group of the auth unit tests and fails if any group failed. */
#include "auth_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_basic_tests();
    failed += run_attack_tests();
    return failed == 0 ? 0 : 1;
}
