// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-buf core's PAL to SGT converter with a real device: an SGT
 * importer that accepts P2P, on edu, imports a VFIO dma-buf of ivshmem's
 * BAR2 (a PAL exporter entry naming its PCI device), and edu's DMA engine
 * writes to the DMA address the converter returned.
 *
 * scripts/guest-progs.sh builds tests/guest/p2p_importer against the booted
 * kernel and puts it into /tests as p2p_importer.ko: a PCI driver that
 * binds edu through driver_override, with edu's 28-bit DMA mask, and offers
 * /dev/p2p_importer (one importer per open file, see
 * p2p_importer/p2p_importer.h). Each test binds edu to it and back to
 * vfio-pci at the end; ivshmem stays on vfio-pci, which exports the buffer
 * (BAR2 [0, CONV_PAGES pages)) and gives the CPU's view of the BAR through
 * its mmap.
 *
 * edu and ivshmem share no PCI switch (edu is on the root bus, ivshmem
 * behind a root port), so the converter must map through the host bridge
 * with dma_map_resource(), which goes through the IOMMU here. The PCI core
 * allows that only on host bridges it knows or on AMD Zen CPUs: scripts/vm.sh
 * gives the guest an AMD family 17h CPU for it.
 *
 * Revoke is memory decode off through vfio's config space: the importer's
 * move_notify must be called (the module records it and drops its mapping)
 * and a new map must fail with ENODEV until decode is on again.
 *
 * vfio-pci refuses importers that would pin its memory: an importer that is
 * not dynamic, and a dynamic one calling dma_buf_pin(). Both accept P2P, so
 * the core's negotiation passes and vfio's own checks decide.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include "guest.h"
#include "p2p_importer/p2p_importer.h"
/* The harness has unused parameters, which -Wextra -Werror refuses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define PG		4096ULL
#define IMPORTER_KO	"/tests/p2p_importer.ko"
#define IMPORTER	"p2p-importer-test"
#define IMPORTER_DEV	"/dev/p2p_importer"
#define CONV_PAGES	8
#define CONV_LEN	2048
#define EDU_DMA_LIMIT	(1ULL << 28)

/* Load the importer module; it may be loaded already. 0 or -errno. */
static int load_importer(void)
{
	int fd, ret;

	fd = open(IMPORTER_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret == -EEXIST ? 0 : ret;
}

/* The importer's ioctls: 0 or -errno. */
static int imp_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int imp_attach(int fd, int dmabuf, enum p2p_imp_mode mode)
{
	struct p2p_imp_attach a = { .fd = dmabuf, .mode = mode };

	return imp_ioctl(fd, P2P_IMP_ATTACH, &a);
}

/* edu writes CONV_LEN bytes of pattern @seed at @offset of the mapping. */
static int imp_dma_pattern(int fd, unsigned int seed, __u64 offset)
{
	unsigned char buf[CONV_LEN];
	struct p2p_imp_dma d = {
		.offset = offset,
		.len = sizeof(buf),
		.pattern = (uintptr_t)buf,
	};
	unsigned int i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = dma_pattern(seed, i);
	return imp_ioctl(fd, P2P_IMP_DMA, &d);
}

FIXTURE(conv) {
	char edu_bdf[32];
	struct vdev shm;
	int iommufd;
	volatile unsigned char *bar;	/* vfio mmap of BAR2 [0, CONV_PAGES) */
	int dmabuf;
	int imp;
};

FIXTURE_SETUP(conv)
{
	struct vfio_region_info reg;
	void *p;
	unsigned int i;

	self->shm.fd = -1;
	self->iommufd = -1;
	self->bar = NULL;
	self->dmabuf = -1;
	self->imp = -1;
	ASSERT_EQ(0, find_pci(EDU_VENDOR, EDU_DEVICE, self->edu_bdf,
			      sizeof(self->edu_bdf)));
	ASSERT_EQ(0, load_importer());
	ASSERT_EQ(0, pci_bind_driver(self->edu_bdf, IMPORTER)) {
		TH_LOG("binding %s to %s failed", self->edu_bdf, IMPORTER);
	}

	ASSERT_EQ(0, vdev_open(&self->shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE));
	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, vdev_bind(&self->shm, self->iommufd));
	ASSERT_EQ(0, region_info(&self->shm, VFIO_PCI_BAR2_REGION_INDEX, &reg));
	ASSERT_LE(CONV_PAGES * PG, reg.size);
	ASSERT_EQ(0, cfg_command(&self->shm, PCI_COMMAND_MEMORY, 0));
	p = mmap(NULL, CONV_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->shm.fd, reg.offset);
	ASSERT_NE(MAP_FAILED, p);
	self->bar = p;
	for (i = 0; i < CONV_PAGES * PG; i++)
		self->bar[i] = 0;

	self->dmabuf = vdev_export_bar(&self->shm, VFIO_PCI_BAR2_REGION_INDEX,
				       0, CONV_PAGES * PG);
	ASSERT_LE(0, self->dmabuf);
	self->imp = open(IMPORTER_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->imp);
}

