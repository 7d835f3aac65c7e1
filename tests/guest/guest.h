/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest programs: find the QEMU test devices, open
 * them through the vfio cdev and iommufd, and reach their config space and
 * BARs through the vfio regions.
 */
#ifndef GUEST_H
#define GUEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110

/* edu's BAR0 registers and its internal DMA buffer. */
#define EDU_REG_DMA_SRC	0x80
#define EDU_REG_DMA_DST	0x88
#define EDU_REG_DMA_CNT	0x90
#define EDU_REG_DMA_CMD	0x98
#define EDU_CMD_START	0x1
#define EDU_CMD_TO_RAM	0x2
#define EDU_BUF_ADDR	0x40000
/* QEMU 7.2 aborts the VM on a 4096-byte transfer: stay below. */
#define EDU_BUF_MAX	4095

struct vdev {
	char bdf[32];
	int fd;			/* vfio cdev */
	__u32 devid;		/* iommufd device id */
	__u64 cfg_off;		/* config region offset in fd */
};

static inline void step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

/*
 * Whether the guest runs the debug kernel: scripts/vm.sh puts
 * GUEST_VARIANT=normal|debug on the kernel command line, which the kernel
 * hands to init, and init to the programs, as an environment variable.
 * The programs size their default iterations by it.
 */
static inline int guest_debug_kernel(void)
{
	const char *v = getenv("GUEST_VARIANT");

	return v && !strcmp(v, "debug");
}

