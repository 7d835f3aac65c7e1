// SPDX-License-Identifier: GPL-2.0
/*
 * A vfio-pci variant driver for tests/guest/vfio_variant.c: everything is
 * vfio-pci-core's, as in vfio-pci itself, except that it does not set
 * vfio_pci_core_device.dma_buf_ops. It stands for the variant drivers that
 * hide or fake BAR space (hisi_acc, nvgrace-gpu): VFIO_DEVICE_FEATURE_DMA_BUF
 * must be -EOPNOTSUPP on its devices.
 *
 * Its ID table only matches through driver_override, and it has no
 * MODULE_DEVICE_TABLE(), so it never binds to anything on its own.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio_pci_core.h>

#define DRV_NAME "vfio-pci-noexport-test"

static int noexport_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	return 0;
}

static const struct vfio_device_ops noexport_ops = {
	.name		= DRV_NAME,
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
	.open_device	= noexport_open_device,
	.close_device	= vfio_pci_core_close_device,
	.ioctl		= vfio_pci_core_ioctl,
	.device_feature	= vfio_pci_core_ioctl_feature,
	.read		= vfio_pci_core_read,
	.write		= vfio_pci_core_write,
	.mmap		= vfio_pci_core_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
	.bind_iommufd	= vfio_iommufd_physical_bind,
	.unbind_iommufd	= vfio_iommufd_physical_unbind,
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
};

static int noexport_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &noexport_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	/* No vdev->dma_buf_ops: this driver does not opt in to export. */
	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	return 0;
}

static void noexport_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static const struct pci_device_id noexport_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{}
};

static struct pci_driver noexport_driver = {
	.name			= DRV_NAME,
	.id_table		= noexport_table,
	.probe			= noexport_probe,
	.remove			= noexport_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};
module_pci_driver(noexport_driver);

MODULE_DESCRIPTION("guest test: a vfio-pci variant driver without dma-buf export");
MODULE_LICENSE("GPL");
