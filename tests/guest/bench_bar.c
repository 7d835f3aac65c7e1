// SPDX-License-Identifier: GPL-2.0
/*
 * make bench-bar (scripts/bench-bar.sh), in the QEMU guest: how fast and
 * how compactly a device BAR maps into an IOMMU domain, through the
 * series' dma-buf path and through the VFIO type1 container that 6.12
 * VMMs use today. Not a test: it prints numbers and asserts nothing about
 * them. It exits non-zero only when a measurement could not be taken.
 *
 * The BAR is ivshmem's BAR2 (its size is set by the host, a power of two).
 * For each case it prints the median, fastest and slowest of the rounds
 * (bench_bar.rounds=N on the kernel command line, default 9) of the map and
 * the unmap, and the IOMMU page-table entries the mapping uses by page size,
 * counted from the Intel IOMMU's debugfs dump of the device's domain
 * (/sys/kernel/debug/iommu/intel/<bdf>/domain_translation_struct: a leaf
 * line has 3 entry fields after '|' for a 1 GiB page, 4 for 2 MiB, 5 for
 * 4 KiB; lines whose IOVA is in the mapping are counted), next to the
 * physical minimum: the entries that map the same physical ranges with the
 * largest pages the IOMMU offers (SLLPS of its capability register) at an
 * IOVA congruent to the physical address modulo the largest page.
 *
 * Cases: the dma-buf of the whole BAR (VFIO_DEVICE_FEATURE_DMA_BUF) through
 * IOMMU_IOAS_MAP_FILE at an IOVA aligned to the BAR size and at one iommufd
 * chooses; a 4 MiB window of the BAR as its own dma-buf (the size of the
 * BAR the tests use); the BAR exported as 1, 16, 256 and 1024 ranges of
 * equal size, in order; the revoke (the config write that turns memory
 * decode off) with the mapping in one and in two domains, and the map
 * again after decode on; IOMMU_IOAS_MAP of the BAR's vfio mmap; a
 * hugetlbfs memfd of the BAR's size through IOMMU_IOAS_MAP_FILE; and,
 * after the cdevs are closed, the VFIO type1 container's
 * VFIO_IOMMU_MAP_DMA of the BAR's vfio mmap.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <time.h>

#include "guest.h"

#define MAX_ROUNDS	64
#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define SZ_4G		0x100000000ULL
#define SMALL_WINDOW	(4ULL << 20)

static int rounds = 9;
static int missing;		/* measurements that could not be taken */
static __u64 pgsizes;		/* page sizes of the IOMMU, a bitmap */

/* Entries of a mapping by page size: 1 GiB, 2 MiB, 4 KiB, other. */
struct entries {
	long n[4];
};

struct timing {
	double map[MAX_ROUNDS], unmap[MAX_ROUNDS];
};

/* Microseconds */
static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* "median (fastest-slowest)" of @n values, in us. */
static const char *fmt_stat(const double *v, int n, char *buf, size_t len)
{
	double s[MAX_ROUNDS];

	if (n <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	snprintf(buf, len, "%.1f (%.1f-%.1f)", s[n / 2], s[0], s[n - 1]);
	return buf;
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s[n / 2];
}

static void fail(const char *what)
{
	printf("  MISSING: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	missing++;
}

/* Add the entries that map [iova, iova + len) -> phys with the largest pages */
static void min_entries(__u64 iova, __u64 phys, __u64 len, struct entries *e)
{
	static const __u64 sizes[] = { SZ_1G, SZ_2M, SZ_4K };
	int i;

	while (len) {
		for (i = 0; i < 3; i++)
			if ((pgsizes & sizes[i]) && sizes[i] <= len &&
			    !((iova | phys) & (sizes[i] - 1)))
				break;
		if (i == 3) {
			e->n[3]++;
			return;
		}
		e->n[i]++;
		iova += sizes[i];
		phys += sizes[i];
		len -= sizes[i];
	}
}

/* The largest page size of the IOMMU, for the IOVA of the minimum. */
static __u64 largest_page(void)
{
	return (pgsizes & SZ_1G) ? SZ_1G : (pgsizes & SZ_2M) ? SZ_2M : SZ_4K;
}

/*
 * Count the leaf entries of the domain of device @bdf whose IOVA is in
 * [iova, iova + len). -1 if the dump cannot be read.
 */
static int count_entries(const char *bdf, __u64 iova, __u64 len,
			 struct entries *e)
{
	char path[256], *line = NULL, *p;
	size_t cap = 0;
	int fields;
	__u64 a;
	FILE *f;

	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/iommu/intel/%s/domain_translation_struct",
		 bdf);
	f = fopen(path, "r");
	if (!f)
		return -1;
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0x", 2))
			continue;
		a = strtoull(line, &p, 16) * SZ_4K;
		p = strchr(p, '|');
		if (!p || a < iova || a - iova >= len)
			continue;
		fields = 0;
		for (p++; *p; ) {
			p += strspn(p, " \t\n");
			if (!*p)
				break;
			fields++;
			p += strcspn(p, " \t\n");
		}
		e->n[fields == 3 ? 0 : fields == 4 ? 1 : fields == 5 ? 2 : 3]++;
	}
	free(line);
	fclose(f);
	return 0;
}