static inline int die_errno(const char *what)
{
	fprintf(stderr, "FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline unsigned int sysfs_hex(const char *bdf, const char *attr)
{
	char path[256], buf[32] = "";
	FILE *f;

	if (snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf,
		     attr) >= (int)sizeof(path))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtoul(buf, NULL, 16);
}

/* The physical range of BAR @bar of PCI device @bdf, from sysfs; 0 or -1. */
static inline int pci_bar_range(const char *bdf, unsigned int bar,
				unsigned long long *start,
				unsigned long long *end)
{
	char path[256], line[256];
	unsigned int i = 0;
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (i++ == bar) {
			if (sscanf(line, "%llx %llx", start, end) == 2)
				ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/* Find the first PCI device with this vendor:device; 0 on success. */
static inline int find_pci(unsigned int vendor, unsigned int device,
			   char *bdf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int ret = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (sysfs_hex(e->d_name, "vendor") == vendor &&
		    sysfs_hex(e->d_name, "device") == device) {
			if (snprintf(bdf, len, "%s", e->d_name) < (int)len)
				ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* Open the vfio cdev of a device bound to vfio-pci. */
static inline int vdev_open(struct vdev *v, unsigned int vendor,
			    unsigned int device)
{
	char path[300];
	struct dirent *e;
	DIR *d;

	memset(v, 0, sizeof(*v));
	v->fd = -1;
	if (find_pci(vendor, device, v->bdf, sizeof(v->bdf))) {
		fprintf(stderr, "no PCI device %04x:%04x\n", vendor, device);
		return -1;
	}
	if (snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev",
		     v->bdf) >= (int)sizeof(path))
		return -1;
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s is not bound to vfio-pci\n", v->bdf);
		return -1;
	}
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			break;
	if (!e) {
		closedir(d);
		return -1;
	}
	if (snprintf(path, sizeof(path), "/dev/vfio/devices/%s",
		     e->d_name) >= (int)sizeof(path)) {
		closedir(d);
		return -1;
	}
	closedir(d);
	v->fd = open(path, O_RDWR);
	return v->fd < 0 ? -1 : 0;
}

static inline int vdev_bind(struct vdev *v, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};
	struct vfio_region_info reg = {
		.argsz = sizeof(reg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};

	if (ioctl(v->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -1;
	v->devid = bind.out_devid;
	if (ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &reg))
		return -1;
	v->cfg_off = reg.offset;
	return 0;
}

static inline int vdev_attach(struct vdev *v, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at),
		.pt_id = pt_id,
	};

	return ioctl(v->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

static inline int region_info(struct vdev *v, __u32 index,
			      struct vfio_region_info *reg)
{
	memset(reg, 0, sizeof(*reg));
	reg->argsz = sizeof(*reg);
	reg->index = index;
	return ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, reg);
}

static inline int cfg_read16(struct vdev *v, unsigned int off, __u16 *val)
{
	return pread(v->fd, val, 2, v->cfg_off + off) == 2 ? 0 : -1;
}

static inline int cfg_write16(struct vdev *v, unsigned int off, __u16 val)
{
	return pwrite(v->fd, &val, 2, v->cfg_off + off) == 2 ? 0 : -1;
}

/* Set or clear bits of PCI_COMMAND. */
static inline int cfg_command(struct vdev *v, __u16 set, __u16 clear)
{
	__u16 cmd;

	if (cfg_read16(v, PCI_COMMAND, &cmd))
		return -1;
	cmd = (cmd & ~clear) | set;
	return cfg_write16(v, PCI_COMMAND, cmd);
}

static inline int bar_write64(struct vdev *v, __u64 bar_off, __u64 reg, __u64 val)
{
	return pwrite(v->fd, &val, 8, bar_off + reg) == 8 ? 0 : -1;
}

static inline int bar_read64(struct vdev *v, __u64 bar_off, __u64 reg, __u64 *val)
{
	return pread(v->fd, val, 8, bar_off + reg) == 8 ? 0 : -1;
}

static inline int ioas_alloc(int iommufd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -1;
	*ioas_id = alloc.out_ioas_id;
	return 0;
}

/* Map @len bytes of user memory at @buf to the fixed @iova, read/write. */
static inline int ioas_map(int iommufd, __u32 ioas_id, void *buf, __u64 len,
			   __u64 iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &map);
}

/*
 * Run one edu DMA transfer and wait for it. to_ram: edu's buffer -> iova;
 * otherwise iova -> edu's buffer. Returns 0 when the engine finished.
 */
static inline int edu_dma(struct vdev *edu, __u64 bar0, __u64 iova,
			  __u64 len, int to_ram)
{
	__u64 cmd = EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0);
	int i;

	if (bar_write64(edu, bar0, EDU_REG_DMA_SRC, to_ram ? EDU_BUF_ADDR : iova) ||
	    bar_write64(edu, bar0, EDU_REG_DMA_DST, to_ram ? iova : EDU_BUF_ADDR) ||
	    bar_write64(edu, bar0, EDU_REG_DMA_CNT, len) ||
	    bar_write64(edu, bar0, EDU_REG_DMA_CMD, cmd))
		return -1;
	for (i = 0; i < 10000; i++) {
		if (bar_read64(edu, bar0, EDU_REG_DMA_CMD, &cmd))
			return -1;
		if (!(cmd & EDU_CMD_START))
			return 0;
		usleep(100);
	}
	errno = ETIMEDOUT;
	return -1;
}

/*
 * The byte patterns the DMA tests write: byte @i of pattern @seed, which
 * differs from one seed to the next and from zero. Seed 0 stands for zero
 * bytes. demo.sh computes the same on the host.
 */
static inline unsigned char dma_pattern(unsigned int seed, unsigned int i)
{
	if (!seed)
		return 0;
	return (unsigned char)((i * 131 + seed * 17 + (i >> 8)) ^ seed);
}

/*
 * edu writes @len bytes of pattern @seed to @iova: the pattern goes from
 * @ram (mapped at @ram_iova) into edu's buffer, then from there to @iova.
 */
static inline int edu_write_pattern(struct vdev *edu, __u64 bar0,
				    unsigned char *ram, __u64 ram_iova,
				    unsigned int seed, __u64 iova, __u64 len)
{
	__u64 i;

	for (i = 0; i < len; i++)
		ram[i] = dma_pattern(seed, i);
	if (edu_dma(edu, bar0, ram_iova, len, 0))
		return -1;
	return edu_dma(edu, bar0, iova, len, 1);
}

/*
 * The index of the first of the @len bytes at @p that is not pattern
 * @seed, or -1 when all are.
 */
static inline long pattern_mismatch(const volatile unsigned char *p,
				    unsigned int seed, __u64 len)
{
	__u64 i;

	for (i = 0; i < len; i++)
		if (p[i] != dma_pattern(seed, i))
			return i;
	return -1;
}

static inline int ioas_unmap(int iommufd, __u32 ioas_id, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap um = {
		.size = sizeof(um),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = len,
	};

	return ioctl(iommufd, IOMMU_IOAS_UNMAP, &um);
}

#ifdef IOMMU_IOAS_MAP_FILE
/* Map [start, start + len) of the file @fd at the fixed @iova, read/write. */
static inline int ioas_map_file(int iommufd, __u32 ioas_id, int fd,
				__u64 start, __u64 len, __u64 iova)
{
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.fd = fd,
		.start = start,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &mf);
}
#endif

