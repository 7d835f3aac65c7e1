// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded, seeded fuzzer of the series' uAPI: random sequences of
 *
 * - VFIO_DEVICE_FEATURE on ivshmem, mostly VFIO_DEVICE_FEATURE_DMA_BUF,
 *   with random operation flags, region index, open_flags, flags,
 *   nr_ranges, ranges and argsz, and bad pointers (NULL, unmapped, a
 *   request that runs into a PROT_NONE page);
 * - IOMMU_IOAS_MAP_FILE of random fds (dma-bufs, memfds, write-sealed
 *   memfds, hugetlbfs memfds, regular files, pipes, the iommufd itself,
 *   another iommufd, the vfio device, a closed number) with random window,
 *   IOVA, flags, IOAS id and struct size;
 * - IOMMU_IOAS_UNMAP and IOMMU_IOAS_COPY of what was mapped (dma-buf areas
 *   above all), whole, in part or at random;
 * - close and dup of those fds, new ones, memory decode toggles through
 *   config space and VFIO_DEVICE_RESET (both revoke the dma-bufs).
 *
 * Two IOASes: edu is attached to one, ivshmem to the other, so that maps
 * and copies reach real IOMMU domains. Every call's errno must be one this
 * file lists for it (fz_allowed(), from the uAPI documentation and
 * DESIGN.md sections 6 and 7); any other fails the run, printing the seed
 * and the index of the call. At the end every fd is closed and both IOASes
 * emptied, and debugfs dma_buf/bufinfo must show no vfio-pci buffer. The
 * guest harness's kernel log checks (WARN, BUG, KASAN, lockdep, kmemleak)
 * apply to the run.
 *
 * FUZZ_SEED (default 1) and FUZZ_CALLS (default FZ_CALLS_NORMAL, or
 * FZ_CALLS_DEBUG on the debug kernel) choose
 * the sequence: one thread, so the same seed makes the same calls. A
 * watchdog thread fails the run, with the seed and the call, when no call
 * ends for FUZZ_STALL seconds (default 60): the call hangs in the kernel.
 * Not TAP: one case, judged by the exit status.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "guest.h"

#define PG		4096ULL
#define HPG		(2ULL << 20)
/* make test's time budget: the debug kernel's calls are slower */
#define FZ_CALLS_NORMAL	60000
#define FZ_CALLS_DEBUG	60000
#define FZ_NFD		24
#define FZ_NMAP		48
#define FZ_ARENA_PAGES	8	/* then one PROT_NONE page */
#define FZ_STALE_FD	1000	/* never opened */
#define FZ_NERR		160

enum fz_kind {
	K_NONE, K_DMABUF, K_MEMFD, K_SEALED, K_FSEALED, K_HUGETLB, K_TMPFILE,
	K_PROCFILE, K_PIPE_R, K_PIPE_W, K_IOMMUFD, K_IOMMUFD2, K_VFIO,
	K_NR_KINDS
};

static const char *const kind_name[K_NR_KINDS] = {
	"none", "dma-buf", "memfd", "sealed memfd", "future-sealed memfd",
	"hugetlb memfd", "tmpfs file", "proc file", "pipe read end",
	"pipe write end", "iommufd", "other iommufd", "vfio device",
};

enum fz_op {
	OP_EXPORT, OP_MAP_FILE, OP_UNMAP, OP_COPY, OP_CLOSE, OP_DUP, OP_NEWFD,
	OP_DECODE, OP_RESET, OP_NR
};

static const char *const op_name[OP_NR] = {
	"VFIO_DEVICE_FEATURE", "IOMMU_IOAS_MAP_FILE", "IOMMU_IOAS_UNMAP",
	"IOMMU_IOAS_COPY", "close", "dup", "new fd", "decode toggle",
	"VFIO_DEVICE_RESET",
};

/* How often each operation is drawn, out of the sum. */
static const unsigned int op_weight[OP_NR] = {
	[OP_EXPORT] = 20, [OP_MAP_FILE] = 30, [OP_UNMAP] = 12, [OP_COPY] = 12,
	[OP_CLOSE] = 6, [OP_DUP] = 3, [OP_NEWFD] = 8, [OP_DECODE] = 4,
	[OP_RESET] = 1,
};

