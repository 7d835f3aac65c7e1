// SPDX-License-Identifier: GPL-2.0
/*
 * Sanity check of the guest: the edu device copies a pattern from ordinary
 * memory mapped with IOMMU_IOAS_MAP into its buffer and back, through the
 * emulated Intel IOMMU, using iommufd and the vfio cdev. No dma-buf is
 * involved; this proves device DMA through the IOMMU works at all.
 */
#include <sys/mman.h>

#include "guest.h"

#define IOVA	0x1000000ULL	/* below edu's 28-bit DMA mask */
#define LEN	2048

int main(void)
{
	struct vfio_region_info bar0;
	struct vdev edu;
	__u32 ioas_id;
	unsigned char *buf;
	int iommufd, i, bad = 0;

	step("open edu through the vfio cdev and /dev/iommu");
	if (vdev_open(&edu, EDU_VENDOR, EDU_DEVICE))
		die_errno("open edu");
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die_errno("open /dev/iommu");
	if (vdev_bind(&edu, iommufd))
		die_errno("VFIO_DEVICE_BIND_IOMMUFD");
	if (ioas_alloc(iommufd, &ioas_id))
		die_errno("IOMMU_IOAS_ALLOC");
	if (vdev_attach(&edu, ioas_id))
		die_errno("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	step("edu %s bound as iommufd device %u, attached to IOAS %u",
	     edu.bdf, edu.devid, ioas_id);

	buf = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die_errno("mmap");
	for (i = 0; i < LEN; i++) {
		buf[i] = (unsigned char)(i * 7 + 3);
		buf[4096 + i] = 0;
	}

	if (ioas_map(iommufd, ioas_id, buf, 2 * 4096, IOVA))
		die_errno("IOMMU_IOAS_MAP");
	step("mapped 8 KiB of anonymous memory at IOVA 0x%llx", IOVA);

	if (region_info(&edu, VFIO_PCI_BAR0_REGION_INDEX, &bar0))
		die_errno("BAR0 region info");
	if (cfg_command(&edu, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0))
		die_errno("enable bus mastering");

	if (edu_dma(&edu, bar0.offset, IOVA, LEN, 0))
		die_errno("edu DMA RAM -> edu");
	step("edu copied %d bytes from IOVA 0x%llx into its buffer", LEN, IOVA);
	if (edu_dma(&edu, bar0.offset, IOVA + 4096, LEN, 1))
		die_errno("edu DMA edu -> RAM");
	step("edu copied %d bytes from its buffer to IOVA 0x%llx", LEN, IOVA + 4096);

	for (i = 0; i < LEN; i++)
		if (buf[4096 + i] != buf[i])
			bad++;
	if (bad) {
		printf("FAIL: %d of %d bytes differ after the round trip\n", bad, LEN);
		return 1;
	}
	printf("PASS: %d bytes went RAM -> edu -> RAM through the IOMMU unchanged\n", LEN);
	return 0;
}
