// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF through the real uAPI, on the BARs of the
 * ivshmem-plain device (BAR0: 256 bytes of registers, BAR1: not
 * implemented, BAR2: the shared memory, 4 MiB) bound to vfio-pci.
 *
 * Every errno of the contract (DESIGN.md section 6) is triggered on purpose,
 * PROBE is checked, buffers of one and of several ranges are made, and a
 * buffer can be made while memory decode is off. The revoke tests observe
 * each event through a dynamic importer reachable from userspace, iommufd's
 * IOMMU_IOAS_MAP_FILE, with edu's DMA through the IOMMU (fixture revoke);
 * after a reset or the end of low power, the buffer must be usable again
 * without any config space write, as a VMM re-maps.
 */
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <drm/drm.h>

#include "guest.h"
/* The harness has unused parameters, which -Wextra -Werror refuses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * The harness's TEST_F wrapper keeps a local across setjmp(); with the
 * revoke tests' helpers inlined, gcc warns that it might be clobbered
 * (it is not used after the longjmp()).
 */
#pragma GCC diagnostic ignored "-Wclobbered"

#define PG		4096ULL
/* vfio-pci's bound on nr_ranges, documented in include/uapi/linux/vfio.h */
#define MAX_RANGES	1024

/*
 * One VFIO_DEVICE_FEATURE request for a dma-buf. The payload is copied into
 * a fresh allocation sized for the ranges given; argsz is that size unless
 * argsz_cut shortens it. Returns the ioctl's result (the fd) or -errno.
 */
static int dma_buf_req(int fd, __u32 op, __u32 region, __u32 open_flags,
		       __u32 flags, __u32 nr_ranges,
		       const struct vfio_region_dma_range *ranges,
		       __u32 nr_copy, size_t argsz_cut)
{
	size_t payload = sizeof(struct vfio_device_feature_dma_buf) +
			 nr_copy * sizeof(struct vfio_region_dma_range);
	size_t sz = sizeof(struct vfio_device_feature) + payload;
	struct vfio_device_feature_dma_buf *get;
	struct vfio_device_feature *f;
	int ret;

	f = calloc(1, sz);
	if (!f)
		return -ENOMEM;
	f->argsz = sz - argsz_cut;
	f->flags = op | VFIO_DEVICE_FEATURE_DMA_BUF;
	get = (struct vfio_device_feature_dma_buf *)f->data;
	get->region_index = region;
	get->open_flags = open_flags;
	get->flags = flags;
	get->nr_ranges = nr_ranges;
	if (nr_copy)
		memcpy(get->dma_ranges, ranges, nr_copy * sizeof(*ranges));
	ret = ioctl(fd, VFIO_DEVICE_FEATURE, f);
	if (ret < 0)
		ret = -errno;
	free(f);
	return ret;
}

/* A GET of nr ranges, all copied, with the given region. */
static int dma_buf_get(int fd, __u32 region, __u32 nr,
		       const struct vfio_region_dma_range *ranges)
{
	return dma_buf_req(fd, VFIO_DEVICE_FEATURE_GET, region, O_CLOEXEC, 0,
			   nr, ranges, nr, 0);
}

static off_t fd_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	return st.st_size;
}

FIXTURE(dmabuf) {
	struct vdev dev;
	int iommufd;
	__u64 bar2_size;
};

FIXTURE_SETUP(dmabuf)
{
	struct vfio_region_info reg;

	self->iommufd = -1;
	ASSERT_EQ(0, vdev_open(&self->dev, IVSHMEM_VENDOR, IVSHMEM_DEVICE));
	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, vdev_bind(&self->dev, self->iommufd));
	ASSERT_EQ(0, region_info(&self->dev, VFIO_PCI_BAR2_REGION_INDEX, &reg));
	self->bar2_size = reg.size;
	ASSERT_LE(4 * PG, self->bar2_size);
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
}

FIXTURE_TEARDOWN(dmabuf)
{
	if (self->dev.fd >= 0)
		close(self->dev.fd);
	if (self->iommufd >= 0)
		close(self->iommufd);
}

TEST_F(dmabuf, probe_reports_get_only)
{
	ASSERT_EQ(0, dma_buf_req(self->dev.fd, VFIO_DEVICE_FEATURE_PROBE |
				 VFIO_DEVICE_FEATURE_GET, 2, 0, 0, 0, NULL, 0, 0));
	ASSERT_EQ(-EINVAL, dma_buf_req(self->dev.fd,
				       VFIO_DEVICE_FEATURE_PROBE |
				       VFIO_DEVICE_FEATURE_SET,
				       2, 0, 0, 0, NULL, 0, 0));
}

