/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forced into the tree's iommufd selftests (gcc -include) by
 * scripts/guest-progs.sh: raises the kselftest harness's per-test timeout
 * from 30 s to KSELFTEST_TIMEOUT seconds. Under TCG on the debug kernel
 * (KASAN, lockdep, kmemleak, DMA API debug) a fail_nth case such as
 * basic_fail_nth.map_two_domains needs more than 30 s; the whole program
 * stays bounded by the timeout of its line in tests/guest/list.
 */
#include <kselftest_harness.h>
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT KSELFTEST_TIMEOUT
