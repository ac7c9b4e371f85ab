/* Runs every group of the notification-svc unit tests and fails if any group failed. */
#include "notification_tests.h"

int main(void)
{
    int failed = 0;
    failed += run_templates_tests();
    failed += run_sign_tests();
    failed += run_rules_tests();
    return failed == 0 ? 0 : 1;
}