/* Closing the importer file detaches; edu goes back to vfio-pci. */
FIXTURE_TEARDOWN(conv)
{
	if (self->imp >= 0)
		close(self->imp);
	if (self->dmabuf >= 0)
		close(self->dmabuf);
	if (self->bar)
		munmap((void *)self->bar, CONV_PAGES * PG);
	if (self->shm.fd >= 0)
		close(self->shm.fd);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->edu_bdf[0] && pci_bind_driver(self->edu_bdf, "vfio-pci"))
		TH_LOG("binding %s back to vfio-pci failed", self->edu_bdf);
}

/*
 * One sg_table entry for the one range, mapped through the host bridge
 * (not a PCI bus address), below edu's DMA mask.
 */
TEST_F(conv, maps_through_the_host_bridge)
{
	struct p2p_imp_map m;

	ASSERT_EQ(0, imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	TH_LOG("converter path: %s, DMA address 0x%llx, %llu bytes, %u entries",
	       m.bus_addr ? "PCI bus address" : "host bridge",
	       (unsigned long long)m.dma_addr, (unsigned long long)m.dma_len,
	       m.nents);
	ASSERT_EQ(0U, m.bus_addr);
	ASSERT_EQ(1U, m.nents);
	ASSERT_EQ(CONV_PAGES * PG, m.dma_len);
	ASSERT_GE(EDU_DMA_LIMIT, m.dma_addr + m.dma_len) {
		TH_LOG("the IOVA is above edu's 28-bit DMA mask");
	}
}

/* edu's DMA to the converter's address lands in the BAR, and only there. */
TEST_F(conv, edu_dma_lands_in_the_bar)
{
	struct p2p_imp_map m;
	unsigned int i;

	ASSERT_EQ(0, imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	ASSERT_EQ(0, imp_dma_pattern(self->imp, 1, PG));
	ASSERT_EQ(-1, pattern_mismatch(self->bar + PG, 1, CONV_LEN));
	for (i = 0; i < PG; i++)
		ASSERT_EQ(0, self->bar[i]);
	for (i = PG + CONV_LEN; i < 2 * PG; i++)
		ASSERT_EQ(0, self->bar[i]);
}

/* Decode off: vfio revokes, the importer's move_notify runs. */
TEST_F(conv, revoke_calls_move_notify)
{
	struct p2p_imp_state st;
	struct p2p_imp_map m;

	ASSERT_EQ(0, imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_STATE, &st));
	ASSERT_EQ(0U, st.move_notify_calls);
	ASSERT_EQ(1U, st.mapped);
	ASSERT_EQ(0, cfg_command(&self->shm, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_STATE, &st));
	ASSERT_EQ(1U, st.move_notify_calls);
	ASSERT_EQ(1U, st.unmapped_by_move_notify);
	ASSERT_EQ(0U, st.mapped);
}

/* After the revoke and the unmap, a new map fails with ENODEV. */
TEST_F(conv, map_after_revoke_is_enodev)
{
	struct p2p_imp_state st;
	struct p2p_imp_map m;

	ASSERT_EQ(0, imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	ASSERT_EQ(0, cfg_command(&self->shm, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_STATE, &st));
	ASSERT_EQ(0U, st.mapped);
	ASSERT_EQ(-ENODEV, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	/* the edu DMA has no mapping to go to */
	ASSERT_EQ(-ENOENT, imp_dma_pattern(self->imp, 2, PG));
}

/* Decode on again lifts the revoke: map, and the DMA lands again. */
TEST_F(conv, maps_again_after_decode_on)
{
	struct p2p_imp_map m;

	ASSERT_EQ(0, imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	ASSERT_EQ(0, cfg_command(&self->shm, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(-ENODEV, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	ASSERT_EQ(0, cfg_command(&self->shm, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, imp_ioctl(self->imp, P2P_IMP_MAP, &m));
	ASSERT_EQ(0, imp_dma_pattern(self->imp, 3, 2 * PG));
	ASSERT_EQ(-1, pattern_mismatch(self->bar + 2 * PG, 3, CONV_LEN));
}

/*
 * A static importer accepting P2P passes the core's negotiation (the
 * converter matches it) and reaches vfio's attach, which refuses it: 6.12
 * would pin and map its attachment at attach time.
 */
TEST_F(conv, static_importer_refused_by_vfio)
{
	ASSERT_EQ(-EOPNOTSUPP,
		  imp_attach(self->imp, self->dmabuf, P2P_IMP_STATIC_P2P));
	/*
	 * The same device accepting P2P, dynamic: attaches. So the
	 * negotiation matched the static one too, and vfio refused it.
	 */
	ASSERT_EQ(0, imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC));
}

/* A dynamic importer may attach, but vfio refuses dma_buf_pin(). */
TEST_F(conv, pinning_importer_refused_by_vfio)
{
	ASSERT_EQ(-EOPNOTSUPP,
		  imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC_PIN));
	/* the refused pin left no attachment behind: a plain one works */
	ASSERT_EQ(0, imp_attach(self->imp, self->dmabuf, P2P_IMP_DYNAMIC));
}

TEST_HARNESS_MAIN