static const char *fmt_entries(const struct entries *e, char *buf, size_t len)
{
	int n = snprintf(buf, len, "1G:%ld 2M:%ld 4K:%ld", e->n[0], e->n[1],
			 e->n[2]);

	if (e->n[3] && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " other:%ld", e->n[3]);
	return buf;
}

/* Print the measured entries of a case next to its minimum. */
static void print_entries(const char *bdf, __u64 iova, __u64 len,
			  const struct entries *min)
{
	char b1[96], b2[96];
	struct entries e;

	if (count_entries(bdf, iova, len, &e)) {
		fail("reading the IOMMU page-table dump");
		return;
	}
	printf("  entries %s   minimum %s%s\n", fmt_entries(&e, b1, sizeof(b1)),
	       fmt_entries(min, b2, sizeof(b2)),
	       memcmp(&e, min, sizeof(e)) ? "   (above the minimum)" : "");
}

static void print_times(const char *name, const struct timing *t, int n)
{
	char b1[64], b2[64];

	printf("  map   %s us\n  unmap %s us\n", fmt_stat(t->map, n, b1, sizeof(b1)),
	       fmt_stat(t->unmap, n, b2, sizeof(b2)));
	printf("@@ %s map_us=%.1f unmap_us=%.1f\n", name, median(t->map, n),
	       median(t->unmap, n));
	fflush(stdout);
}

/* The largest power of two that divides @x (its alignment). */
static __u64 alignment(__u64 x)
{
	return x ? x & -x : 0;
}

static const char *size_str(__u64 x, char *buf, size_t len)
{
	if (x >= SZ_1G && !(x % SZ_1G))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(x / SZ_1G));
	else if (x >= (1 << 20) && !(x % (1 << 20)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(x >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(x >> 10));
	return buf;
}

/*
 * Export BAR @bar of @v as a dma-buf of @nr ranges of equal size covering
 * [offset, offset + len), in order. The fd, or -1.
 */
static int export_ranges(struct vdev *v, __u32 bar, __u64 offset, __u64 len,
			 __u32 nr)
{
	struct vfio_device_feature_dma_buf *db;
	struct vfio_device_feature *hdr;
	size_t sz = sizeof(*hdr) + sizeof(*db) +
		    nr * sizeof(struct vfio_region_dma_range);
	__u32 i;
	int fd;

	hdr = calloc(1, sz);
	if (!hdr)
		return -1;
	hdr->argsz = sz;
	hdr->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	db = (void *)hdr->data;
	db->region_index = bar;
	db->open_flags = O_RDWR | O_CLOEXEC;
	db->nr_ranges = nr;
	for (i = 0; i < nr; i++) {
		db->dma_ranges[i].offset = offset + i * (len / nr);
		db->dma_ranges[i].length = len / nr;
	}
	fd = ioctl(v->fd, VFIO_DEVICE_FEATURE, hdr);
	free(hdr);
	return fd;
}

/* IOMMU_IOAS_MAP_FILE of [0, len) of @fd; *iova in and (automatic) out. */
static int map_file(int iommufd, __u32 ioas, int fd, __u64 len, __u64 *iova,
		    int fixed)
{
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = ioas,
		.fd = fd,
		.length = len,
		.iova = fixed ? *iova : 0,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &mf))
		return -1;
	*iova = mf.iova;
	return 0;
}

