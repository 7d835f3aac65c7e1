// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures over the series' uAPI, the way the tree's
 * tools/testing/selftests/iommu/iommufd_fail_nth.c sweeps iommufd: for one
 * call at a time, fail the 1st, 2nd, ... allocation the call makes
 * (/proc/self/task/<tid>/fail-nth; failslab and fail_page_alloc count
 * sleeping allocations and single pages too), until the call makes fewer allocations than
 * the number asked for and succeeds. The calls, on ivshmem's BAR2 with edu
 * attached to the IOAS (the Intel IOMMU's domain) and, in the two_domains
 * variant, a second domain allocated through ivshmem's iommufd device:
 *
 * - VFIO_DEVICE_FEATURE_DMA_BUF of one range and of many;
 * - IOMMU_IOAS_MAP_FILE of a memfd and of a dma-buf of four ranges, at a
 *   fixed IOVA (another 2 MiB each time, so that the domains allocate page
 *   tables) and at one iommufd chooses;
 * - the second domain allocated while a dma-buf is mapped (iommufd fills
 *   it with the buffer's ranges);
 * - the revoke (memory decode off, VFIO_DEVICE_RESET) of a mapped
 *   dma-buf, and the map again once the revoke is lifted.
 *
 * Each failure point: the call fails with an errno (fn_errno_ok()) and leaves
 * things as they were: the IOAS has nothing mapped (IOMMU_IOAS_UNMAP of
 * everything unmaps 0 bytes) and the fixed IOVA takes a map again, the
 * dma-buf has no attachment and no reference more than the test's own fd
 * (debugfs dma_buf/bufinfo), a failed export leaves no buffer and no fd. A
 * revoke cannot fail the importer: after it, whatever the allocations did,
 * edu's DMA to the old mapping faults in the IOMMU and lands nothing, and
 * a new map is ENODEV. When a failure was injected and the call still
 * succeeded, or the sweep ran past the last allocation, the result must
 * be the complete one. The last test checks the kernel log of the whole
 * program (no WARN, BUG, KASAN, lockdep report) and, on a kernel with
 * kmemleak, that a scan finds nothing leaked since the program began.
 * Each test prints how many failure points it injected.
 *
 * Without fault injection in the kernel (no fail-nth file) each test is
 * SKIPped, which the harness counts as neither passed nor failed.
 * FAIL_NTH_MAX (default 2000) bounds a sweep.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "guest.h"
/*
 * The harness's macros have unused parameters (variant, in fixtures with
 * variants) and a setjmp, which -Wextra -Werror refuses.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#define PG			4096ULL
#define FN_LEN			(16 * PG)	/* every buffer and memfd */
#define FN_IOVA			0x4000000ULL	/* below edu's 28-bit mask */
#define FN_SLOT			0x200000ULL	/* what one IOMMU page table maps */
#define FN_SLOTS		64
#define FN_RAM_IOVA		0x1000000ULL
#define FN_DMA_LEN		2048
#define FN_MANY			64		/* ranges of the "many" export */
#define FN_MAX_DEFAULT		2000
#define FN_TIMEOUT		300		/* seconds per test (the harness kills it then: FAIL) */

#define FN_NR_ERRNO		160

/* ---- fail-nth ---------------------------------------------------------- */

static int fn_have_injection = -1;

static void fn_debugfs_put(const char *file, const char *val)
{
	char path[400];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s", file);
	sysfs_put(path, val);
}

/*
 * As the tree's iommufd_fail_nth.c: sleeping allocations may fail too, and
 * the injected failures are not logged (thousands of stack dumps). The
 * probability stays 0: only fail-nth, which counts this task's
 * allocations alone, injects anything.
 */
static int fn_injection_setup(void)
{
	struct dirent *e;
	char path[300];
	DIR *d;

	if (fn_have_injection >= 0)
		return fn_have_injection;
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	fn_have_injection = !access(path, W_OK) &&
			    !access("/sys/kernel/debug/failslab", F_OK);
	if (!fn_have_injection)
		return 0;
	fn_debugfs_put("failslab/ignore-gfp-wait", "N");
	fn_debugfs_put("fail_page_alloc/ignore-gfp-wait", "N");
	fn_debugfs_put("fail_page_alloc/ignore-gfp-highmem", "N");
	/*
	 * Single pages too (the default is order 1 and up): the IOMMU's page
	 * tables are single pages, and a domain that cannot grow its page
	 * table is the failure that leaves a dma-buf half mapped.
	 */
	fn_debugfs_put("fail_page_alloc/min-order", "0");
	/* failslab, fail_page_alloc, fail_iommufd, ...: no report of each */
	d = opendir("/sys/kernel/debug");
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "fail", 4))
			continue;
		snprintf(path, sizeof(path), "%s/verbose", e->d_name);
		fn_debugfs_put(path, "0");
	}
	if (d)
		closedir(d);
	return 1;
}