/*
 * The errnos each call may return, as documented:
 * - VFIO_DEVICE_FEATURE (vfio's uAPI and DESIGN.md section 6): EINVAL for
 *   a bad header (argsz, flags, GET with SET, PROBE alone) and for every
 *   malformed dma-buf request, ENODEV for a region that is not a BAR,
 *   EOVERFLOW for a range whose end overflows, EFAULT for a bad pointer,
 *   ENOTTY for a feature the device does not have;
 * - IOMMU_IOAS_MAP_FILE (iommufd.h and DESIGN.md section 7): EBADF, EINVAL
 *   (not a memfd or dma-buf, bad window, bad flags combination, unaligned
 *   or reserved IOVA, struct too small), EACCES (writable map of a file
 *   not open for writing), EPERM (write-sealed memfd), EOPNOTSUPP
 *   (unknown flags; a dma-buf without PAL), ENODEV (revoked), EOVERFLOW,
 *   EEXIST (IOVA in use), ENOSPC (no free IOVA), ENOENT (no such IOAS),
 *   E2BIG (struct larger, non-zero tail), EFAULT;
 * - IOMMU_IOAS_UNMAP: ENOENT (nothing or not whole areas), EINVAL,
 *   EOVERFLOW, E2BIG, EFAULT;
 * - IOMMU_IOAS_COPY: those of MAP_FILE that concern IOVA and IOAS, plus
 *   ENOENT for a source range that is not wholly mapped and ENODEV for a
 *   source whose dma-buf was revoked;
 * - close, dup: EBADF for the closed number; new fd, decode, reset: none.
 */
static int fz_allowed(enum fz_op op, int err)
{
	static const int feature[] = { EINVAL, ENODEV, EOVERFLOW, EFAULT,
				       ENOTTY, 0 };
	static const int map_file[] = { EBADF, EINVAL, EACCES, EPERM,
					EOPNOTSUPP, ENODEV, EOVERFLOW, EEXIST,
					ENOSPC, ENOENT, E2BIG, EFAULT, 0 };
	static const int unmap[] = { ENOENT, EINVAL, EOVERFLOW, E2BIG, EFAULT,
				     0 };
	static const int copy[] = { ENOENT, EINVAL, ENODEV, EOVERFLOW, EEXIST,
				    ENOSPC, EOPNOTSUPP, EPERM, E2BIG, EFAULT,
				    0 };
	static const int fd_ops[] = { EBADF, 0 };
	const int *set;

	if (!err)
		return 1;
	switch (op) {
	case OP_EXPORT: set = feature; break;
	case OP_MAP_FILE: set = map_file; break;
	case OP_UNMAP: set = unmap; break;
	case OP_COPY: set = copy; break;
	case OP_CLOSE: case OP_DUP: set = fd_ops; break;
	default: return 0;
	}
	for (; *set; set++)
		if (*set == err)
			return 1;
	return 0;
}

struct fz_fd {
	int fd;			/* -1: empty slot */
	enum fz_kind kind;
	__u64 size;
};

struct fz_map {
	int used;
	__u32 ioas;
	__u64 iova, len;
	enum fz_kind kind;
};

struct fz {
	unsigned long long rng;
	unsigned long long seed;
	unsigned long call, calls;
	int iommufd, iommufd2;
	struct vdev edu, shm;
	__u32 ioas[2];
	__u64 bar2_size;
	int hugetlb;		/* hugetlbfs memfds can be made */
	int decode_on;
	struct fz_fd fds[FZ_NFD];
	struct fz_map maps[FZ_NMAP];
	unsigned char *arena;	/* FZ_ARENA_PAGES, then PROT_NONE */
	unsigned long hist[OP_NR][FZ_NERR];
	char what[256];		/* the current call's arguments */
};

/*
 * The watchdog: the fuzzing thread bumps z->call after every call. No
 * change for @stall seconds: the current call hangs in the kernel. Print
 * the call and the stacks, and end the process (the stuck thread cannot be
 * killed, but the exit status is what the harness reads once init's
 * timeout gives up on it).
 */
struct fz_watch {
	struct fz *z;
	int stall;
};

static void *fz_watchdog(void *arg)
{
	struct fz_watch *w = arg;
	struct fz *z = w->z;
	unsigned long last = ~0UL, now;
	int still = 0;

	for (;;) {
		sleep(1);
		now = __atomic_load_n(&z->call, __ATOMIC_SEQ_CST);
		still = now == last ? still + 1 : 0;
		last = now;
		if (still < w->stall)
			continue;
		printf("FAIL: seed %llu, call %lu made no progress for %d s (stacks below)\n  arguments: %s\n  reproduce: FUZZ_SEED=%llu FUZZ_CALLS=%lu\n",
		       z->seed, now, w->stall, z->what, z->seed, now + 1);
		fflush(stdout);
		stall_dump_stacks();
		stall_dump_klog();
		_exit(1);
	}
	return NULL;
}