/*
 * Map @fd (@len bytes) with MAP_FILE and unmap it, @rounds times; count
 * the entries in @bdf's domain after the first map. *iova is the fixed
 * IOVA, or 0 for an automatic one, which is printed.
 */
static int bench_map_file(const char *name, int iommufd, __u32 ioas, int fd,
			  __u64 len, __u64 iova, const char *bdf,
			  const struct entries *min, struct timing *t)
{
	char b[32];
	__u64 got;
	double t0;
	int r;

	for (r = 0; r < rounds; r++) {
		got = iova;
		t0 = now_us();
		if (map_file(iommufd, ioas, fd, len, &got, iova != 0)) {
			fail("IOMMU_IOAS_MAP_FILE");
			return -1;
		}
		t->map[r] = now_us() - t0;
		if (!r) {
			if (!iova)
				printf("  automatic IOVA 0x%llx (aligned to %s)\n",
				       (unsigned long long)got,
				       size_str(alignment(got), b, sizeof(b)));
			print_entries(bdf, got, len, min);
		}
		t0 = now_us();
		if (ioas_unmap(iommufd, ioas, got, len)) {
			fail("IOMMU_IOAS_UNMAP");
			return -1;
		}
		t->unmap[r] = now_us() - t0;
	}
	print_times(name, t, rounds);
	return 0;
}

/* The IOMMU's capability register, from sysfs; 0 if unreadable. */
static __u64 iommu_cap(void)
{
	FILE *f = fopen("/sys/class/iommu/dmar0/intel-iommu/cap", "r");
	unsigned long long cap = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llx", &cap) != 1)
		cap = 0;
	fclose(f);
	return cap;
}

static void read_cmdline(void)
{
	char buf[1024] = "", *p;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		p = strstr(buf, "bench_bar.rounds=");
		if (p)
			rounds = atoi(p + strlen("bench_bar.rounds="));
	}
	fclose(f);
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 9;
}

/* The physical address of the page mapped at @p; 0 if unknown. */
static __u64 virt_to_phys(const void *p)
{
	__u64 ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, 8, (uintptr_t)p / SZ_4K * 8) != 8)
		ent = 0;
	close(fd);
	if (!(ent >> 63))
		return 0;
	return (ent & ((1ULL << 55) - 1)) * SZ_4K;
}