/*
 * The tests run in child processes of the harness: each sweep adds its
 * count to a file, which the last test sums up.
 */
#define FN_TALLY	"/tmp/fail_nth_dmabuf.tally"
static struct timespec fn_t0;

static void fn_tally(unsigned int injected)
{
	FILE *f = fopen(FN_TALLY, "a");

	if (f) {
		fprintf(f, "%u\n", injected);
		fclose(f);
	}
}

struct fn_sweep {
	const char *name;
	int nth_fd;
	unsigned int max;
	unsigned int injected;		/* failure points: the call saw one */
	unsigned int ok_injected;	/* of those, the call still succeeded */
	unsigned long err[FN_NR_ERRNO];
};

static void fn_sweep_begin(struct __test_metadata *_metadata,
			   struct fn_sweep *s, const char *name)
{
	char path[64];
	const char *v = getenv("FAIL_NTH_MAX");

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->max = v && *v ? strtoul(v, NULL, 0) : FN_MAX_DEFAULT;
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	s->nth_fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, s->nth_fd);
}

/* From now on, the @n-th fault injection site this task passes fails. */
static void fn_arm(struct __test_metadata *_metadata, struct fn_sweep *s,
		   unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	ASSERT_EQ(len, pwrite(s->nth_fd, buf, len, 0));
}

/*
 * Stop injecting. Returns 1 when the failure was injected (the count went
 * down to 0), 0 when the call passed fewer sites than asked.
 */
static int fn_disarm(struct __test_metadata *_metadata, struct fn_sweep *s)
{
	char buf[16] = "";
	ssize_t res;

	res = pread(s->nth_fd, buf, sizeof(buf) - 1, 0);
	ASSERT_LT(1, res);
	ASSERT_EQ(1, pwrite(s->nth_fd, "0", 1, 0));
	return res == 2 && buf[0] == '0' && buf[1] == '\n';
}

static void fn_sweep_end(struct fn_sweep *s)
{
	char buf[256];
	int len = 0, e;

	for (e = 1; e < FN_NR_ERRNO; e++)
		if (s->err[e])
			len += snprintf(buf + len, sizeof(buf) - len, " %s=%lu",
					strerrorname_np(e) ?: "?", s->err[e]);
	buf[len] = 0;
	printf("# fail_nth %s: %u failure points injected (the call still succeeded at %u), errnos:%s\n",
	       s->name, s->injected, s->ok_injected, len ? buf : " none");
	fflush(stdout);
	close(s->nth_fd);
	fn_tally(s->injected);
}

/*
 * The errno of a call that failed at a fault injection site: ENOMEM for an
 * allocation; the iommufd test build's own sites (iommufd_should_fail(),
 * CONFIG_IOMMUFD_TEST, counted by fail-nth like the allocations) fail an
 * object lookup with ENOENT and other steps with EINVAL, EFAULT or ENOMEM.
 * Anything else is a call turning a failure into an errno that misleads.
 */
static int fn_errno_ok(int err)
{
	return err == ENOMEM || err == ENOENT || err == EINVAL || err == EFAULT;
}

/* ---- the kernel's view: bufinfo, the IOAS -------------------------------- */

struct fn_buf {
	int found;
	long count;		/* the file's references */
	int attached;		/* attachments */
};

/*
 * Look up the dma-buf with inode @ino in debugfs dma_buf/bufinfo; with @ino
 * 0, count the vfio-pci buffers instead (returned in ->attached). An
 * object's line is "size flags mode count exp_name ino name", its
 * attachments end with "Total N devices attached".
 */
static int fn_bufinfo(unsigned long ino, struct fn_buf *b)
{
	char line[512], exp[64];
	unsigned long size, flags, mode, count, i;
	int mine = 0, nvfio = 0, n;
	FILE *f;

	memset(b, 0, sizeof(*b));
	f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lu %lx %lx %lx %63s %lu", &size, &flags, &mode,
			   &count, exp, &i) == 6) {
			mine = ino && i == ino;
			if (!strcmp(exp, "vfio_pci_core"))
				nvfio++;
			if (mine) {
				b->found = 1;
				b->count = count;
			}
		} else if (mine && sscanf(line, "Total %d devices attached",
					  &n) == 1) {
			b->attached = n;
			mine = 0;
		}
	}
	fclose(f);
	if (!ino)
		b->attached = nvfio;
	return 0;
}

