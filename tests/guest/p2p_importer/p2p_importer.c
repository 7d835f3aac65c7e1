// SPDX-License-Identifier: GPL-2.0
/*
 * A dma-buf importer on the edu device for tests/guest/p2p_converter.c.
 *
 * It binds edu (only through driver_override: its ID table is empty) as an
 * ordinary PCI driver using the DMA API, with edu's 28-bit DMA mask, and
 * offers /dev/p2p_importer. Each open file is one importer of one dma-buf
 * passed by fd: dynamic and accepting P2P, so that a VFIO dma-buf of a BAR
 * (a PAL exporter naming its PCI device) is served by the dma-buf core's
 * PAL to SGT converter; or statically attached, or pinning, to reach the
 * exporter's refusal of those. The mapping is made with
 * dma_buf_map_attachment() under the reservation lock, and edu's DMA
 * engine writes a pattern to the DMA address it returned. move_notify
 * records the call and drops the mapping, as a dynamic importer must.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/iopoll.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "p2p_importer.h"

#define DRV_NAME	"p2p-importer-test"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_REG_DMA_SRC	0x80
#define EDU_REG_DMA_DST	0x88
#define EDU_REG_DMA_CNT	0x90
#define EDU_REG_DMA_CMD	0x98
#define EDU_CMD_START	0x1
#define EDU_CMD_TO_RAM	0x2
#define EDU_BUF_ADDR	0x40000
/* QEMU 7.2 aborts the VM on a transfer of 4096 bytes: stay below. */
#define EDU_BUF_MAX	4095
#define EDU_DMA_BITS	28

/* The bound edu device. */
struct p2p_edu {
	struct pci_dev *pdev;
	void __iomem *bar0;
	void *src;		/* staging memory edu reads the pattern from */
	dma_addr_t src_dma;
};

/* One open file: an importer of one dma-buf. */
struct p2p_imp {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	bool pinned;
	/* The fields below are protected by the reservation lock of dmabuf. */
	struct sg_table *sgt;
	u32 move_notify_calls;
	u32 unmapped_by_move_notify;
};

/*
 * p2p_lock protects edu and cur: the bound device (NULL when edu is not
 * bound) and the one open file (NULL when none is open). It is taken
 * before any reservation lock.
 */
static DEFINE_MUTEX(p2p_lock);
static struct p2p_edu *edu;
static struct p2p_imp *cur;

/* Called with the reservation lock held. */
static void p2p_imp_move_notify(struct dma_buf_attachment *attach)
{
	struct p2p_imp *imp = attach->importer_priv;

	imp->move_notify_calls++;
	if (imp->sgt) {
		dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
		imp->unmapped_by_move_notify++;
	}
}

static const struct dma_buf_attach_ops p2p_imp_attach_ops = {
	.allow_peer2peer = true,
	.move_notify = p2p_imp_move_notify,
};

/* Drops the mapping, the pin and the attachment. Called with p2p_lock. */
static void p2p_imp_detach(struct p2p_imp *imp)
{
	if (!imp->attach)
		return;
	dma_resv_lock(imp->dmabuf->resv, NULL);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt,
					 DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	if (imp->pinned)
		dma_buf_unpin(imp->attach);
	imp->pinned = false;
	dma_resv_unlock(imp->dmabuf->resv);
	dma_buf_detach(imp->dmabuf, imp->attach);
	imp->attach = NULL;
	dma_buf_put(imp->dmabuf);
	imp->dmabuf = NULL;
}

static int p2p_imp_attach(struct p2p_imp *imp, struct p2p_imp_attach *arg)
{
	struct device *dev = &edu->pdev->dev;
	const struct dma_buf_mapping_match static_p2p[] = {
		DMA_BUF_IMAPPING_SGT(dev, DMA_BUF_SGT_IMP_ACCEPTS_P2P),
	};
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	int ret;

	if (imp->attach)
		return -EBUSY;
	dmabuf = dma_buf_get(arg->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	switch (arg->mode) {
	case P2P_IMP_DYNAMIC:
	case P2P_IMP_DYNAMIC_PIN:
		attach = dma_buf_dynamic_attach(dmabuf, dev,
						&p2p_imp_attach_ops, imp);
		break;
	case P2P_IMP_STATIC_P2P:
		attach = dma_buf_mapping_attach(dmabuf, static_p2p,
						ARRAY_SIZE(static_p2p), NULL,
						NULL);
		break;
	default:
		attach = ERR_PTR(-EINVAL);
		break;
	}
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto err_put;
	}

	if (arg->mode == P2P_IMP_DYNAMIC_PIN) {
		dma_resv_lock(dmabuf->resv, NULL);
		ret = dma_buf_pin(attach);
		dma_resv_unlock(dmabuf->resv);
		if (ret)
			goto err_detach;
		imp->pinned = true;
	}
	imp->dmabuf = dmabuf;
	imp->attach = attach;
	return 0;

err_detach:
	dma_buf_detach(dmabuf, attach);
err_put:
	dma_buf_put(dmabuf);
	return ret;
}