/* mmap @len bytes of @fd at @off at an address aligned to @align. */
static void *mmap_aligned(int fd, __u64 off, __u64 len, __u64 align)
{
	void *res = mmap(NULL, len + align, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a;
	void *p;

	if (res == MAP_FAILED)
		return MAP_FAILED;
	a = ((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1);
	p = mmap((void *)a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, off);
	if (p == MAP_FAILED) {
		munmap(res, len + align);
		return MAP_FAILED;
	}
	if (a > (uintptr_t)res)
		munmap(res, a - (uintptr_t)res);
	if ((uintptr_t)res + len + align > a + len)
		munmap((void *)(a + len), (uintptr_t)res + len + align - a - len);
	return p;
}

/* Time the write of PCI_COMMAND that sets or clears memory decode. */
static double decode_write(struct vdev *v, int on)
{
	__u16 cmd;
	double t0;

	if (cfg_read16(v, PCI_COMMAND, &cmd))
		return -1;
	cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
	t0 = now_us();
	if (cfg_write16(v, PCI_COMMAND, cmd))
		return -1;
	return now_us() - t0;
}

/*
 * Revoke with the dma-buf @fd mapped at @iova: decode off (timed), decode
 * on, unmap and map again (timed), @rounds times; the domains of @bdfs
 * show the entries before and after the first revoke.
 */
static void bench_revoke(const char *name, struct vdev *shm, int iommufd,
			 __u32 ioas, int fd, __u64 len, __u64 iova,
			 const char *const *bdfs, int nbdfs)
{
	double off[MAX_ROUNDS], on[MAX_ROUNDS], remap[MAX_ROUNDS];
	char b1[64], b2[64], b3[64], b4[96];
	struct entries e;
	__u64 got = iova;
	double t0;
	int r, i;

	if (map_file(iommufd, ioas, fd, len, &got, 1)) {
		fail("IOMMU_IOAS_MAP_FILE");
		return;
	}
	for (i = 0; i < nbdfs; i++)
		if (!count_entries(bdfs[i], iova, len, &e))
			printf("  mapped:  domain of %s: %s\n", bdfs[i],
			       fmt_entries(&e, b4, sizeof(b4)));
	for (r = 0; r < rounds; r++) {
		off[r] = decode_write(shm, 0);
		if (off[r] < 0) {
			fail("memory decode off");
			return;
		}
		if (!r) {
			for (i = 0; i < nbdfs; i++)
				if (!count_entries(bdfs[i], iova, len, &e))
					printf("  revoked: domain of %s: %s\n",
					       bdfs[i],
					       fmt_entries(&e, b4, sizeof(b4)));
			got = iova;
			errno = 0;
			i = map_file(iommufd, ioas, fd, len, &got, 1);
			printf("  MAP_FILE while revoked: %s\n",
			       i ? strerror(errno) : "succeeded");
		}
		on[r] = decode_write(shm, 1);
		if (on[r] < 0) {
			fail("memory decode on");
			return;
		}
		if (ioas_unmap(iommufd, ioas, iova, len)) {
			fail("IOMMU_IOAS_UNMAP of the revoked mapping");
			return;
		}
		got = iova;
		t0 = now_us();
		if (map_file(iommufd, ioas, fd, len, &got, 1)) {
			fail("IOMMU_IOAS_MAP_FILE after decode on");
			return;
		}
		remap[r] = now_us() - t0;
	}
	for (i = 0; i < nbdfs; i++)
		if (!count_entries(bdfs[i], iova, len, &e))
			printf("  re-mapped: domain of %s: %s\n", bdfs[i],
			       fmt_entries(&e, b4, sizeof(b4)));
	if (ioas_unmap(iommufd, ioas, iova, len))
		fail("IOMMU_IOAS_UNMAP");
	printf("  decode off (revoke) %s us\n  decode on  %s us\n  map again  %s us\n",
	       fmt_stat(off, rounds, b1, sizeof(b1)), fmt_stat(on, rounds, b2, sizeof(b2)),
	       fmt_stat(remap, rounds, b3, sizeof(b3)));
	printf("@@ %s revoke_us=%.1f decode_on_us=%.1f remap_us=%.1f\n", name,
	       median(off, rounds), median(on, rounds), median(remap, rounds));
	fflush(stdout);
}

static int hwpt_alloc(int iommufd, __u32 dev_id, __u32 ioas, __u32 *hwpt)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.dev_id = dev_id,
		.pt_id = ioas,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &a))
		return -1;
	*hwpt = a.out_hwpt_id;
	return 0;
}

static int vdev_detach(struct vdev *v)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return ioctl(v->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static int obj_destroy(int iommufd, __u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &d);
}

/*
 * The legacy way: ivshmem's group in a VFIO type1v2 container,
 * VFIO_IOMMU_MAP_DMA of the BAR's mmap at @iova. 0, with the times in @t,
 * or -1.
 */