static unsigned long fn_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* The buffer of @fd has @attached attachments and only @refs references. */
static void fn_check_buf(struct __test_metadata *_metadata, int fd,
			 int attached, long refs)
{
	struct fn_buf b;

	ASSERT_EQ(0, fn_bufinfo(fn_ino(fd), &b));
	ASSERT_EQ(1, b.found);
	if (b.attached != attached || b.count != refs)
		TH_LOG("dma-buf: %d attachments, %ld references; expected %d and %ld",
		       b.attached, b.count, attached, refs);
	ASSERT_EQ(attached, b.attached);
	ASSERT_EQ(refs, b.count);
}

/* How many vfio-pci dma-bufs exist, waiting a little for releases. */
static int fn_vfio_bufs(int want)
{
	struct fn_buf b;
	int i;

	for (i = 0; i < 100; i++) {
		if (fn_bufinfo(0, &b))
			return -1;
		if (b.attached == want)
			break;
		usleep(10000);
	}
	return b.attached;
}

/* Unmap everything in the IOAS; the number of bytes that were mapped. */
static __u64 fn_unmap_all(struct __test_metadata *_metadata, int iommufd,
			  __u32 ioas)
{
	struct iommu_ioas_unmap um = {
		.size = sizeof(um),
		.ioas_id = ioas,
		.iova = 0,
		.length = ~0ULL,
	};

	ASSERT_EQ(0, ioctl(iommufd, IOMMU_IOAS_UNMAP, &um));
	return um.length;
}

static int fn_map_file(int iommufd, __u32 ioas, int fd, __u64 len,
		       __u64 *iova, int fixed)
{
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = ioas,
		.fd = fd,
		.start = 0,
		.length = len,
		.iova = fixed ? *iova : 0,
	};
	int ret = ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &mf);

	if (!ret)
		*iova = mf.iova;
	return ret;
}

/* ---- the fixture --------------------------------------------------------- */

/* Export @nr ranges of one page of BAR2, every other page from page 0. */
static int fn_export(struct vdev *shm, unsigned int nr, unsigned int pages)
{
	struct vfio_region_dma_range r[FN_MANY];
	unsigned int i;

	for (i = 0; i < nr && i < FN_MANY; i++) {
		r[i].offset = i * 2 * pages * PG;
		r[i].length = pages * PG;
	}
	return vdev_export_ranges(shm, VFIO_PCI_BAR2_REGION_INDEX, r, i);
}

struct fn_state {
	struct vdev edu, shm;
	int iommufd;
	__u32 ioas;
	__u32 hwpt2;		/* the second domain, 0 if none */
	__u64 edu_bar0, bar2_off;
	int memfd;
	int dmabuf;		/* four ranges of four pages: BAR2 pages 0-3, 8-11, ... */
};

static void fn_setup(struct __test_metadata *_metadata, struct fn_state *s,
		     int ndomains)
{
	struct vfio_region_info reg;
	unsigned char *p;

	s->iommufd = s->memfd = s->dmabuf = -1;
	s->edu.fd = s->shm.fd = -1;
	if (!fn_injection_setup())
		SKIP(return, "no fault injection in this kernel (fail-nth, failslab)");
	s->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, s->iommufd);
	ASSERT_EQ(0, vdev_open(&s->edu, EDU_VENDOR, EDU_DEVICE));
	ASSERT_EQ(0, vdev_bind(&s->edu, s->iommufd));
	ASSERT_EQ(0, vdev_open(&s->shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE));
	ASSERT_EQ(0, vdev_bind(&s->shm, s->iommufd));
	ASSERT_EQ(0, ioas_alloc(s->iommufd, &s->ioas));
	ASSERT_EQ(0, vdev_attach(&s->edu, s->ioas));
	ASSERT_EQ(0, region_info(&s->edu, VFIO_PCI_BAR0_REGION_INDEX, &reg));
	s->edu_bar0 = reg.offset;
	ASSERT_EQ(0, region_info(&s->shm, VFIO_PCI_BAR2_REGION_INDEX, &reg));
	s->bar2_off = reg.offset;
	ASSERT_LE(2 * FN_MANY * PG, reg.size);
	ASSERT_EQ(0, cfg_command(&s->edu,
				 PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, cfg_command(&s->shm, PCI_COMMAND_MEMORY, 0));
	if (ndomains > 1) {
		struct iommu_hwpt_alloc alloc = {
			.size = sizeof(alloc),
			.dev_id = s->shm.devid,
			.pt_id = s->ioas,
		};

		ASSERT_EQ(0, ioctl(s->iommufd, IOMMU_HWPT_ALLOC, &alloc));
		s->hwpt2 = alloc.out_hwpt_id;
	}
	/* the memfd's pages exist before the sweeps */
	s->memfd = memfd_create("fail-nth", MFD_CLOEXEC);
	ASSERT_LE(0, s->memfd);
	ASSERT_EQ(0, ftruncate(s->memfd, FN_LEN));
	p = mmap(NULL, FN_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, FN_LEN);
	munmap(p, FN_LEN);
	s->dmabuf = fn_export(&s->shm, 4, 4);
	ASSERT_LE(0, s->dmabuf);
	fn_check_buf(_metadata, s->dmabuf, 0, 1);
}

