// SPDX-License-Identifier: GPL-2.0
/*
 * The positive control of scripts/modpost-test.sh: the same call from a
 * module named iommufd, which the export allows, must build.
 */
#include <linux/dma-buf-mapping.h>
#include <linux/module.h>

static int __init pal_allowed_init(void)
{
	return PTR_ERR_OR_ZERO(dma_buf_pal_map_phys(NULL));
}
module_init(pal_allowed_init);

MODULE_DESCRIPTION("control: a module allowed to use the PAL importer symbols");
MODULE_LICENSE("GPL");