static int bench_type1(const char *bdf, __u64 bar_size, __u64 iova,
		       const struct entries *min, struct timing *t)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info reg;
	char path[300], link[256], *g;
	struct vdev v;
	int container, group, r;
	double t0, first_map = 0;
	ssize_t n;
	void *bar;

	memset(&v, 0, sizeof(v));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fail("the IOMMU group of ivshmem");
		return -1;
	}
	link[n] = 0;
	g = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/%s", g ? g + 1 : link);
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0) {
		fail("open /dev/vfio/vfio");
		return -1;
	}
	group = open(path, O_RDWR);
	if (group < 0) {
		fail("open the VFIO group");
		return -1;
	}
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fail("VFIO group not viable");
		return -1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		fail("VFIO_GROUP_SET_CONTAINER / VFIO_SET_IOMMU type1v2");
		return -1;
	}
	v.fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (v.fd < 0) {
		fail("VFIO_GROUP_GET_DEVICE_FD");
		return -1;
	}
	if (region_info(&v, VFIO_PCI_CONFIG_REGION_INDEX, &reg)) {
		fail("config region");
		return -1;
	}
	v.cfg_off = reg.offset;
	if (cfg_command(&v, PCI_COMMAND_MEMORY, 0) ||
	    region_info(&v, VFIO_PCI_BAR2_REGION_INDEX, &reg)) {
		fail("BAR2 region");
		return -1;
	}
	bar = mmap_aligned(v.fd, reg.offset, bar_size, bar_size);
	if (bar == MAP_FAILED) {
		fail("mmap of BAR2");
		return -1;
	}
	printf("  BAR2 mmap at %p, IOVA 0x%llx\n", bar, (unsigned long long)iova);
	for (r = 0; r < rounds; r++) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)bar,
			.iova = iova,
			.size = bar_size,
		};
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap),
			.iova = iova,
			.size = bar_size,
		};

		t0 = now_us();
		if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map)) {
			fail("VFIO_IOMMU_MAP_DMA");
			return -1;
		}
		t->map[r] = now_us() - t0;
		if (!r) {
			first_map = t->map[r];
			print_entries(bdf, iova, bar_size, min);
		}
		t0 = now_us();
		if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap)) {
			fail("VFIO_IOMMU_UNMAP_DMA");
			return -1;
		}
		t->unmap[r] = now_us() - t0;
	}
	printf("  first map (faults the mmap in) %.1f us\n", first_map);
	print_times("type1", t, rounds);
	munmap(bar, bar_size);
	close(v.fd);
	close(group);
	close(container);
	return 0;
}