static void fn_teardown(struct fn_state *s)
{
	if (s->dmabuf >= 0)
		close(s->dmabuf);
	if (s->memfd >= 0)
		close(s->memfd);
	if (s->shm.fd >= 0)
		close(s->shm.fd);
	if (s->edu.fd >= 0)
		close(s->edu.fd);
	if (s->iommufd >= 0)
		close(s->iommufd);
}

/* ---- the sweeps ---------------------------------------------------------- */

/*
 * Sweep VFIO_DEVICE_FEATURE_DMA_BUF of @nr ranges: a failed export leaves
 * no buffer and no fd; a successful one a buffer, closed again here.
 */
static void fn_sweep_export(struct __test_metadata *_metadata,
			    struct fn_state *s, unsigned int nr,
			    const char *name)
{
	int base = fn_vfio_bufs(1), fd, probe, err, fired;
	struct fn_sweep sw;
	unsigned int n;

	ASSERT_EQ(1, base);	/* the fixture's own buffer */
	fn_sweep_begin(_metadata, &sw, name);
	for (n = 1; ; n++) {
		ASSERT_GT(sw.max, n);
		probe = dup(0);		/* the fd number the export would get */
		ASSERT_LE(0, probe);
		close(probe);
		fn_arm(_metadata, &sw, n);
		fd = fn_export(&s->shm, nr, 1);
		err = fd < 0 ? errno : 0;
		fired = fn_disarm(_metadata, &sw);
		if (fired)
			sw.injected++;
		if (fd < 0) {
			if (!fired || !fn_errno_ok(err))
				TH_LOG("%s: failure point %u: errno %d (%s)%s",
				       name, n, err, strerrorname_np(err) ?: "?",
				       fired ? "" : " with no failure injected");
			ASSERT_TRUE(fired && fn_errno_ok(err));
			sw.err[err < FN_NR_ERRNO ? err : 0]++;
			ASSERT_EQ(base, fn_vfio_bufs(base));
			fd = dup(0);
			ASSERT_EQ(probe, fd);	/* no fd left installed */
			close(fd);
			continue;
		}
		if (fired)
			sw.ok_injected++;
		ASSERT_EQ(probe, fd);
		fn_check_buf(_metadata, fd, 0, 1);
		ASSERT_EQ(base + 1, fn_vfio_bufs(base + 1));
		close(fd);
		ASSERT_EQ(base, fn_vfio_bufs(base));
		if (!fired)
			break;
	}
	fn_sweep_end(&sw);
}

/* edu's internal buffer gets pattern @seed (RAM -> edu, through the IOAS). */
static void fn_edu_load(struct __test_metadata *_metadata, struct fn_state *s,
			unsigned int seed)
{
	unsigned char *ram;
	unsigned int i;

	ram = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ram);
	for (i = 0; i < FN_DMA_LEN; i++)
		ram[i] = dma_pattern(seed, i);
	ASSERT_EQ(0, ioas_map(s->iommufd, s->ioas, ram, PG, FN_RAM_IOVA));
	ASSERT_EQ(0, edu_dma(&s->edu, s->edu_bar0, FN_RAM_IOVA, FN_DMA_LEN, 0));
	ASSERT_EQ(0, ioas_unmap(s->iommufd, s->ioas, FN_RAM_IOVA, PG));
	munmap(ram, PG);
}

static void fn_bar_zero(struct __test_metadata *_metadata, struct fn_state *s)
{
	static const unsigned char zero[FN_DMA_LEN];

	ASSERT_EQ(FN_DMA_LEN, pwrite(s->shm.fd, zero, FN_DMA_LEN, s->bar2_off));
}

/* BAR2 page 0 holds pattern @seed (0: zero bytes): -1, or the first other byte. */
static long fn_bar_mismatch(struct __test_metadata *_metadata,
			    struct fn_state *s, unsigned int seed)
{
	unsigned char buf[FN_DMA_LEN];

