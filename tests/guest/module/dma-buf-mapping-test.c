// SPDX-License-Identifier: GPL-2.0
/*
 * A module of tests/guest/module_ns.c. Its name, dma-buf-mapping-test, is in
 * the list of modules allowed to use the PAL importer symbols (exported with
 * EXPORT_SYMBOL_GPL_FOR_MODULES()) because the guest kernel builds the KUnit
 * suites of that name as a module; the guest never loads that one, so this
 * one can take the name. The test loads it as
 * is, which must work, and copies of it renamed to a name of the same length
 * that is not in the list, which the module loader must refuse.
 *
 * Built with -DPAL_IMPORT_NS, it also imports the module namespace as if it
 * were an ordinary one: that must not help a renamed copy (without the
 * loader's check, the import alone would let it load).
 */
#include <linux/dma-buf-mapping.h>
#include <linux/module.h>

#ifdef PAL_IMPORT_NS
MODULE_INFO(import_ns, "module:iommufd,dma-buf-mapping-test");
#endif

static int __init pal_module_ns_init(void)
{
	/* NULL attachment: the function returns -EINVAL and touches nothing. */
	struct dma_buf_phys_list *list = dma_buf_pal_map_phys(NULL);

	pr_info("dma-buf-mapping-test: dma_buf_pal_map_phys(NULL) returned %d\n",
		PTR_ERR_OR_ZERO(list));
	return 0;
}
module_init(pal_module_ns_init);

MODULE_DESCRIPTION("guest test: a module allowed to use the PAL importer symbols");
MODULE_LICENSE("GPL");
