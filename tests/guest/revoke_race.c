// SPDX-License-Identifier: GPL-2.0
/*
 * Revoke racing the importer: ivshmem's BAR2, exported as dma-bufs
 * (VFIO_DEVICE_FEATURE_DMA_BUF) and mapped into the IOAS edu uses
 * (IOMMU_IOAS_MAP_FILE), while the test's main thread revokes them over and
 * over. Threads, all on one iommufd:
 *
 * - the revoker (the test itself): one revoke event after another, memory
 *   decode off and on through config space, VFIO_DEVICE_RESET,
 *   VFIO_DEVICE_PCI_HOT_RESET, LOW_POWER_ENTRY then LOW_POWER_EXIT, or
 *   closing ivshmem's vfio cdev (which unbinds it from iommufd and revokes
 *   its buffers for good) and opening and binding it again; one test per
 *   event, and one that mixes them;
 * - REVOKE_RACE_MAPPERS mappers (default 2): IOMMU_IOAS_MAP_FILE of a random window of a random
 *   live buffer at the mapper's own IOVA, then IOMMU_IOAS_UNMAP, sometimes
 *   closing their own fd of the buffer first (iommufd's reference is then
 *   the last one, dropped by the unmap);
 * - an exporter: new buffers of random ranges into RR_SLOTS slots, closing
 *   the buffer it replaces (or leaving the slot empty);
 * - a domain thread: IOMMU_HWPT_ALLOC of a second domain on the same IOAS
 *   (through ivshmem's iommufd device), which iommufd fills with every
 *   mapped dma-buf window, then IOMMU_DESTROY of it.
 *
 * Collisions: the revoker makes a shared generation counter odd before the
 * event and even again once the revoke is lifted (after decode on or
 * LOW_POWER_EXIT; a reset lifts it itself when the ioctl ends; a close
 * ends with the device open and bound again). A map or
 * unmap that started with the counter odd or ended with another value
 * overlapped a revoke: a collision. Most of those run wholly inside a
 * revoke window (a map then fails with ENODEV at once); the ones that
 * ended with another value than they started with were in flight as a
 * revoke began or was lifted, and are counted apart.
 *
 * Invariants, checked as it goes: every call returns success or an errno
 * this file lists for it (rr_allowed()); on every REVOKE_RACE_SAMPLE-th
 * revoke, two mappings made just before it (the sentinels: the device's
 * oldest buffer, BAR2 pages 0-1, and a new one, the newest, pages 2-3)
 * take edu's DMA before the event, and after the event edu's DMA to each
 * raises an IOMMU fault and lands nothing; and at the end, with
 * every fd closed and everything unmapped, debugfs dma_buf/bufinfo shows
 * no vfio-pci buffer. The kernel log checks of the harness (WARN, BUG,
 * KASAN, lockdep, kmemleak) apply to the run.
 *
 * A close is permanent for the buffers of the closed device: on every
 * close, while the device is closed and again once it is open, bound and
 * decoding memory again, IOMMU_IOAS_MAP_FILE of the oldest buffer must fail
 * with ENODEV; then a buffer exported from the new open (the new oldest
 * one) must map, and edu's DMA into it must land. The exporter and the
 * domain thread use the device's fd and iommufd device id, so they wait
 * for the reopen (a read-write lock); the mappers use only dma-buf fds and
 * race the close itself.
 *
 * REVOKE_RACE_ITERS: revokes per test (default RR_ITERS_DEBUG on the debug
 * kernel, RR_ITERS_NORMAL on the normal one: make test's time budget).
 * REVOKE_RACE_EVENTS: the events the test "mixed" draws from, a bit mask
 * of enum rr_event (default all five, 0x1f: 1 decode, 2 reset, 4 hot
 * reset, 8 low power, 16 close and reopen).
 * REVOKE_RACE_SAMPLE: check edu's DMA on every Nth revoke (default 8).
 * REVOKE_RACE_SEED: seed of the threads' random choices (default 1).
 * REVOKE_RACE_MAPPERS: mapper threads (default 2, at most 8).
 * REVOKE_RACE_STALL: seconds a thread may go without progress before the
 * watchdog dumps the kernel stacks of every blocked task and fails the
 * run (default 120).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>

#include "guest.h"
/* The harness has unused parameters, which -Wextra -Werror refuses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"

#define PG			4096ULL
#define RR_ITERS_NORMAL		40
#define RR_ITERS_DEBUG		100
#define RR_SAMPLE_DEFAULT	8
/*
 * Seconds per test for the harness: long enough for a soak (README: 20000
 * revokes of close_reopen take about three hours on the debug kernel).
 * The list row's timeout bounds a run of make test, the watchdog a stall.
 */
#define RR_TIMEOUT		(24 * 3600)

#define RR_MAPPERS_DEFAULT	2
#define RR_MAPPERS_MAX		8
#define RR_SLOTS		4
/* The exporter's buffers take ranges of BAR2 pages [RR_SENT_PAGES, RR_MAX_PG). */
#define RR_MAX_PG		64
#define RR_MAX_RANGES		3

/* IOVAs below edu's 28-bit DMA mask. */
#define RR_RAM_IOVA		0x1000000ULL
#define RR_SENT_IOVA(k)		(0x2000000ULL + (k) * 0x1000000ULL)
#define RR_MAP_IOVA(t)		(0x4000000ULL + (t) * 0x1000000ULL)
/* the revoker's checks around a close, above every mapper's IOVA */
#define RR_CLOSE_IOVA		0xe000000ULL
/*
 * The sentinels: two buffers of two pages, BAR2 pages 0-1 and 2-3; page 0
 * of each takes DMA before the revoke, page 1 after it.
 */
#define RR_SENT_PAGES		4
#define RR_DMA_LEN		2048