	ASSERT_EQ(FN_DMA_LEN, pread(s->shm.fd, buf, FN_DMA_LEN, s->bar2_off));
	return pattern_mismatch(buf, seed, FN_DMA_LEN);
}

/*
 * After a failed map of the dma-buf at @iova: edu's DMA there must fault
 * in the IOMMU and land nothing in BAR2 page 0 (the buffer's first page),
 * or a domain kept part of the buffer mapped.
 */
static void fn_dma_blocked(struct __test_metadata *_metadata,
			   struct fn_state *s, __u64 iova, const char *name,
			   unsigned int n)
{
	long before, after;

	fn_bar_zero(_metadata, s);
	before = dmar_fault_irqs();
	ASSERT_LE(0, before);
	ASSERT_EQ(0, edu_dma(&s->edu, s->edu_bar0, iova, FN_DMA_LEN, 1));
	after = dmar_fault_wait(before);
	if (after <= before || fn_bar_mismatch(_metadata, s, 0) != -1)
		TH_LOG("%s: failure point %u: edu's DMA to IOVA 0x%llx after the failed map %s",
		       name, n, (unsigned long long)iova,
		       after <= before ? "raised no IOMMU fault" :
		       "landed in the BAR");
	ASSERT_LT(before, after);
	ASSERT_EQ(-1, fn_bar_mismatch(_metadata, s, 0));
}

/*
 * Sweep IOMMU_IOAS_MAP_FILE of @fd (the memfd, or the fixture's dma-buf
 * when @dmabuf) at FN_IOVA or at an IOVA iommufd picks. Failed: nothing
 * mapped, the fixed IOVA maps again, the buffer holds no attachment and
 * no extra reference. Succeeded: exactly FN_LEN mapped, the buffer
 * attached once and referenced by iommufd; unmapped again here.
 */
static void fn_sweep_map(struct __test_metadata *_metadata, struct fn_state *s,
			 int dmabuf, int fixed, const char *name)
{
	int fd = dmabuf ? s->dmabuf : s->memfd, ret, err, fired;
	struct fn_sweep sw;
	__u64 iova, want;
	unsigned int n;

	ASSERT_EQ(0ULL, fn_unmap_all(_metadata, s->iommufd, s->ioas));
	if (dmabuf && fixed)
		fn_edu_load(_metadata, s, 7);
	fn_sweep_begin(_metadata, &sw, name);
	for (n = 1; ; n++) {
		ASSERT_GT(sw.max, n);
		/*
		 * A fixed IOVA in another 2 MiB each time: the domains must
		 * grow their page tables, which can fail too.
		 */
		want = FN_IOVA + (n % FN_SLOTS) * FN_SLOT;
		iova = want;
		fn_arm(_metadata, &sw, n);
		ret = fn_map_file(s->iommufd, s->ioas, fd, FN_LEN, &iova, fixed);
		err = ret ? errno : 0;
		fired = fn_disarm(_metadata, &sw);
		if (fired)
			sw.injected++;
		if (ret) {
			if (!fired || !fn_errno_ok(err))
				TH_LOG("%s: failure point %u: errno %d (%s)%s",
				       name, n, err, strerrorname_np(err) ?: "?",
				       fired ? "" : " with no failure injected");
			ASSERT_TRUE(fired && fn_errno_ok(err));
			sw.err[err < FN_NR_ERRNO ? err : 0]++;
			if (dmabuf)
				fn_check_buf(_metadata, fd, 0, 1);
			ASSERT_EQ(0ULL, fn_unmap_all(_metadata, s->iommufd,
						  s->ioas));
			/* nothing of the buffer stayed in edu's domain */
			if (dmabuf && fixed)
				fn_dma_blocked(_metadata, s, want, name, n);
			/* the IOVA range is free: the same map again works */
			iova = want;
			ASSERT_EQ(0, fn_map_file(s->iommufd, s->ioas, fd,
						 FN_LEN, &iova, 1));
			ASSERT_EQ(FN_LEN, fn_unmap_all(_metadata, s->iommufd,
						       s->ioas));
			if (dmabuf)
				fn_check_buf(_metadata, fd, 0, 1);
			continue;
		}
		if (fired)
			sw.ok_injected++;
		if (fixed)
			ASSERT_EQ(want, iova);
		if (dmabuf)
			fn_check_buf(_metadata, fd, 1, 2);
		ASSERT_EQ(FN_LEN, fn_unmap_all(_metadata, s->iommufd, s->ioas));
		if (dmabuf)
			fn_check_buf(_metadata, fd, 0, 1);
		if (!fired)
			break;
	}
	fn_sweep_end(&sw);
}