TEST_F(dmabuf, set_is_einval)
{
	struct vfio_region_dma_range r = { 0, PG };

	ASSERT_EQ(-EINVAL, dma_buf_req(self->dev.fd, VFIO_DEVICE_FEATURE_SET,
				       2, 0, 0, 1, &r, 1, 0));
}

TEST_F(dmabuf, nonzero_flags_is_einval)
{
	struct vfio_region_dma_range r = { 0, PG };

	ASSERT_EQ(-EINVAL, dma_buf_req(self->dev.fd, VFIO_DEVICE_FEATURE_GET,
				       2, 0, 1, 1, &r, 1, 0));
}

TEST_F(dmabuf, unknown_open_flags_is_einval)
{
	struct vfio_region_dma_range r = { 0, PG };

	ASSERT_EQ(-EINVAL, dma_buf_req(self->dev.fd, VFIO_DEVICE_FEATURE_GET,
				       2, O_CREAT, 0, 1, &r, 1, 0));
}

TEST_F(dmabuf, zero_nr_ranges_is_einval)
{
	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, 0, NULL));
}

TEST_F(dmabuf, nr_ranges_above_bound_is_einval)
{
	struct vfio_region_dma_range *r = calloc(MAX_RANGES + 1, sizeof(*r));
	int i, fd;

	ASSERT_NE(NULL, r);
	for (i = 0; i <= MAX_RANGES; i++)
		r[i] = (struct vfio_region_dma_range){ 0, PG };
	/* the bound itself is accepted (the same page, many times) ... */
	fd = dma_buf_get(self->dev.fd, 2, MAX_RANGES, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)(MAX_RANGES * PG), fd_size(fd));
	close(fd);
	/* ... one more is not, even with argsz covering it */
	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, MAX_RANGES + 1, r));
	/* and a huge count is refused before anything is read or allocated */
	ASSERT_EQ(-EINVAL, dma_buf_req(self->dev.fd, VFIO_DEVICE_FEATURE_GET,
				       2, 0, 0, 0xffffffff, r, 1, 0));
	free(r);
}

TEST_F(dmabuf, argsz_short_of_ranges_is_einval)
{
	struct vfio_region_dma_range r[2] = { { 0, PG }, { PG, PG } };

	ASSERT_EQ(-EINVAL, dma_buf_req(self->dev.fd, VFIO_DEVICE_FEATURE_GET,
				       2, 0, 0, 2, r, 2, 1));
}

TEST_F(dmabuf, region_not_a_bar_is_enodev)
{
	struct vfio_region_dma_range r = { 0, PG };

	ASSERT_EQ(-ENODEV, dma_buf_get(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX,
				       1, &r));
	ASSERT_EQ(-ENODEV, dma_buf_get(self->dev.fd,
				       VFIO_PCI_CONFIG_REGION_INDEX, 1, &r));
	ASSERT_EQ(-ENODEV, dma_buf_get(self->dev.fd, 1000, 1, &r));
}

TEST_F(dmabuf, bar_not_memory_is_einval)
{
	struct vfio_region_dma_range r = { 0, PG };

	/* ivshmem-plain implements no BAR1 and no BAR3-5: no memory there. */
	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 1, 1, &r));
	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 5, 1, &r));
}

TEST_F(dmabuf, zero_length_range_is_einval)
{
	struct vfio_region_dma_range r[2] = { { 0, PG }, { PG, 0 } };

	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, 2, r));
}

TEST_F(dmabuf, unaligned_offset_is_einval)
{
	struct vfio_region_dma_range r = { 512, PG };

	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, 1, &r));
}

TEST_F(dmabuf, unaligned_length_is_einval)
{
	struct vfio_region_dma_range r = { 0, PG + 8 };

	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, 1, &r));
}

TEST_F(dmabuf, range_past_bar_is_einval)
{
	struct vfio_region_dma_range r = { self->bar2_size - PG, 2 * PG };
	struct vfio_region_dma_range after = { self->bar2_size, PG };

	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, 1, &r));
	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, 1, &after));
}

TEST_F(dmabuf, small_register_bar_cannot_hold_a_page)
{
	struct vfio_region_dma_range r = { 0, PG };

	/* BAR0 is 256 bytes of memory-space registers: a page is past it. */
	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 0, 1, &r));
}

