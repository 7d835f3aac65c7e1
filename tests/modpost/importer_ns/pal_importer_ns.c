// SPDX-License-Identifier: GPL-2.0
/*
 * A module that tries to import the module namespace of the PAL importer
 * symbols as if it were an ordinary namespace: modpost must still refuse it.
 */
#include <linux/dma-buf-mapping.h>
#include <linux/module.h>

MODULE_INFO(import_ns, "module:iommufd,dma-buf-mapping-test");

static int __init pal_importer_ns_init(void)
{
	return PTR_ERR_OR_ZERO(dma_buf_pal_map_phys(NULL));
}
module_init(pal_importer_ns_init);

MODULE_DESCRIPTION("must not link: imports a module namespace");
MODULE_LICENSE("GPL");