/* splitmix64 */
static unsigned long long fz_rand(struct fz *z)
{
	unsigned long long x = (z->rng += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned long long fz_below(struct fz *z, unsigned long long n)
{
	return n ? fz_rand(z) % n : 0;
}

/* true one time in @n */
static int fz_one_in(struct fz *z, unsigned int n)
{
	return !fz_below(z, n);
}

static void fz_die(struct fz *z, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: seed %llu, call %lu: ", z->seed, z->call);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n  arguments: %s\n  reproduce: FUZZ_SEED=%llu FUZZ_CALLS=%lu\n",
	       z->what, z->seed, z->call + 1);
	fflush(stdout);
	exit(1);
}

/* Count the outcome of a call; an errno not listed for it fails the run. */
static int fz_result(struct fz *z, enum fz_op op, int ret)
{
	int err = ret < 0 ? errno : 0;

	z->hist[op][err < FZ_NERR ? err : FZ_NERR - 1]++;
	if (!fz_allowed(op, err))
		fz_die(z, "%s returned %d, errno %d (%s), not documented for it",
		       op_name[op], ret, err, strerrorname_np(err) ?: "?");
	return err;
}

static struct fz_fd *fz_free_slot(struct fz *z)
{
	int i;

	for (i = 0; i < FZ_NFD; i++)
		if (z->fds[i].fd < 0)
			return &z->fds[i];
	/* full: close a random one to make room */
	i = fz_below(z, FZ_NFD);
	close(z->fds[i].fd);
	z->fds[i].fd = -1;
	return &z->fds[i];
}

static void fz_add_fd(struct fz *z, int fd, enum fz_kind kind, __u64 size)
{
	struct fz_fd *s = fz_free_slot(z);

	s->fd = fd;
	s->kind = kind;
	s->size = size;
}

static void fz_add_map(struct fz *z, __u32 ioas, __u64 iova, __u64 len,
		       enum fz_kind kind)
{
	int i;

	for (i = 0; i < FZ_NMAP; i++)
		if (!z->maps[i].used) {
			z->maps[i] = (struct fz_map){ 1, ioas, iova, len, kind };
			return;
		}
	/* full: the oldest knowledge is dropped; the area stays mapped */
	z->maps[fz_below(z, FZ_NMAP)] = (struct fz_map){ 1, ioas, iova, len,
							 kind };
}

static struct fz_map *fz_pick_map(struct fz *z, int prefer_dmabuf)
{
	int i, n = 0, idx[FZ_NMAP];

	for (i = 0; i < FZ_NMAP; i++)
		if (z->maps[i].used &&
		    (!prefer_dmabuf || z->maps[i].kind == K_DMABUF))
			idx[n++] = i;
	if (!n && prefer_dmabuf)
		return fz_pick_map(z, 0);
	return n ? &z->maps[idx[fz_below(z, n)]] : NULL;
}

/*
 * A new fd of a random kind (or of @kind if not K_NONE). Files are small:
 * 1 to 64 pages; a hugetlbfs memfd is one huge page.
 */
static void fz_new_fd(struct fz *z, enum fz_kind kind)
{
	__u64 size = (1 + fz_below(z, 64)) * PG;
	int fd = -1, p[2];

	if (kind == K_NONE)
		kind = K_MEMFD + fz_below(z, K_VFIO - K_MEMFD + 1);
	snprintf(z->what, sizeof(z->what), "new %s", kind_name[kind]);
	switch (kind) {
	case K_MEMFD:
	case K_SEALED:
	case K_FSEALED:
		fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0 || ftruncate(fd, size))
			fz_die(z, "memfd: %s", strerror(errno));
		if (kind == K_SEALED &&
		    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
			  F_SEAL_GROW))
			fz_die(z, "F_SEAL_WRITE: %s", strerror(errno));
		if (kind == K_FSEALED && fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE))
			fz_die(z, "F_SEAL_FUTURE_WRITE: %s", strerror(errno));
		break;
	case K_HUGETLB:
		if (!z->hugetlb)
			return fz_new_fd(z, K_MEMFD);
		fd = memfd_create("fuzz-huge", MFD_CLOEXEC | MFD_HUGETLB);
		size = HPG;
		if (fd < 0 || ftruncate(fd, size))
			fz_die(z, "hugetlb memfd: %s", strerror(errno));
		break;
	case K_TMPFILE:
		fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, size))
			fz_die(z, "O_TMPFILE: %s", strerror(errno));
		break;
	case K_PROCFILE:
		fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		size = PG;
		if (fd < 0)
			fz_die(z, "/proc/self/status: %s", strerror(errno));
		break;
	case K_PIPE_R:
	case K_PIPE_W:
		if (pipe2(p, O_CLOEXEC))
			fz_die(z, "pipe: %s", strerror(errno));
		close(p[kind == K_PIPE_R ? 1 : 0]);
		fd = p[kind == K_PIPE_R ? 0 : 1];
		size = PG;
		break;
	case K_IOMMUFD:
	case K_IOMMUFD2:
	case K_VFIO:
		fd = dup(kind == K_IOMMUFD ? z->iommufd :
			 kind == K_IOMMUFD2 ? z->iommufd2 : z->shm.fd);
		size = PG;
		if (fd < 0)
			fz_die(z, "dup: %s", strerror(errno));
		break;
	default:
		return;
	}
	z->hist[OP_NEWFD][0]++;
	fz_add_fd(z, fd, kind, size);
}

