// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF through the real uAPI, on the BARs of the
 * ivshmem-plain device (BAR0: 256 bytes of registers, BAR1: not
 * implemented, BAR2: the shared memory, 4 MiB) bound to vfio-pci.
 *
 * Every errno of the contract (DESIGN.md section 6) is triggered on purpose,
 * PROBE is checked, buffers of one and of several ranges are made, and a
 * buffer can be made while memory decode is off. The revoke tests need an
 * importer reachable from userspace, iommufd's IOMMU_IOAS_MAP_FILE: they
 * skip when the uAPI headers do not have it.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <drm/drm.h>

#include "guest.h"
/* The harness has unused parameters, which -Wextra -Werror refuses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

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

TEST_F(dmabuf, buffer_outlives_device_close)
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

TEST_F(dmabuf, made_with_decode_off)
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

TEST_F(dmabuf, survives_reset_and_decode_toggles)
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
 * A dma-buf importer that is not dynamic (it would pin the memory at attach
 * time) is refused: vgem imports through the legacy non-dynamic attach.
 */
TEST_F(dmabuf, non_dynamic_importer_refused)
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
	close(fd);
	close(card);
}

#ifdef IOMMU_IOAS_MAP_FILE
/* Map the whole buffer into a fresh IOAS; 0 or -errno. */
static int map_file(int iommufd, __u32 ioas_id, int fd, __u64 length)
{
	struct iommu_ioas_map_file m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.fd = fd,
		.start = 0,
		.length = length,
		.iova = 0x1000000,
	};
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ioas_id,
		.iova = 0x1000000,
		.length = length,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &m))
		return -errno;
	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &u))
		return -errno;
	return 0;
}
#endif

TEST_F(dmabuf, revoke_seen_by_importer)
{
#ifdef IOMMU_IOAS_MAP_FILE
	struct vfio_region_dma_range r = { 0, PG };
	__u32 ioas_id;
	int fd;

	ASSERT_EQ(0, ioas_alloc(self->iommufd, &ioas_id));
	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, map_file(self->iommufd, ioas_id, fd, PG));
	/* decode off: revoked; on again: lifted */
	ASSERT_EQ(0, cfg_command(&self->dev, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(-ENODEV, map_file(self->iommufd, ioas_id, fd, PG));
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, map_file(self->iommufd, ioas_id, fd, PG));
	/* reset: revoked until decode is enabled again */
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_RESET));
	ASSERT_EQ(-ENODEV, map_file(self->iommufd, ioas_id, fd, PG));
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, map_file(self->iommufd, ioas_id, fd, PG));
	/* made with decode off: starts revoked */
	close(fd);
	ASSERT_EQ(0, cfg_command(&self->dev, 0, PCI_COMMAND_MEMORY));
	fd = dma_buf_get(self->dev.fd, 2, 1, &r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-ENODEV, map_file(self->iommufd, ioas_id, fd, PG));
	ASSERT_EQ(0, cfg_command(&self->dev, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, map_file(self->iommufd, ioas_id, fd, PG));
	/* device close: revoked for good */
	close(self->dev.fd);
	self->dev.fd = -1;
	ASSERT_EQ(-ENODEV, map_file(self->iommufd, ioas_id, fd, PG));
	close(fd);
#else
	SKIP(return, "no IOMMU_IOAS_MAP_FILE in these uAPI headers");
#endif
}

TEST_HARNESS_MAIN