int main(void)
{
	static const __u32 nr_ranges[] = { 1, 16, 256, 1024 };
	struct vfio_region_info reg;
	struct entries emin;
	struct vdev edu, shm;
	__u32 ioas, hwpt_edu, hwpt_shm;
	double dmabuf_map = 0, dmabuf_unmap = 0;
	char b1[64], name[64];
	__u64 size, phys, iova, cap, align;
	unsigned long long bar_start = 0, bar_end;
	struct timing t;
	int iommufd, dfd, mfd, rc, i;
	unsigned char *mem;
	void *mm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	read_cmdline();
	cap = iommu_cap();
	pgsizes = SZ_4K | ((cap >> 34) & 1 ? SZ_2M : 0) |
		  ((cap >> 35) & 1 ? SZ_1G : 0);
	if (vdev_open(&edu, EDU_VENDOR, EDU_DEVICE) ||
	    vdev_open(&shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE))
		die_errno("open edu and ivshmem through the vfio cdev");
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0 || vdev_bind(&edu, iommufd) || vdev_bind(&shm, iommufd))
		die_errno("bind edu and ivshmem to iommufd");
	if (region_info(&shm, VFIO_PCI_BAR2_REGION_INDEX, &reg))
		die_errno("BAR2 region info");
	size = reg.size;
	/* 0 if sysfs does not tell, as the output then shows. */
	if (pci_bar_range(shm.bdf, 2, &bar_start, &bar_end))
		bar_start = 0;
	phys = bar_start;
	align = largest_page();
	printf("bench-bar: ivshmem %s BAR2 %s at physical 0x%llx (aligned to %s); edu %s\n",
	       shm.bdf, size_str(size, b1, sizeof(b1)), (unsigned long long)phys,
	       size_str(alignment(phys), name, sizeof(name)), edu.bdf);
	printf("bench-bar: IOMMU cap 0x%llx: SLLPS 2M %s, 1G %s; page sizes%s%s%s\n",
	       (unsigned long long)cap, (cap >> 34) & 1 ? "yes" : "no",
	       (cap >> 35) & 1 ? "yes" : "no", " 4K",
	       pgsizes & SZ_2M ? " 2M" : "", pgsizes & SZ_1G ? " 1G" : "");
	printf("bench-bar: %d rounds per case; times in us: median (fastest-slowest)\n",
	       rounds);
	/*
	 * The IOVA of the fixed-IOVA cases: aligned to the BAR's size, and
	 * above 4 GiB, clear of the reserved MSI window at 0xfee00000.
	 */
	iova = size > SZ_4G ? size : SZ_4G;

	if (ioas_alloc(iommufd, &ioas) ||
	    hwpt_alloc(iommufd, edu.devid, ioas, &hwpt_edu) ||
	    vdev_attach(&edu, hwpt_edu))
		die_errno("IOAS and edu's domain");

	step("1. dma-buf of the whole BAR (1 range), MAP_FILE at IOVA 0x%llx",
	     (unsigned long long)iova);
	memset(&emin, 0, sizeof(emin));
	min_entries(phys & (align - 1), phys, size, &emin);
	dfd = export_ranges(&shm, 2, 0, size, 1);
	if (dfd < 0)
		die_errno("VFIO_DEVICE_FEATURE_DMA_BUF");
	memset(&t, 0, sizeof(t));
	if (!bench_map_file("dmabuf-fixed", iommufd, ioas, dfd, size, iova,
			    edu.bdf, &emin, &t)) {
		dmabuf_map = median(t.map, rounds);
		dmabuf_unmap = median(t.unmap, rounds);
	}
	step("1b. the same, IOVA chosen by iommufd");
	bench_map_file("dmabuf-auto", iommufd, ioas, dfd, size, 0, edu.bdf,
		       &emin, &t);

	step("1c. a 4 MiB window of the BAR as its own dma-buf (the tests' BAR size), IOVA 0x%llx",
	     (unsigned long long)iova);
	if (size >= SMALL_WINDOW) {
		struct entries m4 = { { 0 } };

		min_entries(phys & (align - 1), phys, SMALL_WINDOW, &m4);
		i = export_ranges(&shm, 2, 0, SMALL_WINDOW, 1);
		if (i < 0) {
			fail("VFIO_DEVICE_FEATURE_DMA_BUF");
		} else {
			if (!bench_map_file("dmabuf-4M", iommufd, ioas, i,
					    SMALL_WINDOW, iova, edu.bdf, &m4,
					    &t) && dmabuf_map > 0)
				printf("  map time %s / 4 MiB, medians: %.2f\n",
				       size_str(size, b1, sizeof(b1)),
				       dmabuf_map / median(t.map, rounds));
			close(i);
		}
	}

	for (i = 0; i < (int)(sizeof(nr_ranges) / sizeof(nr_ranges[0])); i++) {
		struct entries m = { { 0 } };
		__u64 part = size / nr_ranges[i];
		__u32 k;

		step("2. the BAR exported as %u range(s) of %s, IOVA 0x%llx",
		     nr_ranges[i], size_str(part, b1, sizeof(b1)),
		     (unsigned long long)iova);
		/* each range is mapped on its own: its own minimum */
		for (k = 0; k < nr_ranges[i]; k++)
			min_entries((phys & (align - 1)) + k * part,
				    phys + k * part, part, &m);
		rc = export_ranges(&shm, 2, 0, size, nr_ranges[i]);
		if (rc < 0) {
			fail("VFIO_DEVICE_FEATURE_DMA_BUF");
			continue;
		}
		snprintf(name, sizeof(name), "ranges-%u", nr_ranges[i]);
		bench_map_file(name, iommufd, ioas, rc, size, iova, edu.bdf,
			       &m, &t);
		close(rc);
	}

	step("3. revoke: decode-off config write, dma-buf mapped in no domain (baseline)");
	{
		double off[MAX_ROUNDS];
		int r;

		for (r = 0; r < rounds; r++) {
			off[r] = decode_write(&shm, 0);
			if (off[r] < 0 || decode_write(&shm, 1) < 0) {
				fail("memory decode off/on");
				break;
			}
		}
		if (r == rounds) {
			printf("  decode off (nothing to revoke) %s us\n",
			       fmt_stat(off, rounds, b1, sizeof(b1)));
			printf("@@ revoke-none revoke_us=%.1f\n",
			       median(off, rounds));
		}
	}
	{
		const char *one[] = { edu.bdf };
		const char *two[] = { edu.bdf, shm.bdf };

		step("3a. revoke with the BAR mapped in the IOAS of one device (edu, one domain)");
		bench_revoke("revoke-1dom", &shm, iommufd, ioas, dfd, size,
			     iova, one, 1);
		step("3b. revoke with the BAR mapped in the IOAS of two devices (edu and ivshmem, two domains: IOMMU_HWPT_ALLOC each)");
		if (hwpt_alloc(iommufd, shm.devid, ioas, &hwpt_shm) ||
		    vdev_attach(&shm, hwpt_shm)) {
			fail("ivshmem's own domain in the IOAS");
		} else {
			printf("  hwpt of edu %u, of ivshmem %u\n", hwpt_edu,
			       hwpt_shm);
			bench_revoke("revoke-2dom", &shm, iommufd, ioas, dfd,
				     size, iova, two, 2);
			/* back to one domain in the IOAS for what follows */
			if (vdev_detach(&shm) || obj_destroy(iommufd, hwpt_shm))
				fail("detaching ivshmem, destroying its domain");
		}
	}
	close(dfd);

	step("4a. IOMMU_IOAS_MAP of the BAR's vfio mmap (iommufd's user-VA path)");
	mm = mmap_aligned(shm.fd, reg.offset, size, size);
	if (mm == MAP_FAILED) {
		fail("mmap of BAR2");
	} else {
		errno = 0;
		rc = ioas_map(iommufd, ioas, mm, size, iova);
		printf("  IOMMU_IOAS_MAP: %s%s\n", rc ? "failed, " : "succeeded",
		       rc ? strerror(errno) : "");
		printf("@@ ioas-map-of-mmap %s\n", rc ? (errno == EFAULT ? "EFAULT" : strerror(errno)) : "ok");
		if (!rc)
			ioas_unmap(iommufd, ioas, iova, size);
		munmap(mm, size);
	}

	step("5. hugetlbfs memfd of %s (MFD_HUGETLB, 2 MiB pages), MAP_FILE",
	     size_str(size, b1, sizeof(b1)));
	mfd = memfd_create("bench-bar", MFD_HUGETLB | MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, size) ||
	    fallocate(mfd, 0, 0, size)) {
		fail("hugetlbfs memfd");
	} else {
		struct entries m = { { 0 } };
		__u64 off, p = 0, run_off = 0, run_phys = 0;
		int unknown = 0;

		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		if (mem == MAP_FAILED) {
			fail("mmap of the memfd");
		} else {
			/*
			 * The minimum from the physical addresses of the huge
			 * pages (/proc/self/pagemap): each run of physically
			 * contiguous pages at its IOVA in the fixed case.
			 */
			for (off = 0; off <= size; off += SZ_2M) {
				if (off < size) {
					mem[off] = 1;
					p = virt_to_phys(mem + off);
					unknown |= !p;
				}
				if (!off) {
					run_phys = p;
					continue;
				}
				if (off == size || p != run_phys + (off - run_off)) {
					min_entries(iova + run_off, run_phys,
						    off - run_off, &m);
					run_off = off;
					run_phys = p;
				}
			}
			munmap(mem, size);
			if (unknown)
				printf("  (no physical address in /proc/self/pagemap: the minimum is a guess)\n");
			bench_map_file("memfd-fixed", iommufd, ioas, mfd, size,
				       iova, edu.bdf, &m, &t);
			step("5b. the same, IOVA chosen by iommufd");
			bench_map_file("memfd-auto", iommufd, ioas, mfd, size, 0,
				       edu.bdf, &m, &t);
		}
		close(mfd);
	}

	/* The device is either a cdev user or a group user, not both */
	close(edu.fd);
	close(shm.fd);
	close(iommufd);

	step("4b. the legacy way: VFIO type1v2 container, VFIO_IOMMU_MAP_DMA of the BAR's mmap");
	memset(&emin, 0, sizeof(emin));
	min_entries(phys & (align - 1), phys, size, &emin);
	if (!bench_type1(shm.bdf, size, iova, &emin, &t) && dmabuf_map > 0) {
		printf("  type1 / dma-buf (1 range, fixed IOVA), medians: map %.0f, unmap %.0f\n",
		       median(t.map, rounds) / dmabuf_map,
		       median(t.unmap, rounds) / dmabuf_unmap);
		printf("@@ ratio-type1-dmabuf map=%.0f unmap=%.0f\n",
		       median(t.map, rounds) / dmabuf_map,
		       median(t.unmap, rounds) / dmabuf_unmap);
	}

	printf("bench-bar: done, %d measurement(s) missing\n", missing);
	return missing ? 1 : 0;
}