/* A random 64-bit value of a kind that tends to find edges. */
static __u64 fz_edge(struct fz *z)
{
	switch (fz_below(z, 8)) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return ~0ULL - PG + 1;
	case 3: return 1ULL << 63;
	case 4: return 1ULL << fz_below(z, 64);
	case 5: return fz_rand(z);
	case 6: return fz_below(z, 64) * PG + fz_below(z, PG);
	default: return 0xffffffffULL;
	}
}

/* A range of BAR2: mostly valid, sometimes not. */
static void fz_range(struct fz *z, struct vfio_region_dma_range *r)
{
	__u64 pages = z->bar2_size / PG;
	__u64 first = fz_below(z, pages);

	r->offset = first * PG;
	r->length = (1 + fz_below(z, pages - first)) * PG;
	if (fz_one_in(z, 12))
		r->offset = fz_edge(z);
	if (fz_one_in(z, 12))
		r->length = fz_edge(z);
	if (fz_one_in(z, 24))
		r->offset += fz_below(z, PG);
}

/* VFIO_DEVICE_FEATURE, mostly DMA_BUF, with random arguments. */
static void op_export(struct fz *z)
{
	size_t head = sizeof(struct vfio_device_feature) +
		      sizeof(struct vfio_device_feature_dma_buf);
	size_t room = FZ_ARENA_PAGES * PG, len, at;
	struct vfio_device_feature_dma_buf *db;
	struct vfio_region_dma_range *r;
	struct vfio_device_feature *f;
	__u32 nr, ncopy, i, op, feature;
	void *arg;
	int ret, err;

	switch (fz_below(z, 10)) {
	case 0: nr = 0; break;
	case 1: nr = 1024; break;
	case 2: nr = 1025; break;
	case 3: nr = fz_one_in(z, 2) ? 0xffffffff : fz_rand(z); break;
	default: nr = 1 + fz_below(z, 4); break;
	}
	/* the ranges that fit in the arena; the kernel may read further */
	ncopy = nr < 1024 ? nr : 1024;
	len = head + ncopy * sizeof(*r);
	/* where the request ends: at the guard page, or anywhere before it */
	at = fz_one_in(z, 4) ? room - len : fz_below(z, room - len + 1) & ~7UL;
	f = (struct vfio_device_feature *)(z->arena + at);
	memset(z->arena, 0, room);

	switch (fz_below(z, 12)) {
	case 0: op = VFIO_DEVICE_FEATURE_SET; break;
	case 1: op = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET; break;
	case 2: op = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET; break;
	case 3: op = VFIO_DEVICE_FEATURE_PROBE; break;
	case 4: op = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET; break;
	case 5: op = fz_rand(z) & ~VFIO_DEVICE_FEATURE_MASK; break;
	default: op = VFIO_DEVICE_FEATURE_GET; break;
	}
	/* another feature: one no device has, so nothing changes state */
	feature = fz_one_in(z, 12) ? 0x8000 + fz_below(z, 0x7fff) :
				     VFIO_DEVICE_FEATURE_DMA_BUF;
	f->flags = op | feature;
	switch (fz_below(z, 10)) {
	case 0: f->argsz = fz_below(z, len); break;
	case 1: f->argsz = len + fz_below(z, 4096); break;
	case 2: f->argsz = fz_rand(z); break;
	case 3: f->argsz = head; break;
	default: f->argsz = len; break;
	}
	db = (struct vfio_device_feature_dma_buf *)f->data;
	db->region_index = fz_one_in(z, 5) ? (fz_one_in(z, 4) ? fz_rand(z) :
					      fz_below(z, 10)) :
			   VFIO_PCI_BAR2_REGION_INDEX;
	switch (fz_below(z, 10)) {
	case 0: db->open_flags = fz_rand(z); break;
	case 1: db->open_flags = 0; break;
	case 2: db->open_flags = O_RDONLY | O_CLOEXEC; break;
	case 3: db->open_flags = O_CREAT; break;
	default: db->open_flags = O_RDWR | O_CLOEXEC; break;
	}
	db->flags = fz_one_in(z, 10) ? fz_rand(z) : 0;
	db->nr_ranges = nr;
	r = db->dma_ranges;
	for (i = 0; i < ncopy; i++) {
		if (i < 8)
			fz_range(z, &r[i]);
		else
			r[i] = r[i % 8];
	}
	/* bad pointers */
	arg = f;
	switch (fz_below(z, 30)) {
	case 0: arg = NULL; break;
	case 1: arg = (void *)8; break;
	case 2: arg = z->arena + room; break;	/* the PROT_NONE page */
	default: break;
	}
	snprintf(z->what, sizeof(z->what),
		 "argsz %u flags 0x%x region %u open_flags 0x%x flags 0x%x nr_ranges %u range0 {0x%llx, 0x%llx} arg %p",
		 f->argsz, f->flags, db->region_index, db->open_flags, db->flags,
		 nr, ncopy ? (unsigned long long)r[0].offset : 0,
		 ncopy ? (unsigned long long)r[0].length : 0, arg);
	ret = ioctl(z->shm.fd, VFIO_DEVICE_FEATURE, arg);
	err = fz_result(z, OP_EXPORT, ret);
	if (err || ret == 0)
		return;		/* a PROBE answers 0 */
	{
		struct stat st;

		if (fstat(ret, &st))
			fz_die(z, "fstat of the new dma-buf: %s", strerror(errno));
		fz_add_fd(z, ret, K_DMABUF, st.st_size);
	}
}

