/* Runs every group of the db unit tests and fails if any group failed. */
#include "common/log.h"
#include "db_tests.h"

int main(void)
{
    int failed = 0;
    log_init("db-test", LOG_INFO);
    failed += run_pool_tests();
    failed += run_error_tests();
    failed += run_boundary_tests();
    failed += run_params_tests();
    return failed == 0 ? 0 : 1;
}
