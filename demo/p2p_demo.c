// SPDX-License-Identifier: GPL-2.0
/*
 * The end-to-end demo of the series, run in the QEMU guest by `make demo`:
 * what a VMM does to let one device DMA into another device's BAR through
 * the IOMMU.
 *
 *  1. open edu (a device with a DMA engine) and ivshmem (a device whose BAR2
 *     is memory shared with the host) through the vfio cdev and iommufd;
 *  2. export ivshmem's BAR2 as a dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF);
 *  3. map the dma-buf into edu's IOAS (IOMMU_IOAS_MAP_FILE);
 *  4. have edu write a pattern to that IOVA and read it back from the BAR
 *     through a CPU mapping; the host checks the file behind ivshmem after
 *     the guest is gone (the "hostcheck:" lines are for it);
 *  5. revoke: turn memory decode off on ivshmem; the exporter revokes the
 *     dma-buf, iommufd unmaps it, a new map is refused, and edu's DMA is
 *     stopped by the IOMMU (a DMAR fault at that IOVA);
 *  6. restore: memory decode on, unmap + map again, DMA works again.
 *
 * Exits 0 only when every step did what it should.
 */
#include <sys/mman.h>
#include <time.h>

#include "guest.h"

#define RAM_IOVA	0x1000000ULL	/* staging memory for edu's DMA */
#define BAR_IOVA	0x4000000ULL	/* ivshmem BAR2; edu DMA mask is 28 bits */
#define LEN		2048
#define OFF_MAPPED	0x1000		/* written while mapped */
#define OFF_REVOKED	0x2000		/* aimed at while revoked: must stay 0 */
#define OFF_RESTORED	0x3000		/* written after the restore */

static int failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s ", ok ? "  ok  " : "  FAIL");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	if (!ok)
		failures++;
}

/* Print the attachments of the dma-buf from debugfs bufinfo. */
static void show_bufinfo(void)
{
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	char line[512];

	if (!f) {
		check(0, "read /sys/kernel/debug/dma_buf/bufinfo: %s",
		      strerror(errno));
		return;
	}
	printf("  debugfs dma_buf/bufinfo:\n");
	while (fgets(line, sizeof(line), f))
		printf("  | %s", line);
	fclose(f);
}

/* Whether bufinfo shows an attachment whose mapping type is @name. */
static int bufinfo_has_attachment(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	char line[512];
	size_t n = strlen(name);
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] == '\t' && !strncmp(line + 1, name, n) &&
		    (line[1 + n] == ' ' || line[1 + n] == '\n'))
			found = 1;
	fclose(f);
	return found;
}

static int edu_write(struct vdev *edu, __u64 bar0, unsigned char *ram,
		     unsigned int seed, __u64 iova)
{
	return edu_write_pattern(edu, bar0, ram, RAM_IOVA, seed, iova, LEN);
}

/* Whether BAR2 + @off holds pattern @seed (0: zero bytes). */
static int bar_holds(const volatile unsigned char *bar, unsigned int off,
		     unsigned int seed)
{
	return pattern_mismatch(bar + off, seed, LEN) < 0;
}