/* An iommufd ioctl with a random struct size and, rarely, a bad pointer. */
static int fz_iommufd_ioctl(struct fz *z, int fd, unsigned long req,
			    void *cmd, __u32 *size, __u32 real)
{
	unsigned char *buf = z->arena;
	void *arg = cmd;

	switch (fz_below(z, 20)) {
	case 0: *size = fz_below(z, real); break;	/* too small */
	case 1:						/* larger, zero tail */
	case 2:						/* larger, a byte set */
		*size = real + 8;
		memset(buf, 0, real + 8);
		memcpy(buf, cmd, real);
		if (fz_below(z, 2))
			buf[real + fz_below(z, 8)] = 1;
		((__u32 *)buf)[0] = *size;
		arg = buf;
		break;
	case 3:
		arg = fz_one_in(z, 2) ? NULL : z->arena + FZ_ARENA_PAGES * PG;
		break;
	default: break;
	}
	return ioctl(fd, req, arg);
}

static __u32 fz_ioas(struct fz *z)
{
	switch (fz_below(z, 12)) {
	case 0: return fz_rand(z);
	case 1: return z->edu.devid;		/* not an IOAS */
	default: return z->ioas[fz_below(z, 2)];
	}
}

static __u64 fz_iova(struct fz *z, __u32 *flags)
{
	switch (fz_below(z, 12)) {
	case 0: case 1: case 2:
		return 0;				/* iommufd chooses */
	case 3: return fz_edge(z);
	case 4: return 0xfee00000ULL;			/* the MSI window */
	default:
		*flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
		return 0x1000000ULL * (1 + fz_below(z, 48)) +
		       (fz_one_in(z, 10) ? fz_below(z, PG) : 0);
	}
}

static __u32 fz_map_flags(struct fz *z)
{
	switch (fz_below(z, 10)) {
	case 0: return IOMMU_IOAS_MAP_READABLE;
	case 1: return IOMMU_IOAS_MAP_WRITEABLE;
	case 2: return 0;
	case 3: return fz_rand(z) & ~IOMMU_IOAS_MAP_FIXED_IOVA;
	default: return IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	}
}