static int p2p_imp_map(struct p2p_imp *imp, struct p2p_imp_map *arg)
{
	struct sg_table *sgt;
	int ret = 0;

	if (!imp->attach)
		return -EINVAL;
	dma_resv_lock(imp->dmabuf->resv, NULL);
	if (imp->sgt) {
		ret = -EBUSY;
		goto out_unlock;
	}
	sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto out_unlock;
	}
	imp->sgt = sgt;
	arg->dma_addr = sg_dma_address(sgt->sgl);
	arg->dma_len = sg_dma_len(sgt->sgl);
	arg->nents = sgt->nents;
	arg->bus_addr = sg_dma_is_bus_address(sgt->sgl);
	dev_info(&edu->pdev->dev,
		 "converter path: %s, DMA address %pad, %u bytes, %u entries\n",
		 arg->bus_addr ? "PCI bus address" :
				 "host bridge (dma_map_resource)",
		 &sgt->sgl->dma_address, sg_dma_len(sgt->sgl), sgt->nents);
out_unlock:
	dma_resv_unlock(imp->dmabuf->resv);
	return ret;
}

/* One edu transfer between its buffer and @addr; waits up to a second. */
static int p2p_edu_dma(dma_addr_t addr, size_t len, bool to_ram)
{
	u64 cmd = EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0);

	writeq(to_ram ? EDU_BUF_ADDR : addr, edu->bar0 + EDU_REG_DMA_SRC);
	writeq(to_ram ? addr : EDU_BUF_ADDR, edu->bar0 + EDU_REG_DMA_DST);
	writeq(len, edu->bar0 + EDU_REG_DMA_CNT);
	writeq(cmd, edu->bar0 + EDU_REG_DMA_CMD);
	return readq_poll_timeout(edu->bar0 + EDU_REG_DMA_CMD, cmd,
				  !(cmd & EDU_CMD_START), 100, USEC_PER_SEC);
}

static int p2p_imp_dma(struct p2p_imp *imp, struct p2p_imp_dma *arg)
{
	dma_addr_t dst;
	int ret;

	if (!imp->attach)
		return -EINVAL;
	if (!arg->len || arg->len > EDU_BUF_MAX)
		return -EINVAL;
	if (copy_from_user(edu->src, u64_to_user_ptr(arg->pattern), arg->len))
		return -EFAULT;

	dma_resv_lock(imp->dmabuf->resv, NULL);
	if (!imp->sgt) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (arg->offset >= sg_dma_len(imp->sgt->sgl) ||
	    arg->len > sg_dma_len(imp->sgt->sgl) - arg->offset) {
		ret = -EINVAL;
		goto out_unlock;
	}
	dst = sg_dma_address(imp->sgt->sgl) + arg->offset;
	if (dst + arg->len - 1 > DMA_BIT_MASK(EDU_DMA_BITS)) {
		dev_warn(&edu->pdev->dev,
			 "DMA address %pad is above edu's %d-bit mask\n", &dst,
			 EDU_DMA_BITS);
		ret = -ERANGE;
		goto out_unlock;
	}
	ret = p2p_edu_dma(edu->src_dma, arg->len, false);
	if (!ret)
		ret = p2p_edu_dma(dst, arg->len, true);
out_unlock:
	dma_resv_unlock(imp->dmabuf->resv);
	return ret;
}

static int p2p_imp_state(struct p2p_imp *imp, struct p2p_imp_state *arg)
{
	if (!imp->attach)
		return -EINVAL;
	dma_resv_lock(imp->dmabuf->resv, NULL);
	arg->move_notify_calls = imp->move_notify_calls;
	arg->unmapped_by_move_notify = imp->unmapped_by_move_notify;
	arg->mapped = !!imp->sgt;
	dma_resv_unlock(imp->dmabuf->resv);
	return 0;
}

static int p2p_imp_unmap(struct p2p_imp *imp)
{
	int ret = 0;

	if (!imp->attach)
		return -EINVAL;
	dma_resv_lock(imp->dmabuf->resv, NULL);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt,
					 DMA_BIDIRECTIONAL);
	else
		ret = -ENOENT;
	imp->sgt = NULL;
	dma_resv_unlock(imp->dmabuf->resv);
	return ret;
}