enum fn_revoke { FN_DECODE_OFF, FN_DEVICE_RESET };

/*
 * Sweep a revoke event of the mapped dma-buf. The event may fail with an
 * errno, but a revoke must happen whenever the event did: edu's DMA to
 * the old mapping faults and lands nothing, a new map is ENODEV while the
 * decode is off. Then decode on (lifted), unmap, map again: works.
 */
static void fn_sweep_revoke(struct __test_metadata *_metadata,
			    struct fn_state *s, enum fn_revoke ev,
			    const char *name)
{
	int ret, err, fired, n;
	struct fn_sweep sw;
	long before, after;
	__u64 iova;

	/* the mapping works: edu's DMA lands in BAR2 page 0 */
	ASSERT_EQ(0ULL, fn_unmap_all(_metadata, s->iommufd, s->ioas));
	fn_edu_load(_metadata, s, 7);
	iova = FN_IOVA;
	ASSERT_EQ(0, fn_map_file(s->iommufd, s->ioas, s->dmabuf, FN_LEN, &iova, 1));
	fn_bar_zero(_metadata, s);
	ASSERT_EQ(0, edu_dma(&s->edu, s->edu_bar0, FN_IOVA, FN_DMA_LEN, 1));
	ASSERT_EQ(-1, fn_bar_mismatch(_metadata, s, 7));

	fn_sweep_begin(_metadata, &sw, name);
	for (n = 1; ; n++) {
		ASSERT_GT(sw.max, (unsigned int)n);
		fn_bar_zero(_metadata, s);
		fn_arm(_metadata, &sw, n);
		if (ev == FN_DECODE_OFF)
			ret = cfg_command(&s->shm, 0, PCI_COMMAND_MEMORY);
		else
			ret = ioctl(s->shm.fd, VFIO_DEVICE_RESET);
		err = ret ? errno : 0;
		fired = fn_disarm(_metadata, &sw);
		if (fired)
			sw.injected++;
		if (ret) {
			if (!fired || !fn_errno_ok(err))
				TH_LOG("%s: failure point %u: errno %d (%s)%s",
				       name, n, err, strerrorname_np(err) ?: "?",
				       fired ? "" : " with no failure injected");
			ASSERT_TRUE(fired && fn_errno_ok(err));
			sw.err[err < FN_NR_ERRNO ? err : 0]++;
		} else if (fired) {
			sw.ok_injected++;
		}
		if (!ret) {
			/* revoked: the old mapping takes no DMA */
			before = dmar_fault_irqs();
			ASSERT_LE(0, before);
			ASSERT_EQ(0, edu_dma(&s->edu, s->edu_bar0, FN_IOVA,
					     FN_DMA_LEN, 1));
			after = dmar_fault_wait(before);
			if (after <= before)
				TH_LOG("%s: failure point %d: edu's DMA to the revoked mapping raised no IOMMU fault",
				       name, n);
			ASSERT_LT(before, after);
			if (ev == FN_DECODE_OFF) {
				iova = FN_IOVA + 0x1000000;
				ASSERT_EQ(-1, fn_map_file(s->iommufd, s->ioas,
							  s->dmabuf, FN_LEN,
							  &iova, 1));
				ASSERT_EQ(ENODEV, errno);
			}
		}
		/* lifted: decode on; nothing landed; unmap, map again */
		ASSERT_EQ(0, cfg_command(&s->shm, PCI_COMMAND_MEMORY, 0));
		if (!ret)
			ASSERT_EQ(-1, fn_bar_mismatch(_metadata, s, 0));
		ASSERT_EQ(FN_LEN, fn_unmap_all(_metadata, s->iommufd, s->ioas));
		fn_check_buf(_metadata, s->dmabuf, 0, 1);
		iova = FN_IOVA;
		ASSERT_EQ(0, fn_map_file(s->iommufd, s->ioas, s->dmabuf, FN_LEN,
					 &iova, 1));
		ASSERT_EQ(0, edu_dma(&s->edu, s->edu_bar0, FN_IOVA, FN_DMA_LEN,
				     1));
		ASSERT_EQ(-1, fn_bar_mismatch(_metadata, s, 7));
		if (!fired)
			break;
	}
	fn_sweep_end(&sw);
	ASSERT_EQ(FN_LEN, fn_unmap_all(_metadata, s->iommufd, s->ioas));
}

/*
 * With the dma-buf mapped, sweep the allocation of a second domain, which
 * iommufd fills with the buffer's ranges: a failure leaves the mapping and
 * the attachment as they were; a success is destroyed again.
 */