static void op_map_file(struct fz *z)
{
	struct iommu_ioas_map_file mf = { .size = sizeof(mf) };
	struct fz_fd *s = &z->fds[fz_below(z, FZ_NFD)];
	enum fz_kind kind = s->fd >= 0 ? s->kind : K_NONE;
	__u64 size = s->fd >= 0 ? s->size : PG, pages = size / PG, first;
	int ret;

	mf.fd = s->fd;
	if (fz_one_in(z, 20)) {
		mf.fd = fz_one_in(z, 2) ? FZ_STALE_FD : z->iommufd;
		kind = mf.fd == z->iommufd ? K_IOMMUFD : K_NONE;
	}
	first = fz_below(z, pages ? pages : 1);
	mf.start = first * PG;
	mf.length = (1 + fz_below(z, pages > first ? pages - first : 1)) * PG;
	if (fz_one_in(z, 10))
		mf.start = fz_edge(z);
	if (fz_one_in(z, 10))
		mf.length = fz_edge(z);
	mf.flags = fz_map_flags(z);
	mf.iova = fz_iova(z, &mf.flags);
	mf.ioas_id = fz_ioas(z);
	snprintf(z->what, sizeof(z->what),
		 "fd %d (%s, %llu bytes) start 0x%llx length 0x%llx iova 0x%llx flags 0x%x ioas %u",
		 mf.fd, kind_name[kind], (unsigned long long)size,
		 (unsigned long long)mf.start, (unsigned long long)mf.length,
		 (unsigned long long)mf.iova, mf.flags, mf.ioas_id);
	ret = fz_iommufd_ioctl(z, z->iommufd, IOMMU_IOAS_MAP_FILE, &mf,
			       &mf.size, sizeof(mf));
	if (!fz_result(z, OP_MAP_FILE, ret)) {
		/* the kernel wrote the IOVA back into the copy it was given */
		if (mf.size != sizeof(mf))
			memcpy(&mf.iova, z->arena +
			       offsetof(struct iommu_ioas_map_file, iova), 8);
		fz_add_map(z, mf.ioas_id, mf.iova, mf.length, kind);
	}
}

static void fz_forget(struct fz *z, __u32 ioas, __u64 iova, __u64 len)
{
	int i;

	for (i = 0; i < FZ_NMAP; i++) {
		struct fz_map *m = &z->maps[i];

		if (m->used && m->ioas == ioas && m->iova >= iova &&
		    m->iova + m->len - 1 <= iova + len - 1)
			m->used = 0;
	}
}

static void op_unmap(struct fz *z)
{
	struct iommu_ioas_unmap um = { .size = sizeof(um) };
	struct fz_map *m = fz_pick_map(z, fz_one_in(z, 2));
	int ret, err;

	if (m && !fz_one_in(z, 8)) {
		um.ioas_id = m->ioas;
		um.iova = m->iova;
		um.length = m->len;
		if (fz_one_in(z, 6))	/* a part of it: areas are not split */
			um.length = PG * (1 + fz_below(z, m->len / PG));
	} else {
		um.ioas_id = fz_ioas(z);
		if (fz_one_in(z, 8)) {
			um.iova = 0;	/* everything */
			um.length = ~0ULL;
		} else {
			um.iova = fz_edge(z);
			um.length = fz_edge(z);
		}
	}
	snprintf(z->what, sizeof(z->what), "ioas %u iova 0x%llx length 0x%llx",
		 um.ioas_id, (unsigned long long)um.iova,
		 (unsigned long long)um.length);
	ret = fz_iommufd_ioctl(z, z->iommufd, IOMMU_IOAS_UNMAP, &um, &um.size,
			       sizeof(um));
	err = fz_result(z, OP_UNMAP, ret);
	if (!err)
		fz_forget(z, um.ioas_id, um.iova, um.length);
	else if (err == ENOENT && m && um.ioas_id == m->ioas &&
		 um.iova == m->iova && um.length == m->len)
		m->used = 0;	/* gone already (an unmap of everything) */
}

