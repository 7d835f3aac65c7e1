// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF is an opt-in of the driver: only a driver
 * that sets vfio_pci_core_device.dma_buf_ops exports dma-bufs, as vfio-pci
 * does. A variant driver that does not (it may hide part of a BAR, like
 * hisi_acc, or present other memory as a BAR, like nvgrace-gpu) answers
 * EOPNOTSUPP, PROBE included, before looking at the request.
 *
 * scripts/guest-progs.sh builds tests/guest/variant against the booted
 * kernel and puts it into /tests as vfio_variant.ko: a driver made of
 * vfio-pci-core's functions, as vfio-pci is, without dma_buf_ops, that
 * binds only through driver_override. ivshmem is bound to it, then back
 * to vfio-pci, where export must work.
 *
 * The same module has a second driver that opts in with vfio-pci's own
 * vfio_pci_core_bar_dma_buf_phys() but shows it the BAR as the PCI core
 * leaves one it could not assign (IORESOURCE_UNSET): the export must be
 * ENODEV, as mmap of such a BAR is refused, and never hand out the
 * resource's stale start as a physical address.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "guest.h"
/* The harness has unused parameters, which -Wextra -Werror refuses. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#define PG		4096ULL
#define VARIANT_KO	"/tests/vfio_variant.ko"
#define VARIANT		"vfio-pci-noexport-test"
#define UNSETBAR	"vfio-pci-unsetbar-test"

/* Load the variant driver; it may be loaded already. 0 or -errno. */
static int load_variant(void)
{
	int fd, ret;

	fd = open(VARIANT_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret == -EEXIST ? 0 : ret;
}

/* A dma-buf PROBE (of GET) on @fd: 0 or -errno. */
static int dma_buf_probe(int fd)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_dma_buf db;
	} req = {
		.hdr = {
			.argsz = sizeof(req),
			.flags = VFIO_DEVICE_FEATURE_PROBE |
				 VFIO_DEVICE_FEATURE_GET |
				 VFIO_DEVICE_FEATURE_DMA_BUF,
		},
	};

	return ioctl(fd, VFIO_DEVICE_FEATURE, &req) ? -errno : 0;
}

/* Export [0, len) of BAR2 of @v: the fd, or -errno. */
static int export_bar2(struct vdev *v, __u64 len)
{
	int fd = vdev_export_bar(v, VFIO_PCI_BAR2_REGION_INDEX, 0, len);

	return fd < 0 ? -errno : fd;
}

/* The state of both fixtures: ivshmem on a test driver. */
struct on_driver {
	char bdf[32];
	struct vdev dev;
	int iommufd;
};

FIXTURE(variant) {
	struct on_driver o;
};

/*
 * Bind ivshmem to @driver, open it through its cdev and bind it to a new
 * iommufd; 0 or -1 (and a log line).
 */
static int on_driver_setup(struct __test_metadata *_metadata,
			   struct on_driver *o, const char *driver)
{
	o->dev.fd = -1;
	o->iommufd = -1;
	if (find_pci(IVSHMEM_VENDOR, IVSHMEM_DEVICE, o->bdf, sizeof(o->bdf)) ||
	    load_variant())
		return -1;
	if (pci_bind_driver(o->bdf, driver)) {
		TH_LOG("binding %s to %s failed", o->bdf, driver);
		return -1;
	}
	if (vdev_open(&o->dev, IVSHMEM_VENDOR, IVSHMEM_DEVICE))
		return -1;
	o->iommufd = open("/dev/iommu", O_RDWR);
	if (o->iommufd < 0)
		return -1;
	return vdev_bind(&o->dev, o->iommufd) ? -1 : 0;
}

/* Back to vfio-pci, for the tests after this program. */
static void on_driver_teardown(struct __test_metadata *_metadata,
			       struct on_driver *o)
{
	if (o->dev.fd >= 0)
		close(o->dev.fd);
	if (o->iommufd >= 0)
		close(o->iommufd);
	if (o->bdf[0] && pci_bind_driver(o->bdf, "vfio-pci"))
		TH_LOG("binding %s back to vfio-pci failed", o->bdf);
}

/* ivshmem on the variant driver, opened through its cdev and iommufd. */
FIXTURE_SETUP(variant)
{
	ASSERT_EQ(0, on_driver_setup(_metadata, &self->o, VARIANT));
}

FIXTURE_TEARDOWN(variant)
{
	on_driver_teardown(_metadata, &self->o);
}

/* The variant driver is a working vfio-pci-core device otherwise. */
TEST_F(variant, is_a_vfio_pci_core_device)
{
	struct vfio_device_feature lp = {
		.argsz = sizeof(lp),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
	};
	struct vfio_region_info reg;

	ASSERT_EQ(0, region_info(&self->o.dev, VFIO_PCI_BAR2_REGION_INDEX, &reg));
	ASSERT_LE(4 * PG, reg.size);
	ASSERT_EQ(0, ioctl(self->o.dev.fd, VFIO_DEVICE_FEATURE, &lp));
	ASSERT_EQ(0, cfg_command(&self->o.dev, PCI_COMMAND_MEMORY, 0));
}

TEST_F(variant, probe_is_eopnotsupp)
{
	ASSERT_EQ(-EOPNOTSUPP, dma_buf_probe(self->o.dev.fd));
}

TEST_F(variant, get_is_eopnotsupp)
{
	ASSERT_EQ(0, cfg_command(&self->o.dev, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(-EOPNOTSUPP, export_bar2(&self->o.dev, PG));
	/* checked before anything else: a bad request gets the same */
	ASSERT_EQ(-EOPNOTSUPP, export_bar2(&self->o.dev, 0));
}

FIXTURE(unsetbar) {
	struct on_driver o;
};

/* ivshmem on the driver whose BAR2 looks unassigned to the export. */
FIXTURE_SETUP(unsetbar)
{
	ASSERT_EQ(0, on_driver_setup(_metadata, &self->o, UNSETBAR));
}

FIXTURE_TEARDOWN(unsetbar)
{
	on_driver_teardown(_metadata, &self->o);
}

/* The driver opted in, so PROBE succeeds; the unassigned BAR does not. */
TEST_F(unsetbar, export_is_enodev)
{
	ASSERT_EQ(0, dma_buf_probe(self->o.dev.fd));
	ASSERT_EQ(0, cfg_command(&self->o.dev, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(-ENODEV, export_bar2(&self->o.dev, PG));
	ASSERT_EQ(-ENODEV, export_bar2(&self->o.dev, 4 * PG));
}

/* ivshmem back on vfio-pci (the teardowns above did it): export works. */
TEST(vfio_pci_exports_again)
{
	struct vdev dev;
	struct stat st;
	int iommufd, fd;

	ASSERT_EQ(0, find_pci(IVSHMEM_VENDOR, IVSHMEM_DEVICE, dev.bdf,
			      sizeof(dev.bdf)));
	ASSERT_EQ(0, pci_bind_driver(dev.bdf, "vfio-pci"));
	ASSERT_EQ(0, vdev_open(&dev, IVSHMEM_VENDOR, IVSHMEM_DEVICE));
	iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, iommufd);
	ASSERT_EQ(0, vdev_bind(&dev, iommufd));
	ASSERT_EQ(0, dma_buf_probe(dev.fd));
	fd = export_bar2(&dev, 2 * PG);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	ASSERT_EQ((off_t)(2 * PG), st.st_size);
	close(fd);
	close(dev.fd);
	close(iommufd);
}

TEST_HARNESS_MAIN