static void fn_sweep_fill(struct __test_metadata *_metadata, struct fn_state *s)
{
	struct iommu_hwpt_alloc alloc;
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	int ret, err, fired;
	struct fn_sweep sw;
	unsigned int n;
	__u64 iova = FN_IOVA;

	ASSERT_EQ(0ULL, fn_unmap_all(_metadata, s->iommufd, s->ioas));
	ASSERT_EQ(0, fn_map_file(s->iommufd, s->ioas, s->dmabuf, FN_LEN, &iova, 1));
	fn_sweep_begin(_metadata, &sw, "hwpt_alloc_fills_dmabuf");
	for (n = 1; ; n++) {
		ASSERT_GT(sw.max, n);
		memset(&alloc, 0, sizeof(alloc));
		alloc.size = sizeof(alloc);
		alloc.dev_id = s->shm.devid;
		alloc.pt_id = s->ioas;
		fn_arm(_metadata, &sw, n);
		ret = ioctl(s->iommufd, IOMMU_HWPT_ALLOC, &alloc);
		err = ret ? errno : 0;
		fired = fn_disarm(_metadata, &sw);
		if (fired)
			sw.injected++;
		fn_check_buf(_metadata, s->dmabuf, 1, 2);
		if (ret) {
			if (!fired || !fn_errno_ok(err))
				TH_LOG("hwpt_alloc: failure point %u: errno %d (%s)%s",
				       n, err, strerrorname_np(err) ?: "?",
				       fired ? "" : " with no failure injected");
			ASSERT_TRUE(fired && fn_errno_ok(err));
			sw.err[err < FN_NR_ERRNO ? err : 0]++;
			continue;
		}
		if (fired)
			sw.ok_injected++;
		destroy.id = alloc.out_hwpt_id;
		ASSERT_EQ(0, ioctl(s->iommufd, IOMMU_DESTROY, &destroy));
		if (!fired)
			break;
	}
	fn_sweep_end(&sw);
	ASSERT_EQ(FN_LEN, fn_unmap_all(_metadata, s->iommufd, s->ioas));
	fn_check_buf(_metadata, s->dmabuf, 0, 1);
}

/* ---- the tests ----------------------------------------------------------- */

FIXTURE(export) {
	struct fn_state s;
};

FIXTURE_SETUP(export)
{
	fn_setup(_metadata, &self->s, 1);
}

FIXTURE_TEARDOWN(export)
{
	fn_teardown(&self->s);
}

TEST_F_TIMEOUT(export, one_range, FN_TIMEOUT)
{
	fn_sweep_export(_metadata, &self->s, 1, "export_one_range");
}

TEST_F_TIMEOUT(export, many_ranges, FN_TIMEOUT)
{
	fn_sweep_export(_metadata, &self->s, FN_MANY, "export_64_ranges");
}

/* With the dma-buf mapped, the second domain filled from it. */
TEST_F_TIMEOUT(export, fill_second_domain, FN_TIMEOUT)
{
	fn_sweep_fill(_metadata, &self->s);
}

FIXTURE(map) {
	struct fn_state s;
};

FIXTURE_VARIANT(map) {
	int ndomains;
};

FIXTURE_VARIANT_ADD(map, one_domain) {
	.ndomains = 1,
};

FIXTURE_VARIANT_ADD(map, two_domains) {
	.ndomains = 2,
};

FIXTURE_SETUP(map)
{
	fn_setup(_metadata, &self->s, variant->ndomains);
}

FIXTURE_TEARDOWN(map)
{
	fn_teardown(&self->s);
}

TEST_F_TIMEOUT(map, memfd_fixed, FN_TIMEOUT)
{
	fn_sweep_map(_metadata, &self->s, 0, 1, "map_file_memfd_fixed");
}

TEST_F_TIMEOUT(map, memfd_auto, FN_TIMEOUT)
{
	fn_sweep_map(_metadata, &self->s, 0, 0, "map_file_memfd_auto");
}

TEST_F_TIMEOUT(map, dmabuf_fixed, FN_TIMEOUT)
{
	fn_sweep_map(_metadata, &self->s, 1, 1, "map_file_dmabuf_fixed");
}

TEST_F_TIMEOUT(map, dmabuf_auto, FN_TIMEOUT)
{
	fn_sweep_map(_metadata, &self->s, 1, 0, "map_file_dmabuf_auto");
}

TEST_F_TIMEOUT(map, revoke_decode_off, FN_TIMEOUT)
{
	fn_sweep_revoke(_metadata, &self->s, FN_DECODE_OFF, "revoke_decode_off");
}