/* The most ranges vdev_export_ranges() takes. */
#define VDEV_EXPORT_MAX_RANGES	64

/*
 * Export @nr (at most VDEV_EXPORT_MAX_RANGES) ranges of BAR @bar as one
 * dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF, read/write, close-on-exec).
 * Returns the fd, or -1 with errno set.
 */
static inline int vdev_export_ranges(struct vdev *v, __u32 bar,
				     const struct vfio_region_dma_range *ranges,
				     unsigned int nr)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_dma_buf db;
		struct vfio_region_dma_range r[VDEV_EXPORT_MAX_RANGES];
	} req = {
		.hdr = {
			.flags = VFIO_DEVICE_FEATURE_GET |
				 VFIO_DEVICE_FEATURE_DMA_BUF,
		},
		.db = {
			.region_index = bar,
			.open_flags = O_RDWR | O_CLOEXEC,
			.nr_ranges = nr,
		},
	};

	if (nr > VDEV_EXPORT_MAX_RANGES) {
		errno = E2BIG;
		return -1;
	}
	memcpy(req.r, ranges, nr * sizeof(*ranges));
	req.hdr.argsz = sizeof(req.hdr) + sizeof(req.db) + nr * sizeof(*ranges);
	return ioctl(v->fd, VFIO_DEVICE_FEATURE, &req);
}

/* One range of BAR @bar as a dma-buf: vdev_export_ranges(). */
static inline int vdev_export_bar(struct vdev *v, __u32 bar, __u64 offset,
				  __u64 length)
{
	struct vfio_region_dma_range r = { .offset = offset, .length = length };

	return vdev_export_ranges(v, bar, &r, 1);
}

/* How often @needle occurs in the kernel log; -1 if it cannot be read. */
static inline int klog_count(const char *needle)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	int len, count = 0;
	char *buf, *p;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (len < 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	for (p = buf; (p = strstr(p, needle)); p++)
		count++;
	free(buf);
	return count;
}

/*
 * Count the kernel log lines that report a DMAR fault at @iova (the Intel
 * IOMMU driver logs "... fault addr 0x<iova> [fault reason ...]"). -1 when
 * the log cannot be read. The driver rate-limits these lines (a few
 * faults per five seconds), so a missing line proves nothing: count the
 * fault interrupts with dmar_fault_irqs() instead.
 */
static inline int dmar_faults_at(__u64 iova)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "fault addr 0x%llx ",
		 (unsigned long long)iova);
	return klog_count(needle);
}

/*
 * The number of fault interrupts the IOMMUs have raised so far: the sum of
 * the /proc/interrupts rows of the "dmar<N>" interrupts (one per IOMMU
 * unit; the driver clears each fault in the handler, so every fault
 * raises one). Unlike the log, not rate-limited. -1 when there is no such
 * row or the file cannot be read.
 */