TEST_F(dmabuf, range_overflow_is_eoverflow)
{
	struct vfio_region_dma_range r = { ~0ULL - PG + 1, 2 * PG };

	ASSERT_EQ(-EOVERFLOW, dma_buf_get(self->dev.fd, 2, 1, &r));
}

/*
 * Ranges whose ends do not overflow but whose lengths add up past 2^64:
 * EINVAL, as on mainline (only the end of one range is EOVERFLOW).
 */
TEST_F(dmabuf, total_length_overflow_is_einval)
{
	struct vfio_region_dma_range r[2] = {
		{ 0, 1ULL << 63 },
		{ PG, 1ULL << 63 },
	};

	ASSERT_EQ(-EINVAL, dma_buf_get(self->dev.fd, 2, 2, r));
}

/*
 * Whether /proc/iomem shows [@start, @end] requested by vfio-pci (under
 * the name "vfio", from a read, write or dma-buf export of the BAR, or
 * "vfio-pci", from an mmap of it). 1 yes, 0 no, -1 unreadable.
 */
static int iomem_vfio_claims(unsigned long long start, unsigned long long end)
{
	unsigned long long s, e;
	char line[256], name[64];
	int found = 0;
	FILE *f;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %llx-%llx : %63[^\n]", &s, &e, name) == 3 &&
		    s == start && e == end && !strncmp(name, "vfio", 4))
			found = 1;
	fclose(f);
	return found;
}

/*
 * Exporting a BAR requests its region for vfio-pci, as an mmap or a read
 * of it does: while a buffer may be handed to importers, no other driver
 * can claim that memory. Nothing touched BAR2 through this open before.
 */
TEST_F(dmabuf, export_requests_the_bar_region)
{
	struct vfio_region_dma_range r = { 0, PG };
	unsigned long long start, end;
	int fd;

	ASSERT_EQ(0, pci_bar_range(self->dev.bdf, 2, &start, &end));
	TH_LOG("BAR2 at [0x%llx, 0x%llx]", start, end);
	ASSERT_EQ(0, iomem_vfio_claims(start, end));
	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, iomem_vfio_claims(start, end));
	close(fd);
}

TEST_F(dmabuf, bad_ranges_pointer_is_efault)
{
	size_t head = sizeof(struct vfio_device_feature) +
		      sizeof(struct vfio_device_feature_dma_buf);
	struct vfio_device_feature_dma_buf *get;
	struct vfio_device_feature *f;
	char *pages;

	/* The ranges start exactly on a page that cannot be read. */
	pages = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, mprotect(pages + PG, PG, PROT_NONE));
	f = (struct vfio_device_feature *)(pages + PG - head);
	f->argsz = head + 2 * sizeof(struct vfio_region_dma_range);
	f->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	get = (struct vfio_device_feature_dma_buf *)f->data;
	get->region_index = 2;
	get->open_flags = 0;
	get->flags = 0;
	get->nr_ranges = 2;
	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_FEATURE, f));
	ASSERT_EQ(EFAULT, errno);
	munmap(pages, 2 * PG);
}

TEST_F(dmabuf, one_range)
{
	struct vfio_region_dma_range r = { PG, 2 * PG };
	int fd;

	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)(2 * PG), fd_size(fd));
	/* O_CLOEXEC was asked for */
	ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(dmabuf, whole_bar)
{
	struct vfio_region_dma_range r = { 0, self->bar2_size };
	int fd;

	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)self->bar2_size, fd_size(fd));
	close(fd);
}

TEST_F(dmabuf, several_ranges_out_of_order)
{
	struct vfio_region_dma_range r[3] = {
		{ self->bar2_size - PG, PG },
		{ 0, 2 * PG },
		{ 8 * PG, 4 * PG },
	};
	int fd;

	fd = dma_buf_req(self->dev.fd, VFIO_DEVICE_FEATURE_GET, 2, O_RDWR, 0,
			 3, r, 3, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)(7 * PG), fd_size(fd));
	ASSERT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
}

/*
 * Only that the file stays valid; what an importer sees after the close is
 * revoke.by_device_close_for_good.
 */
TEST_F(dmabuf, file_stays_valid_after_device_close)
{
	struct vfio_region_dma_range r = { 0, PG };
	int fd;

	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	/* closing the device revokes the buffer; the file stays valid */
	close(self->dev.fd);
	self->dev.fd = -1;
	ASSERT_EQ((off_t)PG, fd_size(fd));
	close(fd);
}