int main(void)
{
	struct vfio_region_info edu_bar0, shm_bar2;
	volatile unsigned char *bar;
	struct vdev edu, shm;
	unsigned char *ram;
	__u32 ioas;
	__u64 phys;
	unsigned long long bar_start = 0, bar_end;
	int iommufd, dmabuf, i, ret;
	long before, after;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== P2P DMA into a device BAR through the IOMMU, via a dma-buf ==\n");

	step("1. open the devices through the vfio cdev and iommufd");
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die_errno("open /dev/iommu");
	if (vdev_open(&edu, EDU_VENDOR, EDU_DEVICE) || vdev_bind(&edu, iommufd))
		die_errno("open and bind edu");
	if (vdev_open(&shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE) ||
	    vdev_bind(&shm, iommufd))
		die_errno("open and bind ivshmem");
	if (ioas_alloc(iommufd, &ioas))
		die_errno("IOMMU_IOAS_ALLOC");
	if (vdev_attach(&edu, ioas))
		die_errno("attach edu to the IOAS");
	if (region_info(&edu, VFIO_PCI_BAR0_REGION_INDEX, &edu_bar0) ||
	    region_info(&shm, VFIO_PCI_BAR2_REGION_INDEX, &shm_bar2))
		die_errno("VFIO_DEVICE_GET_REGION_INFO");
	/* 0 if sysfs does not tell, as the output then shows. */
	if (pci_bar_range(shm.bdf, 2, &bar_start, &bar_end))
		bar_start = 0;
	phys = bar_start;
	printf("  edu     %s  iommufd device %u, attached to IOAS %u\n",
	       edu.bdf, edu.devid, ioas);
	printf("  ivshmem %s  iommufd device %u, BAR2 at physical 0x%llx, %llu KiB\n",
	       shm.bdf, shm.devid, (unsigned long long)phys,
	       (unsigned long long)shm_bar2.size >> 10);
	if (cfg_command(&edu, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0) ||
	    cfg_command(&shm, PCI_COMMAND_MEMORY, 0))
		die_errno("enable edu bus mastering, ivshmem memory decode");
	bar = mmap(NULL, shm_bar2.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   shm.fd, shm_bar2.offset);
	if (bar == MAP_FAILED)
		die_errno("mmap ivshmem BAR2");
	for (i = 0; i < (int)shm_bar2.size; i++)
		bar[i] = 0;

	ram = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die_errno("mmap staging memory");
	ram[0] = 0;
	if (ioas_map(iommufd, ioas, ram, 4096, RAM_IOVA))
		die_errno("IOMMU_IOAS_MAP of the staging memory");
	printf("  staging memory for edu at IOVA 0x%llx (IOMMU_IOAS_MAP)\n",
	       RAM_IOVA);

	step("2. export ivshmem BAR2 as a dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF)");
	dmabuf = vdev_export_bar(&shm, VFIO_PCI_BAR2_REGION_INDEX, 0,
				 shm_bar2.size);
	if (dmabuf < 0)
		die_errno("VFIO_DEVICE_FEATURE_DMA_BUF");
	printf("  dma-buf fd %d: BAR2 [0, 0x%llx)\n", dmabuf,
	       (unsigned long long)shm_bar2.size);

	step("3. map the dma-buf into the IOAS (IOMMU_IOAS_MAP_FILE)");
	if (ioas_map_file(iommufd, ioas, dmabuf, 0, shm_bar2.size, BAR_IOVA))
		die_errno("IOMMU_IOAS_MAP_FILE");
	printf("  IOVA [0x%llx, 0x%llx) -> physical [0x%llx, 0x%llx)\n",
	       BAR_IOVA, BAR_IOVA + shm_bar2.size, (unsigned long long)phys,
	       (unsigned long long)(phys + shm_bar2.size));
	show_bufinfo();
	check(bufinfo_has_attachment("pal"),
	      "iommufd's attachment negotiated the physical address list (pal) type");

	step("4. edu DMA: %d bytes to IOVA 0x%llx = BAR2 + 0x%x", LEN,
	     BAR_IOVA + OFF_MAPPED, OFF_MAPPED);
	ret = edu_write(&edu, edu_bar0.offset, ram, 1, BAR_IOVA + OFF_MAPPED);
	check(!ret, "edu finished its transfers");
	check(bar_holds(bar, OFF_MAPPED, 1),
	      "the CPU reads the pattern back from the BAR (vfio mmap)");
	printf("  BAR2 + 0x%x: %02x %02x %02x %02x ...\n", OFF_MAPPED,
	       bar[OFF_MAPPED], bar[OFF_MAPPED + 1], bar[OFF_MAPPED + 2],
	       bar[OFF_MAPPED + 3]);
	printf("hostcheck: expect pattern 1 at BAR2+0x%x, %d bytes\n",
	       OFF_MAPPED, LEN);

	step("5. revoke: ivshmem memory decode off");
	before = dmar_fault_irqs();
	if (cfg_command(&shm, 0, PCI_COMMAND_MEMORY))
		die_errno("disable ivshmem memory decode");
	errno = 0;
	ret = ioas_map_file(iommufd, ioas, dmabuf, 0, shm_bar2.size,
			    BAR_IOVA + 0x800000);
	check(ret && errno == ENODEV,
	      "IOMMU_IOAS_MAP_FILE of the revoked dma-buf fails with ENODEV (got %s)",
	      ret ? strerror(errno) : "success");
	ret = edu_write(&edu, edu_bar0.offset, ram, 2, BAR_IOVA + OFF_REVOKED);
	check(!ret, "edu ran a transfer to IOVA 0x%llx", BAR_IOVA + OFF_REVOKED);
	after = dmar_fault_wait(before);
	check(before >= 0 && after > before,
	      "the IOMMU blocked it: fault interrupts %ld -> %ld, %d log line(s) for IOVA 0x%llx",
	      before, after, dmar_faults_at(BAR_IOVA + OFF_REVOKED),
	      BAR_IOVA + OFF_REVOKED);

	step("6. restore: memory decode on, unmap and map again");
	if (cfg_command(&shm, PCI_COMMAND_MEMORY, 0))
		die_errno("enable ivshmem memory decode");
	check(bar_holds(bar, OFF_REVOKED, 0),
	      "nothing landed in the BAR while revoked (BAR2 + 0x%x is zero)",
	      OFF_REVOKED);
	check(!ioas_unmap(iommufd, ioas, BAR_IOVA, shm_bar2.size),
	      "IOMMU_IOAS_UNMAP of the revoked range");
	ret = ioas_map_file(iommufd, ioas, dmabuf, 0, shm_bar2.size, BAR_IOVA);
	check(!ret, "IOMMU_IOAS_MAP_FILE again (%s)",
	      ret ? strerror(errno) : "success");
	ret = edu_write(&edu, edu_bar0.offset, ram, 3, BAR_IOVA + OFF_RESTORED);
	check(!ret, "edu finished its transfers");
	check(bar_holds(bar, OFF_RESTORED, 3),
	      "edu's DMA into the BAR works again (BAR2 + 0x%x)", OFF_RESTORED);
	printf("hostcheck: expect zero at BAR2+0x%x, %d bytes\n", OFF_REVOKED,
	       LEN);
	printf("hostcheck: expect pattern 3 at BAR2+0x%x, %d bytes\n",
	       OFF_RESTORED, LEN);

	close(dmabuf);
	if (failures) {
		printf("VERDICT: FAIL (%d checks failed)\n", failures);
		return 1;
	}
	printf("VERDICT: PASS - edu wrote into ivshmem's BAR through the IOMMU via a dma-buf, and the revoke stopped it\n");
	return 0;
}