static inline long dmar_fault_irqs(void)
{
	char line[1024], *p, *end, *name;
	long total = -1, n;
	FILE *f;

	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		name = strrchr(line, ' ');
		if (!name || strncmp(name + 1, "dmar", 4))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		if (total < 0)
			total = 0;
		/* the per-CPU counts follow the colon, up to the chip name */
		for (p++; ; p = end) {
			n = strtol(p, &end, 10);
			if (end == p)
				break;
			total += n;
		}
	}
	fclose(f);
	return total;
}

/*
 * Wait up to a second for the IOMMUs' fault interrupt count to exceed
 * @before (the fault is raised after the DMA, asynchronously). Returns the
 * last count seen.
 */
static inline long dmar_fault_wait(long before)
{
	long now = -1;
	int i;

	for (i = 0; i < 100; i++) {
		now = dmar_fault_irqs();
		if (now < 0 || now > before)
			break;
		usleep(10000);
	}
	return now;
}

/* Write @val to the sysfs file @path; 0 or -1. */
static inline int sysfs_put(const char *path, const char *val)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * Bind PCI device @bdf to @driver through driver_override, as
 * tests/guest/init does. 0 when @driver is the device's driver afterwards.
 */
static inline int pci_bind_driver(const char *bdf, const char *driver)
{
	char path[256], link[256];
	const char *name;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf);
	if (!access(path, F_OK) && sysfs_put(path, bdf))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	if (sysfs_put(path, driver))
		return -1;
	if (sysfs_put("/sys/bus/pci/drivers_probe", bdf))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	name = strrchr(link, '/');
	return strcmp(name ? name + 1 : link, driver) ? -1 : 0;
}

/*
 * What a program prints when one of its threads is stuck in the kernel (a
 * watchdog found no progress): the kernel stacks of its own threads and
 * of every task in uninterruptible sleep, then the end of the kernel log.
 * Lines start with "# stall:".
 */
/* Print the kernel stack of task @tid of process @pid. */
static inline void stall_dump_task(int pid, int tid)
{
	char path[128], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		/* pid (comm) state ...: cut after the state */
		if (strchr(line, ')') && strlen(strchr(line, ')')) > 3)
			strchr(line, ')')[3] = 0;
		printf("# stall: task %d: %s\n", tid, line);
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# stall:   %s", line);
	fclose(f);
}

/* The state letter of task @tid of process @pid, or 0. */
static inline char stall_task_state(int pid, int tid)
{
	char path[128], line[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return p && p[1] ? p[2] : 0;
}

/*
 * Every thread of this process, and every task of the system in
 * uninterruptible sleep (kernel workers too), with its kernel stack.
 */
static inline void stall_dump_stacks(void)
{
	struct dirent *pe, *te;
	char path[64];
	DIR *pd, *td;

	pd = opendir("/proc");
	if (!pd)
		return;
	while ((pe = readdir(pd))) {
		int pid = atoi(pe->d_name), tid;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		td = opendir(path);
		if (!td)
			continue;
		while ((te = readdir(td))) {
			tid = atoi(te->d_name);
			if (tid > 0 && (pid == getpid() ||
					stall_task_state(pid, tid) == 'D'))
				stall_dump_task(pid, tid);
		}
		closedir(td);
	}
	closedir(pd);
	fflush(stdout);
}

/*
 * The end of the kernel log: a lockdep or other report of the stall (the
 * guest's init keeps kernel messages off the console while a program runs).
 */
static inline void stall_dump_klog(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p, *line;
	int len;

	if (size <= 0)
		return;
	buf = malloc(size + 1);
	if (!buf)
		return;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (len > 0) {
		buf[len] = 0;
		p = len > 16384 ? buf + len - 16384 : buf;
		printf("# stall: the end of the kernel log:\n");
		for (line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
			printf("# stall: klog: %s\n", line);
	}
	free(buf);
	fflush(stdout);
}

#endif