static void op_copy(struct fz *z)
{
	struct iommu_ioas_copy cp = { .size = sizeof(cp) };
	struct fz_map *m = fz_pick_map(z, 1);
	__u64 pages, first;
	int ret, err;

	if (m && !fz_one_in(z, 10)) {
		pages = m->len / PG;
		first = fz_one_in(z, 2) ? 0 : fz_below(z, pages ? pages : 1);
		cp.src_ioas_id = m->ioas;
		cp.src_iova = m->iova + first * PG;
		cp.length = fz_one_in(z, 2) && !first ? m->len :
			    (1 + fz_below(z, pages > first ? pages - first : 1)) * PG;
	} else {
		cp.src_ioas_id = fz_ioas(z);
		cp.src_iova = fz_edge(z);
		cp.length = fz_edge(z);
	}
	cp.flags = fz_map_flags(z);
	cp.dst_iova = fz_iova(z, &cp.flags);
	cp.dst_ioas_id = fz_ioas(z);
	snprintf(z->what, sizeof(z->what),
		 "src ioas %u iova 0x%llx (%s) length 0x%llx dst ioas %u iova 0x%llx flags 0x%x",
		 cp.src_ioas_id, (unsigned long long)cp.src_iova,
		 m ? kind_name[m->kind] : "random", (unsigned long long)cp.length,
		 cp.dst_ioas_id, (unsigned long long)cp.dst_iova, cp.flags);
	ret = fz_iommufd_ioctl(z, z->iommufd, IOMMU_IOAS_COPY, &cp, &cp.size,
			       sizeof(cp));
	err = fz_result(z, OP_COPY, ret);
	if (!err) {
		if (cp.size != sizeof(cp))
			memcpy(&cp.dst_iova, z->arena +
			       offsetof(struct iommu_ioas_copy, dst_iova), 8);
		fz_add_map(z, cp.dst_ioas_id, cp.dst_iova, cp.length,
			   m ? m->kind : K_NONE);
	}
}

static void op_close(struct fz *z)
{
	struct fz_fd *s = &z->fds[fz_below(z, FZ_NFD)];
	int fd = s->fd >= 0 && !fz_one_in(z, 10) ? s->fd : FZ_STALE_FD;

	snprintf(z->what, sizeof(z->what), "close(%d)", fd);
	fz_result(z, OP_CLOSE, close(fd));
	if (fd == s->fd)
		s->fd = -1;
}

static void op_dup(struct fz *z)
{
	struct fz_fd *s = &z->fds[fz_below(z, FZ_NFD)];
	int fd = s->fd >= 0 ? s->fd : FZ_STALE_FD, ret;
	enum fz_kind kind = s->kind;
	__u64 size = s->size;

	snprintf(z->what, sizeof(z->what), "dup(%d)", fd);
	ret = dup(fd);
	if (!fz_result(z, OP_DUP, ret))
		fz_add_fd(z, ret, kind, size);
}

static void op_decode(struct fz *z)
{
	z->decode_on = !z->decode_on;
	snprintf(z->what, sizeof(z->what), "memory decode %s",
		 z->decode_on ? "on" : "off");
	fz_result(z, OP_DECODE, z->decode_on ?
		  cfg_command(&z->shm, PCI_COMMAND_MEMORY, 0) :
		  cfg_command(&z->shm, 0, PCI_COMMAND_MEMORY));
}

static void op_reset(struct fz *z)
{
	snprintf(z->what, sizeof(z->what), "VFIO_DEVICE_RESET");
	fz_result(z, OP_RESET, ioctl(z->shm.fd, VFIO_DEVICE_RESET));
}

static int fz_bufinfo_vfio(void)
{
	char line[512];
	int n = 0;
	FILE *f;

	f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "vfio_pci_core"))
			n++;
	fclose(f);
	return n;
}

