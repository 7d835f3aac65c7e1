// SPDX-License-Identifier: GPL-2.0
/*
 * Two vfio-pci variant drivers for tests/guest/vfio_variant.c; everything
 * else is vfio-pci-core's, as in vfio-pci itself:
 *
 * - vfio-pci-noexport-test does not set vfio_pci_core_device.dma_buf_ops.
 *   It stands for the variant drivers that hide or fake BAR space
 *   (hisi_acc, nvgrace-gpu): VFIO_DEVICE_FEATURE_DMA_BUF must be
 *   -EOPNOTSUPP on its devices.
 * - vfio-pci-unsetbar-test opts in with vfio-pci's own
 *   vfio_pci_core_bar_dma_buf_phys(), but marks the BAR IORESOURCE_UNSET
 *   for the duration of the call, as the PCI core leaves a BAR it could
 *   not assign: the export must be -ENODEV, never the stale address.
 *
 * Their ID tables only match through driver_override, and the module has
 * no MODULE_DEVICE_TABLE(), so they never bind to anything on their own.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio_pci_core.h>

#define DRV_NAME "vfio-pci-noexport-test"
#define UNSET_DRV_NAME "vfio-pci-unsetbar-test"

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

/* The BAR as the PCI core leaves it when it cannot assign it. */
static int unsetbar_get_phys(struct vfio_pci_core_device *vdev,
			     u32 region_index,
			     const struct vfio_region_dma_range *ranges,
			     u32 nr_ranges, struct dma_buf_phys_vec *phys)
{
	struct resource *res = pci_resource_n(vdev->pdev, region_index);
	unsigned long flags = res->flags;
	int ret;

	res->flags |= IORESOURCE_UNSET;
	ret = vfio_pci_core_bar_dma_buf_phys(vdev, region_index, ranges,
					     nr_ranges, phys);
	res->flags = flags;
	return ret;
}

static const struct vfio_pci_dma_buf_ops unsetbar_dma_buf_ops = {
	.get_phys = unsetbar_get_phys,
};

static int variant_probe(struct pci_dev *pdev,
			 const struct vfio_pci_dma_buf_ops *dma_buf_ops)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &noexport_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	/* NULL for vfio-pci-noexport-test: it does not opt in to export. */
	vdev->dma_buf_ops = dma_buf_ops;
	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	return 0;
}

static int noexport_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return variant_probe(pdev, NULL);
}

static int unsetbar_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return variant_probe(pdev, &unsetbar_dma_buf_ops);
}

static void variant_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static const struct pci_device_id variant_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{}
};

static struct pci_driver noexport_driver = {
	.name			= DRV_NAME,
	.id_table		= variant_table,
	.probe			= noexport_probe,
	.remove			= variant_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};

static struct pci_driver unsetbar_driver = {
	.name			= UNSET_DRV_NAME,
	.id_table		= variant_table,
	.probe			= unsetbar_probe,
	.remove			= variant_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};

static int __init variant_init(void)
{
	int ret;

	ret = pci_register_driver(&noexport_driver);
	if (ret)
		return ret;
	ret = pci_register_driver(&unsetbar_driver);
	if (ret)
		pci_unregister_driver(&noexport_driver);
	return ret;
}
module_init(variant_init);

static void __exit variant_exit(void)
{
	pci_unregister_driver(&unsetbar_driver);
	pci_unregister_driver(&noexport_driver);
}
module_exit(variant_exit);

MODULE_DESCRIPTION("guest test: vfio-pci variant drivers without dma-buf export and with an unassigned BAR");
MODULE_LICENSE("GPL");
