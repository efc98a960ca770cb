/* Shared by the check unit tests: run one suite, exit status for meson. */
#pragma once
#include <check.h>
#include <stdlib.h>

static inline int unit_run(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