static void fz_setup(struct fz *z)
{
	struct vfio_region_info reg;
	int fd;

	z->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	z->iommufd2 = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (z->iommufd < 0 || z->iommufd2 < 0)
		die_errno("open /dev/iommu");
	if (vdev_open(&z->edu, EDU_VENDOR, EDU_DEVICE) ||
	    vdev_bind(&z->edu, z->iommufd) ||
	    vdev_open(&z->shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE) ||
	    vdev_bind(&z->shm, z->iommufd))
		die_errno("opening edu and ivshmem");
	if (ioas_alloc(z->iommufd, &z->ioas[0]) ||
	    ioas_alloc(z->iommufd, &z->ioas[1]) ||
	    vdev_attach(&z->edu, z->ioas[0]) ||
	    vdev_attach(&z->shm, z->ioas[1]))
		die_errno("IOASes");
	if (region_info(&z->shm, VFIO_PCI_BAR2_REGION_INDEX, &reg))
		die_errno("BAR2 info");
	z->bar2_size = reg.size;
	if (cfg_command(&z->shm, PCI_COMMAND_MEMORY, 0))
		die_errno("memory decode on");
	z->decode_on = 1;
	z->arena = mmap(NULL, (FZ_ARENA_PAGES + 1) * PG,
			PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (z->arena == MAP_FAILED ||
	    mprotect(z->arena + FZ_ARENA_PAGES * PG, PG, PROT_NONE))
		die_errno("arena");
	fd = memfd_create("fuzz-huge", MFD_CLOEXEC | MFD_HUGETLB);
	z->hugetlb = fd >= 0 && !ftruncate(fd, HPG);
	if (fd >= 0)
		close(fd);
	for (fd = 0; fd < FZ_NFD; fd++)
		z->fds[fd].fd = -1;
}

int main(void)
{
	static struct fz fz;
	struct fz *z = &fz;
	struct fz_watch watch = { .z = z };
	pthread_t wt;
	unsigned int total = 0, w, i, e, distinct = 0;
	struct timespec t0, t1;
	const char *v;
	int n;

	v = getenv("FUZZ_SEED");
	z->seed = v && *v ? strtoull(v, NULL, 0) : 1;
	v = getenv("FUZZ_CALLS");
	z->calls = v && *v ? strtoul(v, NULL, 0) :
		   guest_debug_kernel() ? FZ_CALLS_DEBUG : FZ_CALLS_NORMAL;
	z->rng = z->seed;
	printf("# fuzz_uapi: seed %llu, %lu calls (FUZZ_SEED, FUZZ_CALLS)\n",
	       z->seed, z->calls);
	fflush(stdout);
	v = getenv("FUZZ_STALL");
	watch.stall = v && *v ? atoi(v) : 60;
	if (watch.stall <= 0)
		watch.stall = 60;
	if (pthread_create(&wt, NULL, fz_watchdog, &watch))
		die_errno("the watchdog thread");
	fz_setup(z);
	printf("# hugetlbfs memfds: %s\n", z->hugetlb ? "yes" : "no");
	/* a few of each kind to start with */
	fz_new_fd(z, K_MEMFD);
	fz_new_fd(z, K_SEALED);
	fz_new_fd(z, K_HUGETLB);
	fz_new_fd(z, K_PIPE_R);

	for (i = 0; i < OP_NR; i++)
		total += op_weight[i];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (z->call = 0; z->call < z->calls; z->call++) {
		w = fz_below(z, total);
		for (i = 0; w >= op_weight[i]; i++)
			w -= op_weight[i];
		switch (i) {
		case OP_EXPORT: op_export(z); break;
		case OP_MAP_FILE: op_map_file(z); break;
		case OP_UNMAP: op_unmap(z); break;
		case OP_COPY: op_copy(z); break;
		case OP_CLOSE: op_close(z); break;
		case OP_DUP: op_dup(z); break;
		case OP_NEWFD: fz_new_fd(z, K_NONE); break;
		case OP_DECODE: op_decode(z); break;
		case OP_RESET: op_reset(z); break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* the end: decode on, everything unmapped and closed */
	z->call = z->calls;
	snprintf(z->what, sizeof(z->what), "cleanup");
	if (cfg_command(&z->shm, PCI_COMMAND_MEMORY, 0))
		fz_die(z, "memory decode on: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		struct iommu_ioas_unmap um = {
			.size = sizeof(um), .ioas_id = z->ioas[i],
			.iova = 0, .length = ~0ULL,
		};

		if (ioctl(z->iommufd, IOMMU_IOAS_UNMAP, &um))
			fz_die(z, "unmapping everything: %s", strerror(errno));
	}
	for (i = 0; i < FZ_NFD; i++)
		if (z->fds[i].fd >= 0)
			close(z->fds[i].fd);
	for (i = 0; i < 200; i++) {
		n = fz_bufinfo_vfio();
		if (n <= 0)
			break;
		usleep(10000);
	}

	printf("# fuzz_uapi: seed %llu: %lu calls in %.1f s\n", z->seed,
	       z->calls, (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < OP_NR; i++) {
		unsigned long sum = 0;

		for (e = 0; e < FZ_NERR; e++)
			sum += z->hist[i][e];
		if (!sum)
			continue;
		printf("# %-20s %6lu:", op_name[i], sum);
		for (e = 0; e < FZ_NERR; e++)
			if (z->hist[i][e])
				printf(" %s=%lu", e ? strerrorname_np(e) ?: "?" : "ok",
				       z->hist[i][e]);
		printf("\n");
	}
	for (e = 1; e < FZ_NERR; e++)
		for (i = 0; i < OP_NR; i++)
			if (z->hist[i][e]) {
				distinct++;
				break;
			}
	printf("# distinct errnos: %u\n", distinct);
	printf("# vfio-pci dma-bufs in debugfs bufinfo after close: %d\n", n);
	if (n != 0) {
		printf("FAIL: seed %llu: %d vfio-pci dma-buf(s) left after every fd was closed\n",
		       z->seed, n);
		return 1;
	}
	printf("PASS: fuzz_uapi seed %llu, %lu calls\n", z->seed, z->calls);
	return 0;
}