TEST_F_TIMEOUT(map, revoke_device_reset, FN_TIMEOUT)
{
	fn_sweep_revoke(_metadata, &self->s, FN_DEVICE_RESET,
			"revoke_device_reset");
}

/* Revoked, lifted, unmapped: sweep the map that comes back. */
TEST_F_TIMEOUT(map, remap_after_revoke, FN_TIMEOUT)
{
	struct fn_state *s = &self->s;
	__u64 iova = FN_IOVA;

	ASSERT_EQ(0, fn_map_file(s->iommufd, s->ioas, s->dmabuf, FN_LEN, &iova, 1));
	ASSERT_EQ(0, cfg_command(&s->shm, 0, PCI_COMMAND_MEMORY));
	iova = FN_IOVA + 0x1000000;
	ASSERT_EQ(-1, fn_map_file(s->iommufd, s->ioas, s->dmabuf, FN_LEN, &iova, 1));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, cfg_command(&s->shm, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, ioas_unmap(s->iommufd, s->ioas, FN_IOVA, FN_LEN));
	fn_check_buf(_metadata, s->dmabuf, 0, 1);
	fn_sweep_map(_metadata, s, 1, 1, "remap_after_revoke");
}

/*
 * The whole program's kernel log (the guest's init clears it before each
 * program) and, with kmemleak, a scan for what leaked since the program
 * began: objects count once unreferenced for 5 s, so wait first. Leaks of
 * an earlier program that no scan has reported yet show here too; their
 * backtraces say whose they are.
 */
static const char *const fn_bad[] = {
	"BUG:", "WARNING:", "Oops", "KASAN:", "UBSAN:",
	"general protection fault", "possible circular locking",
	"possible recursive locking", "inconsistent lock state",
	"suspicious RCU usage", "DEBUG_LOCKS_WARN_ON", "unreferenced object",
};

static __attribute__((constructor)) void fn_kmemleak_begin(void)
{
	clock_gettime(CLOCK_MONOTONIC, &fn_t0);
	unlink(FN_TALLY);
	/* what was reported as leaked before this program is put aside */
	if (!access("/sys/kernel/debug/kmemleak", W_OK))
		sysfs_put("/sys/kernel/debug/kmemleak", "clear");
}

/* Last: the harness runs the fixtures in the order they are declared. */
FIXTURE(end) {
};

FIXTURE_SETUP(end)
{
}

FIXTURE_TEARDOWN(end)
{
}

TEST_F_TIMEOUT(end, kernel_log_and_kmemleak, FN_TIMEOUT)
{
	unsigned int i;
	char line[512];
	int leaks = 0;
	FILE *f;

	unsigned int total = 0, sweeps = 0, v;
	struct timespec t1, t2;

	if (!fn_injection_setup())
		SKIP(return, "no fault injection in this kernel: nothing ran");
	f = fopen(FN_TALLY, "r");
	while (f && fscanf(f, "%u", &v) == 1) {
		total += v;
		sweeps++;
	}
	if (f)
		fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# fail_nth_dmabuf: %u failure points injected in %u sweeps, %.1f s\n",
	       total, sweeps, (t1.tv_sec - fn_t0.tv_sec) +
	       (t1.tv_nsec - fn_t0.tv_nsec) / 1e9);
	for (i = 0; i < sizeof(fn_bad) / sizeof(fn_bad[0]); i++) {
		int c = klog_count(fn_bad[i]);

		if (c)
			TH_LOG("the kernel log has %d '%s'", c, fn_bad[i]);
		EXPECT_EQ(0, c);
	}
	if (access("/sys/kernel/debug/kmemleak", W_OK)) {
		printf("# no kmemleak in this kernel: leaks not checked here\n");
		return;
	}
	/*
	 * Two scans: kmemleak does not report an object whose contents
	 * changed since the scan before (its checksum), and the first scan
	 * to see a new object is such a scan.
	 */
	sleep(6);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(0, sysfs_put("/sys/kernel/debug/kmemleak", "scan"));
	ASSERT_EQ(0, sysfs_put("/sys/kernel/debug/kmemleak", "scan"));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	printf("# kmemleak: two scans took %.1f s\n", (t2.tv_sec - t1.tv_sec) +
	       (t2.tv_nsec - t1.tv_nsec) / 1e9);
	f = fopen("/sys/kernel/debug/kmemleak", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "unreferenced object"))
			leaks++;
		if (leaks)
			printf("# kmemleak: %s", line);
	}
	fclose(f);
	/* (not the words of a report: the host greps the log for them) */
	printf("# kmemleak: %d leak report(s) since the program began\n",
	       leaks);
	EXPECT_EQ(0, leaks);
}

TEST_HARNESS_MAIN
