// SPDX-License-Identifier: GPL-2.0
/*
 * The module loader's side of EXPORT_SYMBOL_GPL_FOR_MODULES(): the PAL
 * importer symbols (dma_buf_pal_map_phys() ...) are exported only to the
 * modules "iommufd,dma-buf-mapping-test", and the loader must refuse any
 * other module using them, even one built against a symbol dump that let it
 * through modpost, or renamed after the build.
 *
 * scripts/guest-progs.sh builds tests/guest/module against the booted
 * kernel as dma-buf-mapping-test (a listed name the guest kernel does not
 * use itself) and puts into /tests:
 *   module_ns_allowed.ko          the module as built: must load
 *   module_ns_outsider.ko         the same, renamed dma_buf_mapping_tesu
 *   module_ns_outsider_import.ko  built importing the namespace
 *                                 "module:iommufd,dma-buf-mapping-test",
 *                                 renamed dma_buf_mapping_tesv
 * Both renamed copies must be refused with EINVAL and the loader's message,
 * and must not be loaded.
 */
#include <sys/syscall.h>

#include "guest.h"
/*
 * The harness, and the TEST() wrappers it expands here, have unused
 * parameters, which -Wextra -Werror refuses.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#define DIR		"/tests/"
#define LIST		"iommufd,dma-buf-mapping-test"
#define SYM		"dma_buf_pal_map_phys"

/* finit_module() of a file; returns 0 or -errno. */
static int load(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Is a module of that name loaded (a line of /proc/modules)? */
static bool loaded(const char *name)
{
	char line[512];
	size_t n = strlen(name);
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			found = true;
	fclose(f);
	return found;
}

/* Does the kernel log hold @needle? */
static bool klog_has(const char *needle)
{
	return klog_count(needle) > 0;
}

TEST(listed_name_loads)
{
	ASSERT_FALSE(loaded("dma_buf_mapping_test"));
	ASSERT_EQ(0, load(DIR "module_ns_allowed.ko"));
	EXPECT_TRUE(loaded("dma_buf_mapping_test"));
	/* its init ran, with the symbol resolved */
	EXPECT_TRUE(klog_has("dma-buf-mapping-test: " SYM "(NULL) returned -22"));
}

TEST(unlisted_name_refused)
{
	ASSERT_EQ(-EINVAL, load(DIR "module_ns_outsider.ko"));
	EXPECT_FALSE(loaded("dma_buf_mapping_tesu"));
	EXPECT_TRUE(klog_has("dma_buf_mapping_tesu: module may not use symbol (" SYM
			     "): exported only to modules \"" LIST "\""));
}

TEST(unlisted_name_importing_the_namespace_refused)
{
	ASSERT_EQ(-EINVAL, load(DIR "module_ns_outsider_import.ko"));
	EXPECT_FALSE(loaded("dma_buf_mapping_tesv"));
	EXPECT_TRUE(klog_has("dma_buf_mapping_tesv: module may not use symbol (" SYM
			     "): exported only to modules \"" LIST "\""));
}

TEST_HARNESS_MAIN