/* What the threads call, for the errno table and the histogram. */
enum rr_call {
	RR_MAP, RR_UNMAP, RR_EXPORT, RR_DUP, RR_HWPT_ALLOC, RR_DESTROY,
	RR_DECODE, RR_RESET, RR_HOT_RESET, RR_LP_ENTRY, RR_LP_EXIT,
	RR_SENT_MAP, RR_SENT_UNMAP, RR_CLOSED_MAP, RR_REOPEN, RR_NR_CALLS
};

static const char *const rr_call_name[RR_NR_CALLS] = {
	[RR_MAP] = "map_file", [RR_UNMAP] = "unmap", [RR_EXPORT] = "export",
	[RR_DUP] = "dup", [RR_HWPT_ALLOC] = "hwpt_alloc",
	[RR_DESTROY] = "destroy", [RR_DECODE] = "decode_write",
	[RR_RESET] = "device_reset", [RR_HOT_RESET] = "hot_reset",
	[RR_LP_ENTRY] = "low_power_entry", [RR_LP_EXIT] = "low_power_exit",
	[RR_SENT_MAP] = "sentinel_map", [RR_SENT_UNMAP] = "sentinel_unmap",
	[RR_CLOSED_MAP] = "closed_map", [RR_REOPEN] = "reopen",
};

/*
 * The documented outcomes of each call as this program makes it (valid
 * windows of live buffers, free fixed IOVAs, ids that exist): success, and
 * for IOMMU_IOAS_MAP_FILE also ENODEV, the buffer being revoked (DESIGN.md
 * section 7; a revoke that comes between the attach and the fill of the
 * domains is ENODEV too). Everything else, and any errno of the others, is
 * a failure. The sentinel is mapped only while nothing revokes. The map
 * of a buffer whose device was closed (RR_CLOSED_MAP) has one outcome,
 * ENODEV: a success is a failure.
 */
static int rr_allowed(enum rr_call call, int err)
{
	if (call == RR_CLOSED_MAP)
		return err == ENODEV;
	if (!err)
		return 1;
	return call == RR_MAP && err == ENODEV;
}

enum rr_event { RR_EV_DECODE, RR_EV_RESET, RR_EV_HOT_RESET, RR_EV_LOW_POWER,
		RR_EV_CLOSE, RR_NR_EVENTS };

static const char *const rr_event_name[RR_NR_EVENTS] = {
	"decode off/on", "VFIO_DEVICE_RESET", "VFIO_DEVICE_PCI_HOT_RESET",
	"LOW_POWER_ENTRY/EXIT", "close and reopen",
};

#define RR_NR_ERRNO	160

/* Threads, for the watchdog: the revoker, the mappers, exporter, domains. */
#define RR_T_REVOKER	0
#define RR_T_MAPPER(i)	(1 + (i))
#define RR_T_EXPORTER	(1 + RR_MAPPERS_MAX)
#define RR_T_DOMAINS	(2 + RR_MAPPERS_MAX)
#define RR_NR_THREADS	(3 + RR_MAPPERS_MAX)

struct rr_ctx {
	int iommufd;
	__u32 ioas;
	struct vdev *edu, *shm;
	__u64 edu_bar0, bar2_off;
	unsigned char *ram;
	unsigned int seed;
	int sent;			/* the oldest sentinel: BAR2 pages 0-1 */

	/*
	 * shm->fd and shm->devid: read-locked by the exporter and the domain
	 * thread around their use, write-locked by the revoker from the close
	 * of the device to the end of its reopen
	 */
	pthread_rwlock_t dev_lock;

	/* the live buffers: fd and size, -1 when empty */
	pthread_rwlock_t slot_lock;
	int slot[RR_SLOTS];
	__u64 slot_size[RR_SLOTS];

	unsigned long gen;		/* odd while a revoke is in effect */
	int stop;
	int hwpt_ok;			/* the domain thread may run */
	int fresh;			/* the newest sentinel while sampling */

	unsigned long calls[RR_NR_CALLS][RR_NR_ERRNO];
	/* calls that overlapped a revoke window (started odd or ended on another value) */
	unsigned long map_collisions, unmap_collisions;
	/* of those, calls in flight when a revoke began or was lifted */
	unsigned long map_straddles, unmap_straddles;
	unsigned long maps_ok_in_window, maps_ok_straddling;
	unsigned long hot_reset_busy;
	unsigned long closed_maps;	/* ENODEV maps of a closed device's buffer */
	unsigned long ops;		/* maps and unmaps done */
	unsigned long revokes[RR_NR_EVENTS];
	unsigned long samples, faults;

	pthread_mutex_t fail_lock;
	int failed;
	char fail_msg[512];

	/* the watchdog: a heartbeat and a done flag per thread */
	unsigned long beat[RR_NR_THREADS];
	int done[RR_NR_THREADS];
	int nthreads, stall;
};

static unsigned long rr_load(unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void rr_inc(unsigned long *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
}

static int rr_stopped(struct rr_ctx *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_SEQ_CST);
}

