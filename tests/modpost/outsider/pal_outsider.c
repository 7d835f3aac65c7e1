// SPDX-License-Identifier: GPL-2.0
/*
 * A module that is not iommufd and calls dma_buf_pal_map_phys(): modpost
 * must refuse to build it (scripts/modpost-test.sh).
 */
#include <linux/dma-buf-mapping.h>
#include <linux/module.h>

MODULE_IMPORT_NS(DMA_BUF);

static int __init pal_outsider_init(void)
{
	return PTR_ERR_OR_ZERO(dma_buf_pal_map_phys(NULL));
}
module_init(pal_outsider_init);

MODULE_DESCRIPTION("must not link: uses a PAL importer symbol");
MODULE_LICENSE("GPL");