/* Threads exporting BAR2 at once, and rounds of that, each on a fresh open. */
#define FIRST_USE_THREADS	8
#define FIRST_USE_ROUNDS	16

struct first_use {
	pthread_barrier_t *barrier;
	int devfd;
	int ret;
};

static void *first_use_export(void *arg)
{
	struct vfio_region_dma_range r = { 0, PG };
	struct first_use *u = arg;

	pthread_barrier_wait(u->barrier);
	u->ret = dma_buf_get(u->devfd, 2, 1, &r);
	return NULL;
}

/*
 * The first use of BAR2 after the device is opened, by several exports at
 * once: each requests the BAR's region unless it is already requested, and
 * all must get their buffer. Without the serialization in vfio-pci (the
 * barmap lock) two of them could both see the region unrequested and the
 * second failed with ENODEV ("can't reserve" in the kernel log). Each round
 * opens the device again, as the region is released on the last close.
 */
TEST_F(dmabuf, first_exports_at_once_all_succeed)
{
	struct first_use u[FIRST_USE_THREADS];
	pthread_t th[FIRST_USE_THREADS];
	pthread_barrier_t barrier;
	int round, i, failed = 0;

	for (round = 0; round < FIRST_USE_ROUNDS; round++) {
		if (round) {
			close(self->dev.fd);
			ASSERT_EQ(0, vdev_open(&self->dev, IVSHMEM_VENDOR,
					       IVSHMEM_DEVICE));
			ASSERT_EQ(0, vdev_bind(&self->dev, self->iommufd));
		}
		ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL,
						  FIRST_USE_THREADS));
		for (i = 0; i < FIRST_USE_THREADS; i++) {
			u[i].barrier = &barrier;
			u[i].devfd = self->dev.fd;
			u[i].ret = 0;
			ASSERT_EQ(0, pthread_create(&th[i], NULL,
						    first_use_export, &u[i]));
		}
		for (i = 0; i < FIRST_USE_THREADS; i++) {
			pthread_join(th[i], NULL);
			if (u[i].ret < 0) {
				TH_LOG("round %d, thread %d: %s", round, i,
				       strerror(-u[i].ret));
				failed++;
			} else {
				close(u[i].ret);
			}
		}
		pthread_barrier_destroy(&barrier);
	}
	EXPECT_EQ(0, failed);
}

/*
 * Only that export works with decode off and decode can be toggled after;
 * that such a buffer starts revoked is revoke.made_with_decode_off_starts_revoked.
 */