/* Record the first failure and stop every thread. */
static void __attribute__((format(printf, 2, 3)))
rr_fail(struct rr_ctx *c, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->fail_lock);
	if (!c->failed) {
		c->failed = 1;
		va_start(ap, fmt);
		vsnprintf(c->fail_msg, sizeof(c->fail_msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&c->fail_lock);
	__atomic_store_n(&c->stop, 1, __ATOMIC_SEQ_CST);
}

/*
 * Count the outcome of a call (@ret: 0 or -1 with errno, or an fd) and
 * check it against rr_allowed(). Returns the errno, 0 on success.
 */
static int rr_count(struct rr_ctx *c, enum rr_call call, int ret)
{
	int err = ret < 0 ? errno : 0;

	rr_inc(&c->calls[call][err < RR_NR_ERRNO ? err : RR_NR_ERRNO - 1]);
	if (!rr_allowed(call, err))
		rr_fail(c, "%s returned %d, errno %d (%s), not a documented outcome",
			rr_call_name[call], ret, err, strerrorname_np(err) ?: "?");
	return err;
}

/* xorshift32: each thread its own state, from the seed and its number. */
static unsigned int rr_rand(unsigned int *s)
{
	unsigned int x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static unsigned int rr_seed(struct rr_ctx *c, unsigned int n)
{
	unsigned int s = c->seed * 2654435761u + n * 40503u + 1;

	return s ? s : 1;
}

/*
 * Wait until the mappers have done @n more operations, for at most @max
 * tries of 100 us: the revoker gives them time inside and between revoke
 * windows, so that maps both collide and succeed.
 */
static void rr_let_mappers_run(struct rr_ctx *c, unsigned int n, int max)
{
	unsigned long want = rr_load(&c->ops) + n;

	while (max-- > 0 && rr_load(&c->ops) < want && !rr_stopped(c))
		usleep(100);
}

static int rr_env(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

/* One buffer of 1 to RR_MAX_RANGES random ranges of BAR2, or -1. */
static int rr_export(struct rr_ctx *c, unsigned int *rs, __u64 *size)
{
	struct vfio_region_dma_range r[RR_MAX_RANGES];
	unsigned int i, n = 1 + rr_rand(rs) % RR_MAX_RANGES;
	__u64 first, pages;

	*size = 0;
	for (i = 0; i < n; i++) {
		first = RR_SENT_PAGES + rr_rand(rs) % (RR_MAX_PG - RR_SENT_PAGES);
		pages = 1 + rr_rand(rs) % (RR_MAX_PG - first);
		r[i].offset = first * PG;
		r[i].length = pages * PG;
		*size += pages * PG;
	}
	return vdev_export_ranges(c->shm, VFIO_PCI_BAR2_REGION_INDEX, r, n);
}

static void *rr_exporter(void *arg)
{
	struct rr_ctx *c = arg;
	unsigned int rs = rr_seed(c, 100);
	int fd, old, s, empty;
	__u64 size;

	while (!rr_stopped(c)) {
		rr_inc(&c->beat[RR_T_EXPORTER]);
		pthread_rwlock_rdlock(&c->dev_lock);
		fd = rr_export(c, &rs, &size);
		pthread_rwlock_unlock(&c->dev_lock);
		if (rr_count(c, RR_EXPORT, fd))
			break;
		s = rr_rand(&rs) % RR_SLOTS;
		/* one in four: close the new one too and leave the slot empty */
		empty = !(rr_rand(&rs) % 4);
		pthread_rwlock_wrlock(&c->slot_lock);
		old = c->slot[s];
		c->slot[s] = empty ? -1 : fd;
		c->slot_size[s] = empty ? 0 : size;
		pthread_rwlock_unlock(&c->slot_lock);
		if (old >= 0)
			close(old);
		if (empty)
			close(fd);
		/* an export is cheaper than a map: give the mappers the CPUs */
		usleep(500 + rr_rand(&rs) % 2000);
	}
	__atomic_store_n(&c->done[RR_T_EXPORTER], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

struct rr_mapper {
	struct rr_ctx *c;
	unsigned int n;
};

static int rr_map_file(struct rr_ctx *c, int fd, __u64 start, __u64 len,
		       __u64 iova)
{
	return ioas_map_file(c->iommufd, c->ioas, fd, start, len, iova);
}

static void *rr_mapper(void *arg)
{
	struct rr_mapper *m = arg;
	struct rr_ctx *c = m->c;
	unsigned int rs = rr_seed(c, m->n);
	__u64 iova = RR_MAP_IOVA(m->n), size, pages, first, len;
	unsigned long g0, g1;
	int fd, s, ret, closed;

	while (!rr_stopped(c)) {
		rr_inc(&c->beat[RR_T_MAPPER(m->n)]);
		s = rr_rand(&rs) % RR_SLOTS;
		pthread_rwlock_rdlock(&c->slot_lock);
		fd = c->slot[s] >= 0 ? dup(c->slot[s]) : -2;
		size = c->slot_size[s];
		pthread_rwlock_unlock(&c->slot_lock);
		if (fd == -2) {
			usleep(100);
			continue;
		}
		if (rr_count(c, RR_DUP, fd))
			break;
		/* a random window of whole pages of the buffer */
		pages = size / PG;
		first = rr_rand(&rs) % pages;
		len = (1 + rr_rand(&rs) % (pages - first)) * PG;

		g0 = rr_load(&c->gen);
		ret = rr_map_file(c, fd, first * PG, len, iova);
		g1 = rr_load(&c->gen);
		rr_count(c, RR_MAP, ret);
		rr_inc(&c->ops);
		if ((g0 & 1) || g0 != g1) {
			rr_inc(&c->map_collisions);
			if (!ret)
				rr_inc(&c->maps_ok_in_window);
		}
		if (g0 != g1) {
			rr_inc(&c->map_straddles);
			if (!ret)
				rr_inc(&c->maps_ok_straddling);
		}
		closed = 0;
		if (!ret) {
			/* half the time iommufd holds the last reference */
			if (rr_rand(&rs) % 2) {
				close(fd);
				closed = 1;
			}
			if (rr_rand(&rs) % 2)
				sched_yield();
			g0 = rr_load(&c->gen);
			ret = ioas_unmap(c->iommufd, c->ioas, iova, len);
			g1 = rr_load(&c->gen);
			rr_count(c, RR_UNMAP, ret);
			rr_inc(&c->ops);
			if ((g0 & 1) || g0 != g1)
				rr_inc(&c->unmap_collisions);
			if (g0 != g1)
				rr_inc(&c->unmap_straddles);
		}
		if (!closed)
			close(fd);
	}
	__atomic_store_n(&c->done[RR_T_MAPPER(m->n)], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * A second domain on the IOAS, allocated through ivshmem's iommufd device
 * and destroyed: iommufd fills it with every dma-buf window mapped at the
 * time (nothing for a revoked one) and a revoke must unmap it too. The
 * domain outlives a close of ivshmem's device (it belongs to the IOAS) and
 * is destroyed after the reopen.
 */
static void *rr_domains(void *arg)
{
	struct rr_ctx *c = arg;
	unsigned int rs = rr_seed(c, 200);
	struct iommu_hwpt_alloc alloc;
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	int ret;

	while (!rr_stopped(c)) {
		rr_inc(&c->beat[RR_T_DOMAINS]);
		memset(&alloc, 0, sizeof(alloc));
		alloc.size = sizeof(alloc);
		alloc.pt_id = c->ioas;
		pthread_rwlock_rdlock(&c->dev_lock);
		alloc.dev_id = c->shm->devid;
		ret = ioctl(c->iommufd, IOMMU_HWPT_ALLOC, &alloc);
		pthread_rwlock_unlock(&c->dev_lock);
		if (rr_count(c, RR_HWPT_ALLOC, ret))
			break;
		usleep(rr_rand(&rs) % 3000);
		destroy.id = alloc.out_hwpt_id;
		ret = ioctl(c->iommufd, IOMMU_DESTROY, &destroy);
		if (rr_count(c, RR_DESTROY, ret))
			break;
		usleep(rr_rand(&rs) % 3000);
	}
	__atomic_store_n(&c->done[RR_T_DOMAINS], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* BAR2 bytes through the vfio region (memory decode must be on). */
static int rr_bar_read(struct rr_ctx *c, unsigned int page, unsigned char *buf)
{
	return pread(c->shm->fd, buf, RR_DMA_LEN, c->bar2_off + page * PG) ==
	       RR_DMA_LEN ? 0 : -1;
}

static int rr_bar_zero(struct rr_ctx *c, unsigned int page)
{
	static const unsigned char zero[RR_DMA_LEN];

	return pwrite(c->shm->fd, zero, RR_DMA_LEN, c->bar2_off + page * PG) ==
	       RR_DMA_LEN ? 0 : -1;
}

/*
 * edu writes pattern @seed to page @page (0 or 1) of sentinel @k, whose
 * pages are BAR2 pages 2 * k and 2 * k + 1.
 */
static int rr_edu_write(struct rr_ctx *c, unsigned int seed, unsigned int k,
			unsigned int page)
{
	return edu_write_pattern(c->edu, c->edu_bar0, c->ram, RR_RAM_IOVA, seed,
				 RR_SENT_IOVA(k) + page * PG, RR_DMA_LEN);
}

/*
 * Before a sampled revoke (nothing revokes now): map the two sentinels,
 * the oldest buffer of the device and a new one, the newest, so that a
 * revoke that forgets the first or the last buffer of the device's list
 * is seen; check that edu's DMA lands in page 0 of each, and clear page 1.
 */
static int rr_sample_before(struct rr_ctx *c, unsigned int seed)
{
	unsigned char buf[RR_DMA_LEN];
	unsigned int k;
	long bad;

	c->fresh = vdev_export_bar(c->shm, VFIO_PCI_BAR2_REGION_INDEX, 2 * PG,
				   2 * PG);
	if (rr_count(c, RR_EXPORT, c->fresh))
		return -1;
	for (k = 0; k < 2; k++) {
		if (rr_count(c, RR_SENT_MAP,
			     rr_map_file(c, k ? c->fresh : c->sent, 0, 2 * PG,
					 RR_SENT_IOVA(k))))
			return -1;
		if (rr_bar_zero(c, 2 * k) || rr_bar_zero(c, 2 * k + 1)) {
			rr_fail(c, "clearing the sentinel pages: %s",
				strerror(errno));
			return -1;
		}
		if (rr_edu_write(c, seed, k, 0) || rr_bar_read(c, 2 * k, buf)) {
			rr_fail(c, "edu DMA before the revoke: %s",
				strerror(errno));
			return -1;
		}
		bad = pattern_mismatch(buf, seed, RR_DMA_LEN);
		if (bad >= 0) {
			rr_fail(c, "edu's DMA to sentinel %u before the revoke did not land (byte %ld)",
				k, bad);
			return -1;
		}
	}
	return 0;
}

/*
 * Right after the revoke (while it lasts, or after a reset ended): edu's
 * DMA to page 1 of each sentinel mapping must fault in the IOMMU.
 */
static int rr_sample_revoked(struct rr_ctx *c, unsigned int seed,
			     enum rr_event ev)
{
	long before, after;
	unsigned int k;

	for (k = 0; k < 2; k++) {
		before = dmar_fault_irqs();
		if (before < 0) {
			rr_fail(c, "no dmar fault interrupt count in /proc/interrupts");
			return -1;
		}
		if (rr_edu_write(c, seed, k, 1)) {
			rr_fail(c, "edu DMA after the revoke: %s",
				strerror(errno));
			return -1;
		}
		after = dmar_fault_wait(before);
		if (after <= before) {
			rr_fail(c, "after %s, edu's DMA to revoked sentinel %u (the %s buffer) raised no IOMMU fault (%ld -> %ld)",
				rr_event_name[ev], k, k ? "newest" : "oldest",
				before, after);
			return -1;
		}
		c->faults += after - before;
	}
	return 0;
}

/*
 * Once the revoke is lifted: nothing landed in page 1 of either sentinel;
 * unmap them, close the new one.
 */
static int rr_sample_after(struct rr_ctx *c, enum rr_event ev)
{
	unsigned char buf[RR_DMA_LEN];
	unsigned int k;
	long bad;

	for (k = 0; k < 2; k++) {
		if (rr_bar_read(c, 2 * k + 1, buf)) {
			rr_fail(c, "reading the sentinel page: %s",
				strerror(errno));
			return -1;
		}
		bad = pattern_mismatch(buf, 0, RR_DMA_LEN);
		if (bad >= 0) {
			rr_fail(c, "after %s, edu's DMA to revoked sentinel %u (the %s buffer) landed in the BAR (byte %ld is 0x%02x)",
				rr_event_name[ev], k, k ? "newest" : "oldest",
				bad, buf[bad]);
			return -1;
		}
		if (rr_count(c, RR_SENT_UNMAP,
			     ioas_unmap(c->iommufd, c->ioas, RR_SENT_IOVA(k),
					2 * PG)))
			return -1;
	}
	close(c->fresh);
	c->fresh = -1;
	c->samples++;
	return 0;
}

static int rr_low_power(struct rr_ctx *c, int enter)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 (enter ? VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY :
				  VFIO_DEVICE_FEATURE_LOW_POWER_EXIT),
	};

	return ioctl(c->shm->fd, VFIO_DEVICE_FEATURE, &f);
}

/*
 * VFIO_DEVICE_PCI_HOT_RESET takes the memory_lock of every device of the
 * set with a trylock and answers EBUSY when another ioctl holds one (the
 * exporter's, say; vfio_pci_dev_set_hot_reset() of the base kernel):
 * nothing was reset or revoked. Try again, up to 1000 times.
 */
static int rr_hot_reset(struct rr_ctx *c)
{
	struct vfio_pci_hot_reset hr = { .argsz = sizeof(hr), .count = 0 };
	int i, ret = -1;

	for (i = 0; i < 1000; i++) {
		ret = ioctl(c->shm->fd, VFIO_DEVICE_PCI_HOT_RESET, &hr);
		if (!ret || errno != EBUSY)
			break;
		c->hot_reset_busy++;
		usleep(100);
	}
	return ret;
}

/*
 * The oldest buffer, made before the device's last close, may not be
 * mapped: IOMMU_IOAS_MAP_FILE fails with ENODEV (RR_CLOSED_MAP). If it
 * succeeded, unmap it again so that the run can go on to report it.
 */
static int rr_closed_map(struct rr_ctx *c, const char *when)
{
	int ret = rr_map_file(c, c->sent, 0, 2 * PG, RR_CLOSE_IOVA);

	if (!ret) {
		ioas_unmap(c->iommufd, c->ioas, RR_CLOSE_IOVA, 2 * PG);
		rr_fail(c, "IOMMU_IOAS_MAP_FILE of a buffer of the closed device succeeded %s",
			when);
	}
	if (rr_count(c, RR_CLOSED_MAP, ret) != ENODEV)
		return -1;
	c->closed_maps++;
	return 0;
}

/*
 * Close ivshmem's vfio cdev, the only file of the device: the device is
 * unbound from iommufd and closed, and its buffers are revoked for good.
 * The device lock is held until rr_reopen().
 */
static int rr_close(struct rr_ctx *c)
{
	int ret;

	pthread_rwlock_wrlock(&c->dev_lock);
	ret = close(c->shm->fd);
	c->shm->fd = -1;
	if (ret) {
		pthread_rwlock_unlock(&c->dev_lock);
		rr_fail(c, "closing ivshmem's vfio cdev: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Open the cdev again, bind it to the same iommufd (a new device id) and
 * turn memory decode on (the open resets the device); read the BAR once;
 * then let the exporter and the domain thread go on.
 *
 * The read is there because the first user of a BAR in an open requests
 * its region (vfio_pci_core_setup_barmap(), which nothing serializes in
 * the base kernel): an export racing the revoker's first read of the BAR
 * after a reopen lost that race and failed with ENODEV, the region busy
 * ("BAR 2: can't reserve" in the kernel log). The export being a second
 * caller of that function is the series'; see README, Not done yet.
 */
static int rr_reopen(struct rr_ctx *c)
{
	unsigned char buf[RR_DMA_LEN];
	int ret = vdev_open(c->shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE);

	if (!ret)
		ret = vdev_bind(c->shm, c->iommufd);
	if (!ret)
		ret = cfg_command(c->shm, PCI_COMMAND_MEMORY, 0);
	if (!ret)
		ret = rr_bar_read(c, 0, buf);
	pthread_rwlock_unlock(&c->dev_lock);
	return rr_count(c, RR_REOPEN, ret) ? -1 : 0;
}

/*
 * After the reopen: the oldest buffer is still revoked; replace it with
 * one exported from the new open, which must map, and take edu's DMA in
 * its page 0 (BAR2 page 0), read back through the new open.
 */
static int rr_after_reopen(struct rr_ctx *c, unsigned int *rs)
{
	unsigned int seed = 1 + rr_rand(rs) % 250;
	unsigned char buf[RR_DMA_LEN];
	long bad;

	if (rr_closed_map(c, "after the reopen"))
		return -1;
	close(c->sent);
	c->sent = vdev_export_bar(c->shm, VFIO_PCI_BAR2_REGION_INDEX, 0,
				  2 * PG);
	if (rr_count(c, RR_EXPORT, c->sent))
		return -1;
	if (rr_count(c, RR_SENT_MAP,
		     rr_map_file(c, c->sent, 0, 2 * PG, RR_CLOSE_IOVA)))
		return -1;
	if (rr_bar_zero(c, 0) ||
	    edu_write_pattern(c->edu, c->edu_bar0, c->ram, RR_RAM_IOVA, seed,
			      RR_CLOSE_IOVA, RR_DMA_LEN) ||
	    rr_bar_read(c, 0, buf)) {
		rr_fail(c, "edu DMA into a buffer exported after the reopen: %s",
			strerror(errno));
		return -1;
	}
	bad = pattern_mismatch(buf, seed, RR_DMA_LEN);
	if (bad >= 0) {
		rr_fail(c, "edu's DMA into a buffer exported after the reopen did not land (byte %ld)",
			bad);
		return -1;
	}
	return rr_count(c, RR_SENT_UNMAP,
			ioas_unmap(c->iommufd, c->ioas, RR_CLOSE_IOVA, 2 * PG)) ?
	       -1 : 0;
}

/*
 * One revoke event, lifted at its end. Returns 0, or -1 after rr_fail().
 * When @sample, the sentinel is checked around it.
 */
static int rr_revoke(struct rr_ctx *c, enum rr_event ev, int sample,
		     unsigned int *rs)
{
	unsigned int seed = 1 + rr_rand(rs) % 250;
	int ret;

	if (sample && rr_sample_before(c, seed))
		return -1;

	rr_inc(&c->gen);	/* odd: revoked from here on */
	switch (ev) {
	case RR_EV_DECODE:
		ret = cfg_command(c->shm, 0, PCI_COMMAND_MEMORY);
		if (rr_count(c, RR_DECODE, ret))
			return -1;
		break;
	case RR_EV_RESET:
		if (rr_count(c, RR_RESET, ioctl(c->shm->fd, VFIO_DEVICE_RESET)))
			return -1;
		break;
	case RR_EV_HOT_RESET:
		if (rr_count(c, RR_HOT_RESET, rr_hot_reset(c)))
			return -1;
		break;
	case RR_EV_LOW_POWER:
		if (rr_count(c, RR_LP_ENTRY, rr_low_power(c, 1)))
			return -1;
		break;
	case RR_EV_CLOSE:
		if (rr_close(c))
			return -1;
		break;
	default:
		return -1;
	}
	c->revokes[ev]++;
	if ((sample && rr_sample_revoked(c, seed + 1, ev)) ||
	    (ev == RR_EV_CLOSE && rr_closed_map(c, "while it is closed"))) {
		/* the run has failed: let the other threads see it and end */
		if (ev == RR_EV_CLOSE)
			pthread_rwlock_unlock(&c->dev_lock);
		return -1;
	}
	/* the temporary events last while the mappers do a few operations */
	if (ev == RR_EV_DECODE || ev == RR_EV_LOW_POWER || ev == RR_EV_CLOSE)
		rr_let_mappers_run(c, rr_rand(rs) % 4, 100);
	if (ev == RR_EV_DECODE)
		ret = rr_count(c, RR_DECODE,
			       cfg_command(c->shm, PCI_COMMAND_MEMORY, 0));
	else if (ev == RR_EV_LOW_POWER)
		ret = rr_count(c, RR_LP_EXIT, rr_low_power(c, 0));
	else if (ev == RR_EV_CLOSE)
		ret = rr_reopen(c);
	else
		ret = 0;
	rr_inc(&c->gen);	/* even: lifted */
	if (ret)
		return -1;
	if (sample && rr_sample_after(c, ev))
		return -1;
	if (ev == RR_EV_CLOSE && rr_after_reopen(c, rs))
		return -1;
	return 0;
}

/*
 * The watchdog: a thread that has not finished and whose heartbeat has
 * not moved for c->stall seconds is stuck, in the kernel (every loop of
 * the threads is bounded). Dump the stacks, and end the harness's process
 * too: the stuck task cannot be killed, and the program would otherwise
 * wait for the list's timeout.
 */
static void *rr_watchdog(void *arg)
{
	struct rr_ctx *c = arg;
	unsigned long last[RR_NR_THREADS] = { 0 };
	int still[RR_NR_THREADS] = { 0 };
	int i;

	for (;;) {
		int all_done = 1;

		sleep(1);
		for (i = 0; i < RR_NR_THREADS; i++) {
			unsigned long b = rr_load(&c->beat[i]);

			if (i >= c->nthreads && i != RR_T_EXPORTER &&
			    i != RR_T_DOMAINS)
				continue;
			if (__atomic_load_n(&c->done[i], __ATOMIC_SEQ_CST))
				continue;
			all_done = 0;
			still[i] = b == last[i] ? still[i] + 1 : 0;
			last[i] = b;
			if (still[i] < c->stall)
				continue;
			printf("# stall: thread %d made no progress for %d s; kernel stacks:\n",
			       i, c->stall);
			stall_dump_stacks();
			stall_dump_klog();
			rr_fail(c, "thread %d made no progress for %d s (stacks above)",
				i, c->stall);
			kill(getppid(), SIGKILL);
			_exit(1);
		}
		if (all_done)
			break;
	}
	return NULL;
}

/* How many dma-bufs of vfio-pci debugfs lists; -1 if it cannot be read. */
static int rr_bufinfo_vfio(void)
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

static void rr_print_counts(struct rr_ctx *c, const char *test, double secs)
{
	unsigned long revokes = 0;
	int i, e;

	for (i = 0; i < RR_NR_EVENTS; i++)
		revokes += c->revokes[i];
	printf("# %s: %lu revokes in %.1f s (decode %lu, reset %lu, hot reset %lu, low power %lu, close %lu)\n",
	       test, revokes, secs, c->revokes[RR_EV_DECODE],
	       c->revokes[RR_EV_RESET], c->revokes[RR_EV_HOT_RESET],
	       c->revokes[RR_EV_LOW_POWER], c->revokes[RR_EV_CLOSE]);
	printf("# %s: collisions %lu (maps %lu, of which succeeded %lu; unmaps %lu)\n",
	       test, c->map_collisions + c->unmap_collisions, c->map_collisions,
	       c->maps_ok_in_window, c->unmap_collisions);
	printf("# %s: in flight as a revoke began or ended %lu (maps %lu, of which succeeded %lu; unmaps %lu)\n",
	       test, c->map_straddles + c->unmap_straddles, c->map_straddles,
	       c->maps_ok_straddling, c->unmap_straddles);
	if (c->hot_reset_busy)
		printf("# %s: hot reset retried after EBUSY %lu times\n", test,
		       c->hot_reset_busy);
	if (c->revokes[RR_EV_CLOSE])
		printf("# %s: maps of a closed device's buffer refused with ENODEV %lu, fresh exports after a reopen mapped and took DMA %lu\n",
		       test, c->closed_maps, c->revokes[RR_EV_CLOSE]);
	printf("# %s: DMA samples %lu, IOMMU faults %lu\n", test, c->samples,
	       c->faults);
	for (i = 0; i < RR_NR_CALLS; i++) {
		unsigned long total = 0;
		char buf[256];
		int len = 0;

		for (e = 0; e < RR_NR_ERRNO; e++) {
			if (!c->calls[i][e])
				continue;
			total += c->calls[i][e];
			len += snprintf(buf + len, sizeof(buf) - len, " %s=%lu",
					e ? strerrorname_np(e) ?: "?" : "ok",
					c->calls[i][e]);
			if (len >= (int)sizeof(buf))
				break;
		}
		if (total)
			printf("# %s: %-15s %lu:%s\n", test, rr_call_name[i],
			       total, buf);
	}
	fflush(stdout);
}

FIXTURE(race) {
	struct vdev edu, shm;
	int iommufd;
	__u32 ioas;
	__u64 edu_bar0, bar2_off;
	unsigned char *ram;
	int sent;		/* the oldest sentinel: BAR2 pages 0-1 */
};

FIXTURE_SETUP(race)
{
	struct vfio_region_info reg;

	self->iommufd = -1;
	self->sent = -1;
	self->ram = MAP_FAILED;
	self->iommufd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, vdev_open(&self->edu, EDU_VENDOR, EDU_DEVICE));
	ASSERT_EQ(0, vdev_bind(&self->edu, self->iommufd));
	ASSERT_EQ(0, vdev_open(&self->shm, IVSHMEM_VENDOR, IVSHMEM_DEVICE));
	ASSERT_EQ(0, vdev_bind(&self->shm, self->iommufd));
	ASSERT_EQ(0, ioas_alloc(self->iommufd, &self->ioas));
	ASSERT_EQ(0, vdev_attach(&self->edu, self->ioas));
	ASSERT_EQ(0, region_info(&self->edu, VFIO_PCI_BAR0_REGION_INDEX, &reg));
	self->edu_bar0 = reg.offset;
	ASSERT_EQ(0, region_info(&self->shm, VFIO_PCI_BAR2_REGION_INDEX, &reg));
	self->bar2_off = reg.offset;
	ASSERT_LE(RR_MAX_PG * PG, reg.size);
	ASSERT_EQ(0, cfg_command(&self->edu,
				 PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, cfg_command(&self->shm, PCI_COMMAND_MEMORY, 0));
	self->ram = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
	self->ram[0] = 0;
	ASSERT_EQ(0, ioas_map(self->iommufd, self->ioas, self->ram, PG,
			      RR_RAM_IOVA));
	self->sent = vdev_export_bar(&self->shm, VFIO_PCI_BAR2_REGION_INDEX, 0,
				     2 * PG);
	ASSERT_LE(0, self->sent);
}

FIXTURE_TEARDOWN(race)
{
	if (self->sent >= 0)
		close(self->sent);
	if (self->shm.fd >= 0)
		close(self->shm.fd);
	if (self->edu.fd >= 0)
		close(self->edu.fd);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->ram != MAP_FAILED)
		munmap(self->ram, PG);
}

/* Whether the event can be made on this guest; a reason if not. */
static const char *rr_unsupported(FIXTURE_DATA(race) *self, enum rr_event ev)
{
	struct vfio_pci_hot_reset_info info = { .argsz = sizeof(info) };
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
	};
	struct vfio_device_info di = { .argsz = sizeof(di) };

	switch (ev) {
	case RR_EV_RESET:
		if (ioctl(self->shm.fd, VFIO_DEVICE_GET_INFO, &di) ||
		    !(di.flags & VFIO_DEVICE_FLAGS_RESET))
			return "ivshmem has no reset method";
		return NULL;
	case RR_EV_HOT_RESET:
		/* ENOSPC and the count: the reset takes ivshmem alone */
		if (!ioctl(self->shm.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
			   &info) || errno != ENOSPC || info.count != 1)
			return "no hot reset of ivshmem alone";
		return NULL;
	case RR_EV_LOW_POWER:
		if (ioctl(self->shm.fd, VFIO_DEVICE_FEATURE, &f))
			return "no VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY";
		return NULL;
	default:
		return NULL;
	}
}

/*
 * The race: the threads run while the test revokes REVOKE_RACE_ITERS times
 * with events drawn from @events (a bit mask of enum rr_event).
 */
static void rr_run(struct __test_metadata *_metadata,
		   FIXTURE_DATA(race) *self, unsigned int events,
		   const char *test)
{
	int iters = rr_env("REVOKE_RACE_ITERS", guest_debug_kernel() ?
			   RR_ITERS_DEBUG : RR_ITERS_NORMAL);
	int every = rr_env("REVOKE_RACE_SAMPLE", RR_SAMPLE_DEFAULT);
	int nmap = rr_env("REVOKE_RACE_MAPPERS", RR_MAPPERS_DEFAULT);
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.dev_id = self->shm.devid,
		.pt_id = self->ioas,
	};
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	struct rr_mapper mappers[RR_MAPPERS_MAX];
	pthread_t mt[RR_MAPPERS_MAX], et, dt, wt;
	enum rr_event evs[RR_NR_EVENTS];
	struct timespec t0, t1;
	unsigned int rs, nev = 0;
	struct rr_ctx *c;
	int i, n;

	for (i = 0; i < RR_NR_EVENTS; i++) {
		const char *why;

		if (!(events & (1u << i)))
			continue;
		why = rr_unsupported(self, i);
		if (why) {
			printf("# %s: %s not available: %s\n", test,
			       rr_event_name[i], why);
			continue;
		}
		evs[nev++] = i;
	}
	if (!nev)
		SKIP(return, "none of the revoke events is available");
	if (every <= 0)
		every = RR_SAMPLE_DEFAULT;
	if (nmap < 1 || nmap > RR_MAPPERS_MAX)
		nmap = RR_MAPPERS_DEFAULT;

	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	c->iommufd = self->iommufd;
	c->ioas = self->ioas;
	c->edu = &self->edu;
	c->shm = &self->shm;
	c->edu_bar0 = self->edu_bar0;
	c->bar2_off = self->bar2_off;
	c->ram = self->ram;
	c->sent = self->sent;
	c->seed = rr_env("REVOKE_RACE_SEED", 1);
	c->fresh = -1;
	c->stall = rr_env("REVOKE_RACE_STALL", 120);
	c->nthreads = 1 + nmap;
	pthread_rwlock_init(&c->slot_lock, NULL);
	pthread_rwlock_init(&c->dev_lock, NULL);
	pthread_mutex_init(&c->fail_lock, NULL);
	for (i = 0; i < RR_SLOTS; i++)
		c->slot[i] = -1;
	/* a second domain through ivshmem's device, if the IOMMU gives one */
	c->hwpt_ok = !ioctl(self->iommufd, IOMMU_HWPT_ALLOC, &alloc);
	if (c->hwpt_ok) {
		destroy.id = alloc.out_hwpt_id;
		ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_DESTROY, &destroy));
	} else {
		printf("# %s: no second domain (IOMMU_HWPT_ALLOC: %s)\n", test,
		       strerror(errno));
	}
	printf("# %s: %d revokes, DMA checked on every %d, seed %u, %d mappers\n",
	       test, iters, every, c->seed, nmap);
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nmap; i++) {
		mappers[i].c = c;
		mappers[i].n = i;
		ASSERT_EQ(0, pthread_create(&mt[i], NULL, rr_mapper, &mappers[i]));
	}
	ASSERT_EQ(0, pthread_create(&et, NULL, rr_exporter, c));
	if (c->hwpt_ok) {
		ASSERT_EQ(0, pthread_create(&dt, NULL, rr_domains, c));
	} else {
		c->done[RR_T_DOMAINS] = 1;
	}
	ASSERT_EQ(0, pthread_create(&wt, NULL, rr_watchdog, c));

	rs = rr_seed(c, 300);
	for (n = 0; n < iters && !rr_stopped(c); n++) {
		rr_inc(&c->beat[RR_T_REVOKER]);
		if (rr_revoke(c, evs[rr_rand(&rs) % nev], n % every == 0, &rs))
			break;
		/* between revokes, let maps succeed too */
		rr_let_mappers_run(c, rr_rand(&rs) % 4, 100);
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->done[RR_T_REVOKER], 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < nmap; i++)
		pthread_join(mt[i], NULL);
	pthread_join(et, NULL);
	if (c->hwpt_ok)
		pthread_join(dt, NULL);
	pthread_join(wt, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* a close replaced the oldest buffer; the teardown closes this one */
	self->sent = c->sent;

	rr_print_counts(c, test, (t1.tv_sec - t0.tv_sec) +
			(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (c->failed)
		TH_LOG("%s", c->fail_msg);
	ASSERT_EQ(0, c->failed);

	/* memory decode is on and nothing is revoked: clean up, then count */
	for (i = 0; i < RR_SLOTS; i++)
		if (c->slot[i] >= 0)
			close(c->slot[i]);
	if (c->fresh >= 0)
		close(c->fresh);
	if (self->sent >= 0)
		close(self->sent);
	self->sent = -1;
	for (i = 0; i < 200; i++) {
		n = rr_bufinfo_vfio();
		if (n <= 0)
			break;
		usleep(10000);
	}
	printf("# %s: vfio-pci dma-bufs in debugfs bufinfo after close: %d\n",
	       test, n);
	fflush(stdout);
	ASSERT_EQ(0, n);
	free(c);
}

TEST_F_TIMEOUT(race, decode_off_on, RR_TIMEOUT)
{
	rr_run(_metadata, self, 1u << RR_EV_DECODE, "decode_off_on");
}

TEST_F_TIMEOUT(race, device_reset, RR_TIMEOUT)
{
	rr_run(_metadata, self, 1u << RR_EV_RESET, "device_reset");
}

TEST_F_TIMEOUT(race, hot_reset, RR_TIMEOUT)
{
	rr_run(_metadata, self, 1u << RR_EV_HOT_RESET, "hot_reset");
}

TEST_F_TIMEOUT(race, low_power, RR_TIMEOUT)
{
	rr_run(_metadata, self, 1u << RR_EV_LOW_POWER, "low_power");
}

TEST_F_TIMEOUT(race, close_reopen, RR_TIMEOUT)
{
	rr_run(_metadata, self, 1u << RR_EV_CLOSE, "close_reopen");
}

TEST_F_TIMEOUT(race, mixed, RR_TIMEOUT)
{
	unsigned int all = (1u << RR_NR_EVENTS) - 1;

	rr_run(_metadata, self,
	       rr_env("REVOKE_RACE_EVENTS", all) & all, "mixed");
}

TEST_HARNESS_MAIN