static long p2p_imp_ioctl(struct file *file, unsigned int cmd,
			  unsigned long uarg)
{
	struct p2p_imp *imp = file->private_data;
	void __user *up = (void __user *)uarg;
	union {
		struct p2p_imp_attach attach;
		struct p2p_imp_map map;
		struct p2p_imp_dma dma;
		struct p2p_imp_state state;
	} arg;
	long ret;

	if (_IOC_SIZE(cmd) > sizeof(arg))
		return -ENOTTY;
	memset(&arg, 0, sizeof(arg));
	if ((_IOC_DIR(cmd) & _IOC_WRITE) &&
	    copy_from_user(&arg, up, _IOC_SIZE(cmd)))
		return -EFAULT;

	mutex_lock(&p2p_lock);
	if (!edu) {
		ret = -ENODEV;
		goto out_unlock;
	}
	switch (cmd) {
	case P2P_IMP_ATTACH:
		ret = p2p_imp_attach(imp, &arg.attach);
		break;
	case P2P_IMP_MAP:
		ret = p2p_imp_map(imp, &arg.map);
		break;
	case P2P_IMP_DMA:
		ret = p2p_imp_dma(imp, &arg.dma);
		break;
	case P2P_IMP_STATE:
		ret = p2p_imp_state(imp, &arg.state);
		break;
	case P2P_IMP_UNMAP:
		ret = p2p_imp_unmap(imp);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
out_unlock:
	mutex_unlock(&p2p_lock);

	if (!ret && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(up, &arg, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	return ret;
}

static int p2p_imp_open(struct inode *inode, struct file *file)
{
	struct p2p_imp *imp;
	int ret = 0;

	imp = kzalloc(sizeof(*imp), GFP_KERNEL);
	if (!imp)
		return -ENOMEM;
	mutex_lock(&p2p_lock);
	if (cur)
		ret = -EBUSY;
	else
		cur = imp;
	mutex_unlock(&p2p_lock);
	if (ret) {
		kfree(imp);
		return ret;
	}
	file->private_data = imp;
	return 0;
}

static int p2p_imp_release(struct inode *inode, struct file *file)
{
	struct p2p_imp *imp = file->private_data;

	mutex_lock(&p2p_lock);
	p2p_imp_detach(imp);
	cur = NULL;
	mutex_unlock(&p2p_lock);
	kfree(imp);
	return 0;
}

static const struct file_operations p2p_imp_fops = {
	.owner = THIS_MODULE,
	.open = p2p_imp_open,
	.release = p2p_imp_release,
	.unlocked_ioctl = p2p_imp_ioctl,
};

static struct miscdevice p2p_imp_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "p2p_importer",
	.fops = &p2p_imp_fops,
};

static int p2p_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct p2p_edu *e;
	int ret;

	if (pdev->vendor != EDU_VENDOR || pdev->device != EDU_DEVICE)
		return -ENODEV;

	e = devm_kzalloc(&pdev->dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), DRV_NAME);
	if (ret)
		return ret;
	e->bar0 = pcim_iomap_table(pdev)[0];
	ret = dma_set_mask_and_coherent(&pdev->dev,
					DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		return ret;
	e->src = dmam_alloc_coherent(&pdev->dev, PAGE_SIZE, &e->src_dma,
				     GFP_KERNEL);
	if (!e->src)
		return -ENOMEM;
	pci_set_master(pdev);

	mutex_lock(&p2p_lock);
	if (edu)
		ret = -EBUSY;
	else
		edu = e;
	mutex_unlock(&p2p_lock);
	return ret;
}

static void p2p_edu_remove(struct pci_dev *pdev)
{
	mutex_lock(&p2p_lock);
	if (cur)
		p2p_imp_detach(cur);
	edu = NULL;
	mutex_unlock(&p2p_lock);
	pci_clear_master(pdev);
}

/* Empty: the driver binds only through driver_override. */
static const struct pci_device_id p2p_edu_table[] = {
	{}
};

static struct pci_driver p2p_edu_driver = {
	.name = DRV_NAME,
	.id_table = p2p_edu_table,
	.probe = p2p_edu_probe,
	.remove = p2p_edu_remove,
};

static int __init p2p_imp_init(void)
{
	int ret;

	ret = misc_register(&p2p_imp_misc);
	if (ret)
		return ret;
	ret = pci_register_driver(&p2p_edu_driver);
	if (ret)
		misc_deregister(&p2p_imp_misc);
	return ret;
}
module_init(p2p_imp_init);

static void __exit p2p_imp_exit(void)
{
	pci_unregister_driver(&p2p_edu_driver);
	misc_deregister(&p2p_imp_misc);
}
module_exit(p2p_imp_exit);

MODULE_DESCRIPTION("guest test: a P2P SGT dma-buf importer on the edu device");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