TEST_F(dmabuf, export_with_decode_off_then_toggle_decode)
{
	struct vfio_region_dma_range r = { 0, PG };
	int fd;

	ASSERT_EQ(0, cfg_command(&self->dev, 0, PCI_COMMAND_MEMORY));
	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, cfg_command(&self->dev, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
	close(fd);
}

/*
 * Only that decode toggles and a reset with two unattached buffers trip
 * nothing (the kernel log check of the run); revoke and its lifting as an
 * importer sees them are the revoke tests.
 */
TEST_F(dmabuf, reset_and_decode_toggles_without_importers)
{
	struct vfio_region_dma_range r[2] = { { 0, PG }, { 4 * PG, PG } };
	int fd, fd2;

	fd = dma_buf_get(self->dev.fd, 2, 2, r);
	ASSERT_LE(0, fd);
	fd2 = dma_buf_get(self->dev.fd, 2, 1, r);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, cfg_command(&self->dev, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
	/* the reset revokes with no importer attached; must not trip anything */
	if (ioctl(self->dev.fd, VFIO_DEVICE_RESET))
		TH_LOG("VFIO_DEVICE_RESET: %s (not fatal here)", strerror(errno));
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
	close(fd2);
	close(fd);
}

/*
 * An importer that does not accept P2P is refused: vgem imports through the
 * legacy non-dynamic attach without P2P, which the core's negotiation
 * refuses before vfio-pci's attach is called. vfio-pci's own refusal of
 * static and pinning importers is checked by p2p_converter.c, with
 * importers that accept P2P.
 */
TEST_F(dmabuf, non_p2p_importer_refused_by_negotiation)
{
	struct vfio_region_dma_range r = { 0, PG };
	struct drm_prime_handle h = { 0 };
	int fd, card;

	card = open("/dev/dri/card0", O_RDWR);
	if (card < 0)
		SKIP(return, "no /dev/dri/card0 (vgem): %s", strerror(errno));
	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	h.fd = fd;
	ASSERT_EQ(-1, ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h));
	TH_LOG("vgem import refused: %s", strerror(errno));
	/* the negotiation's answer: no mapping type in common */
	ASSERT_EQ(EOPNOTSUPP, errno);
	close(fd);
	close(card);
}

/*
 * Revoke as an importer sees it. edu (a DMA engine) and the buffer's
 * mapping share one IOAS: the buffer, BAR2 [0, REV_PAGES pages), is mapped
 * with IOMMU_IOAS_MAP_FILE at REV_BAR_IOVA, and edu copies patterns from
 * staging memory at REV_RAM_IOVA into it. Each event gets its own test:
 * before it, edu's DMA lands in the BAR (read back through the BAR's vfio
 * mmap); after it, the existing mapping is gone from the IOMMU (edu's DMA
 * does not land and the IOMMU logs a DMAR fault at that IOVA) and a new
 * MAP_FILE of the buffer fails with ENODEV; for the temporary events, once
 * memory decode is on again, unmap + MAP_FILE works and edu's DMA lands
 * again. IOVAs stay below edu's 28-bit DMA mask, transfers below 4096 bytes.
 */
#define REV_RAM_IOVA	0x1000000ULL
#define REV_BAR_IOVA	0x4000000ULL
#define REV_NEW_IOVA	0x8000000ULL	/* where a new MAP_FILE is tried */
#define REV_PAGES	8
#define REV_LEN		2048
#define REV_PG_BEFORE	0		/* written before the event */
#define REV_PG_RESTORED	7		/* written after the revoke is lifted */
/* pages 1-6: one per test, aimed at while revoked, must stay zero */

FIXTURE(revoke) {
	struct vdev edu, shm;
	int iommufd;
	__u32 ioas;
	__u64 edu_bar0, bar2_off;
	volatile unsigned char *bar;	/* vfio mmap of BAR2 [0, REV_PAGES) */
	unsigned char *ram;		/* staging memory at REV_RAM_IOVA */
	int dmabuf;
};

static int rev_mmap_bar(struct vdev *v, __u64 bar2_off,
			volatile unsigned char **bar)
{
	void *p = mmap(NULL, REV_PAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_SHARED, v->fd, bar2_off);

	if (p == MAP_FAILED)
		return -1;
	*bar = p;
	return 0;
}

FIXTURE_SETUP(revoke)
{
	struct vfio_region_info reg;
	unsigned int i;

	self->iommufd = -1;
	self->dmabuf = -1;
	self->bar = NULL;
	self->ram = MAP_FAILED;
	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, vdev_open(&self->edu, EDU_VENDOR, EDU_DEVICE));
	ASSERT_EQ(0, vdev_bind(&self->edu, self->iommufd));
	ASSERT_EQ(0, vdev_open(&self->shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE));
	ASSERT_EQ(0, vdev_bind(&self->shm, self->iommufd));
	ASSERT_EQ(0, ioas_alloc(self->iommufd, &self->ioas));
	ASSERT_EQ(0, vdev_attach(&self->edu, self->ioas));
	ASSERT_EQ(0, region_info(&self->edu, VFIO_PCI_BAR0_REGION_INDEX, &reg));
	self->edu_bar0 = reg.offset;
	ASSERT_EQ(0, region_info(&self->shm, VFIO_PCI_BAR2_REGION_INDEX, &reg));
	self->bar2_off = reg.offset;
	ASSERT_LE(REV_PAGES * PG, reg.size);
	ASSERT_EQ(0, cfg_command(&self->edu,
				 PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, cfg_command(&self->shm, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, rev_mmap_bar(&self->shm, self->bar2_off, &self->bar));
	for (i = 0; i < REV_PAGES * PG; i++)
		self->bar[i] = 0;

	self->ram = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
	self->ram[0] = 0;
	ASSERT_EQ(0, ioas_map(self->iommufd, self->ioas, self->ram, PG,
			      REV_RAM_IOVA));
}

FIXTURE_TEARDOWN(revoke)
{
	if (self->dmabuf >= 0)
		close(self->dmabuf);
	if (self->bar)
		munmap((void *)self->bar, REV_PAGES * PG);
	if (self->shm.fd >= 0)
		close(self->shm.fd);
	if (self->edu.fd >= 0)
		close(self->edu.fd);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->ram != MAP_FAILED)
		munmap(self->ram, PG);
}

/* edu copies pattern @seed (REV_LEN bytes) to page @page of the mapping. */
static int rev_edu_write(FIXTURE_DATA(revoke) *self, unsigned int seed,
			 unsigned int page)
{
	return edu_write_pattern(&self->edu, self->edu_bar0, self->ram,
				 REV_RAM_IOVA, seed, REV_BAR_IOVA + page * PG,
				 REV_LEN);
}

/*
 * Whether page @page of @bar holds pattern @seed (seed 0: zero bytes).
 * Returns the index of the first wrong byte, or -1 when all are right.
 */
static long rev_bar_mismatch(volatile unsigned char *bar, unsigned int seed,
			     unsigned int page)
{
	return pattern_mismatch(bar + page * PG, seed, REV_LEN);
}

/* MAP_FILE of the whole buffer at @iova: 0 or -errno. */
static int rev_map(FIXTURE_DATA(revoke) *self, __u64 iova)
{
	if (ioas_map_file(self->iommufd, self->ioas, self->dmabuf, 0,
			  REV_PAGES * PG, iova))
		return -errno;
	return 0;
}

/* Export BAR2 [0, REV_PAGES) and map it at REV_BAR_IOVA; edu's DMA lands. */
static void rev_map_and_dma(struct __test_metadata *_metadata,
			    FIXTURE_DATA(revoke) *self)
{
	self->dmabuf = vdev_export_bar(&self->shm, VFIO_PCI_BAR2_REGION_INDEX,
				       0, REV_PAGES * PG);
	ASSERT_LE(0, self->dmabuf);
	ASSERT_EQ(0, rev_map(self, REV_BAR_IOVA));
	ASSERT_EQ(0, rev_edu_write(self, 1, REV_PG_BEFORE));
	ASSERT_EQ(-1, rev_bar_mismatch(self->bar, 1, REV_PG_BEFORE));
}

/*
 * The revoke took the old mapping away: edu's DMA to page @page of it is
 * stopped by the IOMMU (a DMAR fault at that IOVA). Whether nothing landed
 * is checked by the caller, once the BAR can be read.
 */
static void rev_check_unmapped(struct __test_metadata *_metadata,
			       FIXTURE_DATA(revoke) *self, unsigned int page)
{
	__u64 iova = REV_BAR_IOVA + page * PG;
	long before, after;

	before = dmar_fault_irqs();
	ASSERT_LE(0, before);
	/* edu finishes the transfer either way; the IOMMU drops the writes */
	ASSERT_EQ(0, rev_edu_write(self, 2, page));
	after = dmar_fault_wait(before);
	TH_LOG("IOMMU fault interrupts: %ld before, %ld after; log lines for 0x%llx: %d",
	       before, after, (unsigned long long)iova, dmar_faults_at(iova));
	ASSERT_LT(before, after);
}

/*
 * While revoked: the old mapping is gone (rev_check_unmapped()), and a new
 * MAP_FILE gets ENODEV.
 */
static void rev_check_revoked(struct __test_metadata *_metadata,
			      FIXTURE_DATA(revoke) *self, unsigned int page)
{
	rev_check_unmapped(_metadata, self, page);
	ASSERT_EQ(-ENODEV, rev_map(self, REV_NEW_IOVA));
}

/*
 * The revoke is lifted, and nothing in this function writes config space:
 * nothing landed on page @page while revoked, and unmap + MAP_FILE of the
 * buffer works and edu's DMA lands again.
 */
static void rev_remap_and_dma(struct __test_metadata *_metadata,
			      FIXTURE_DATA(revoke) *self, unsigned int page)
{
	ASSERT_EQ(-1, rev_bar_mismatch(self->bar, 0, page));
	ASSERT_EQ(-1, rev_bar_mismatch(self->bar, 1, REV_PG_BEFORE));
	ASSERT_EQ(0, ioas_unmap(self->iommufd, self->ioas, REV_BAR_IOVA,
				REV_PAGES * PG));
	ASSERT_EQ(0, rev_map(self, REV_BAR_IOVA));
	ASSERT_EQ(0, rev_edu_write(self, 3, REV_PG_RESTORED));
	ASSERT_EQ(-1, rev_bar_mismatch(self->bar, 3, REV_PG_RESTORED));
}

/* Memory decode on again lifts the revoke (rev_remap_and_dma()). */
static void rev_check_restored(struct __test_metadata *_metadata,
			       FIXTURE_DATA(revoke) *self, unsigned int page)
{
	ASSERT_EQ(0, cfg_command(&self->shm, PCI_COMMAND_MEMORY, 0));
	rev_remap_and_dma(_metadata, self, page);
}

/*
 * After a reset, memory decode still being on in the command register as
 * the user sees it: the reset revoked the buffer, so the old mapping is
 * gone, and lifted the revoke when it ended, so that without any config
 * space write a new MAP_FILE works, and unmap + MAP_FILE makes edu's DMA
 * land again, as a VMM re-maps after a reset.
 */
static void rev_check_reset(struct __test_metadata *_metadata,
			    FIXTURE_DATA(revoke) *self, unsigned int page)
{
	rev_check_unmapped(_metadata, self, page);
	ASSERT_EQ(0, rev_map(self, REV_NEW_IOVA));
	ASSERT_EQ(0, ioas_unmap(self->iommufd, self->ioas, REV_NEW_IOVA,
				REV_PAGES * PG));
	rev_remap_and_dma(_metadata, self, page);
}

TEST_F(revoke, by_decode_off)
{
	rev_map_and_dma(_metadata, self);
	ASSERT_EQ(0, cfg_command(&self->shm, 0, PCI_COMMAND_MEMORY));
	rev_check_revoked(_metadata, self, 1);
	rev_check_restored(_metadata, self, 1);
}

TEST_F(revoke, by_device_reset)
{
	rev_map_and_dma(_metadata, self);
	ASSERT_EQ(0, ioctl(self->shm.fd, VFIO_DEVICE_RESET)) {
		TH_LOG("VFIO_DEVICE_RESET: %s", strerror(errno));
	}
	rev_check_reset(_metadata, self, 2);
}

/*
 * VFIO_DEVICE_PCI_HOT_RESET in its cdev form (6.12): a zero-length group
 * array, ownership proven by every device of the reset's dev_set being
 * bound to the calling device's iommufd. ivshmem is alone behind its root
 * port, so the set is ivshmem.
 */
TEST_F(revoke, by_hot_reset)
{
	struct vfio_pci_hot_reset hr = { .argsz = sizeof(hr), .count = 0 };
	struct vfio_pci_hot_reset_info info = { .argsz = sizeof(info) };

	/*
	 * The info ioctl, given no room, says how many devices the reset
	 * takes with it (ENOSPC and the count): ivshmem alone.
	 */
	ASSERT_EQ(-1, ioctl(self->shm.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
			    &info));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(1U, info.count);
	rev_map_and_dma(_metadata, self);
	ASSERT_EQ(0, ioctl(self->shm.fd, VFIO_DEVICE_PCI_HOT_RESET, &hr)) {
		TH_LOG("VFIO_DEVICE_PCI_HOT_RESET: %s", strerror(errno));
	}
	rev_check_reset(_metadata, self, 3);
}

/*
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY lets the device runtime-suspend:
 * revoked until LOW_POWER_EXIT.
 */
TEST_F(revoke, by_low_power_entry)
{
	struct vfio_device_feature feat = {
		.argsz = sizeof(feat),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
	};

	rev_map_and_dma(_metadata, self);
	ASSERT_EQ(0, ioctl(self->shm.fd, VFIO_DEVICE_FEATURE, &feat)) {
		TH_LOG("LOW_POWER_ENTRY: %s", strerror(errno));
	}
	rev_check_revoked(_metadata, self, 6);
	feat.flags = VFIO_DEVICE_FEATURE_SET |
		     VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
	ASSERT_EQ(0, ioctl(self->shm.fd, VFIO_DEVICE_FEATURE, &feat));
	/* the exit itself lifts the revoke: no config space write */
	ASSERT_EQ(0, rev_map(self, REV_NEW_IOVA));
	ASSERT_EQ(0, ioas_unmap(self->iommufd, self->ioas, REV_NEW_IOVA,
				REV_PAGES * PG));
	rev_remap_and_dma(_metadata, self, 6);
}

/*
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP: the device
 * runtime-suspends, revoked. Any ioctl resumes it (the vfio core takes a
 * runtime PM reference around each), which signals the eventfd, ends the
 * low power state and lifts the revoke: no config space write and no
 * LOW_POWER_EXIT.
 */
TEST_F(revoke, by_low_power_wakeup)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_low_power_entry_with_wakeup entry;
	} feat = {
		.hdr = {
			.argsz = sizeof(feat),
			.flags = VFIO_DEVICE_FEATURE_SET |
				 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		},
	};
	struct vfio_device_feature leave = {
		.argsz = sizeof(leave),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};
	struct vfio_device_info info = { .argsz = sizeof(info) };
	__u64 wakeups = 0;
	int efd;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	feat.entry.wakeup_eventfd = efd;
	rev_map_and_dma(_metadata, self);
	ASSERT_EQ(0, ioctl(self->shm.fd, VFIO_DEVICE_FEATURE, &feat)) {
		TH_LOG("LOW_POWER_ENTRY_WITH_WAKEUP: %s", strerror(errno));
	}
	rev_check_revoked(_metadata, self, 6);
	ASSERT_EQ(0, ioctl(self->shm.fd, VFIO_DEVICE_GET_INFO, &info));
	if (read(efd, &wakeups, sizeof(wakeups)) != sizeof(wakeups)) {
		/* never suspended, so never resumed: nothing to see here */
		ASSERT_EQ(0, ioctl(self->shm.fd, VFIO_DEVICE_FEATURE, &leave));
		close(efd);
		SKIP(return, "the device did not runtime-suspend");
	}
	close(efd);
	ASSERT_EQ(1ULL, wakeups);
	ASSERT_EQ(0, rev_map(self, REV_NEW_IOVA));
	ASSERT_EQ(0, ioas_unmap(self->iommufd, self->ioas, REV_NEW_IOVA,
				REV_PAGES * PG));
	rev_remap_and_dma(_metadata, self, 6);
}

/*
 * Closing the device revokes for good: the mapping is gone, and the buffer
 * stays revoked when the device is opened again with memory decode on.
 * The BAR is read back through the second open.
 */
TEST_F(revoke, by_device_close_for_good)
{
	rev_map_and_dma(_metadata, self);
	/* the BAR mmap holds the device file open: drop it first */
	ASSERT_EQ(0, munmap((void *)self->bar, REV_PAGES * PG));
	self->bar = NULL;
	close(self->shm.fd);
	self->shm.fd = -1;
	rev_check_revoked(_metadata, self, 4);

	ASSERT_EQ(0, vdev_open(&self->shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE));
	ASSERT_EQ(0, vdev_bind(&self->shm, self->iommufd));
	ASSERT_EQ(0, cfg_command(&self->shm, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, rev_mmap_bar(&self->shm, self->bar2_off, &self->bar));
	ASSERT_EQ(-1, rev_bar_mismatch(self->bar, 1, REV_PG_BEFORE));
	ASSERT_EQ(-1, rev_bar_mismatch(self->bar, 0, 4));
	ASSERT_EQ(-ENODEV, rev_map(self, REV_NEW_IOVA));
	ASSERT_EQ(0, ioas_unmap(self->iommufd, self->ioas, REV_BAR_IOVA,
				REV_PAGES * PG));
	ASSERT_EQ(-ENODEV, rev_map(self, REV_BAR_IOVA));
}

/*
 * A buffer made while memory decode is off starts revoked; decode on lifts
 * it, and a decode off afterwards takes the mapping away again.
 */
TEST_F(revoke, made_with_decode_off_starts_revoked)
{
	ASSERT_EQ(0, cfg_command(&self->shm, 0, PCI_COMMAND_MEMORY));
	self->dmabuf = vdev_export_bar(&self->shm, VFIO_PCI_BAR2_REGION_INDEX,
				       0, REV_PAGES * PG);
	ASSERT_LE(0, self->dmabuf);
	ASSERT_EQ(-ENODEV, rev_map(self, REV_BAR_IOVA));
	ASSERT_EQ(0, cfg_command(&self->shm, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, rev_map(self, REV_BAR_IOVA));
	ASSERT_EQ(0, rev_edu_write(self, 1, REV_PG_BEFORE));
	ASSERT_EQ(-1, rev_bar_mismatch(self->bar, 1, REV_PG_BEFORE));
	ASSERT_EQ(0, cfg_command(&self->shm, 0, PCI_COMMAND_MEMORY));
	rev_check_revoked(_metadata, self, 5);
	rev_check_restored(_metadata, self, 5);
}

TEST_HARNESS_MAIN
