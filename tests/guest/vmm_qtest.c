// SPDX-License-Identifier: GPL-2.0
/*
 * The L2 guest of make vmm-test: QEMU 11 (Debian sid) runs in the test
 * guest as a VMM, with edu and ivshmem assigned through iommufd, and this
 * program plays its firmware and driver over qtest (no vCPU): it programs
 * the BARs and command registers through config space (ports 0xcf8/0xcfc),
 * drives edu's DMA engine, reads and writes L2 memory, and uses QMP for
 * system_reset and quit. It checks what the L1 kernel shows meanwhile
 * (debugfs bufinfo, the IOMMU's fault interrupts).
 *
 * usage: vmm_qtest QMP LOG -- QEMU-COMMAND...
 *   QEMU-COMMAND is started with qtest on its stdin/stdout ("-qtest stdio")
 *   and its stderr going to LOG; it talks QMP through the FIFOs QMP.in and
 *   QMP.out ("-qmp pipe:QMP"). The guest kernel has no sockets.
 *
 * Output: a TAP plan and one ok/not ok line per case; "hostcheck:" lines
 * for the host to check in the file behind ivshmem's BAR2 after the run.
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "guest.h"

/* Where the L2 firmware puts ivshmem's BAR2: below edu's 28-bit DMA mask. */
#define L2_BAR2		0x8000000ULL
/* The other BARs go from here up, each aligned to its size. */
#define L2_MMIO_NEXT	0x9000000ULL
/* L2 RAM (64 MiB) used by the DMA cases. */
#define L2_SRC		0x100000ULL
#define L2_DST		0x200000ULL
#define LEN		2048
#define NCASES		10

static int qt_w = -1, qmp_w = -1;
static pid_t qemu_pid = -1;
static const char *qemu_log;
static int case_no, failed;

struct lbuf {
	int fd;
	size_t len;
	char buf[16384];
};

static struct lbuf qt_r, qmp_r;

static void report(int ok, const char *fmt, ...)
{
	va_list ap;

	failed += !ok;
	printf("%s %d ", ok ? "ok" : "not ok", ++case_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line (without the newline) into @line; -1 on EOF or timeout. */
static int read_line(struct lbuf *b, char *line, size_t max, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	struct pollfd p = { .fd = b->fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	size_t l;

	for (;;) {
		nl = memchr(b->buf, '\n', b->len);
		if (nl) {
			l = nl - b->buf;
			if (l >= max)
				l = max - 1;
			memcpy(line, b->buf, l);
			line[l] = 0;
			if (l && line[l - 1] == '\r')
				line[l - 1] = 0;
			b->len -= nl + 1 - b->buf;
			memmove(b->buf, nl + 1, b->len);
			return 0;
		}
		if (b->len == sizeof(b->buf))
			b->len = 0;	/* a line too long for us: drop it */
		if (now_ms() >= end || poll(&p, 1, end - now_ms()) <= 0)
			return -1;
		n = read(b->fd, b->buf + b->len, sizeof(b->buf) - b->len);
		if (n <= 0)
			return -1;
		b->len += n;
	}
}

static int write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n <= 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

static int qtest_timeout_ms = 30000;
static char qt_line[16384];

/*
 * Send one qtest command; returns what follows "OK" in the answer (maybe
 * ""), or NULL when QEMU answered something else or nothing.
 */
static const char *qtest(const char *fmt, ...)
{
	static char cmd[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(cmd) - 1)
		return NULL;
	cmd[n++] = '\n';
	if (write_all(qt_w, cmd, n))
		return NULL;
	for (;;) {
		if (read_line(&qt_r, qt_line, sizeof(qt_line), qtest_timeout_ms)) {
			printf("# qtest: no answer to: %.60s\n", cmd);
			return NULL;
		}
		if (!strncmp(qt_line, "IRQ", 3))
			continue;
		if (!strncmp(qt_line, "OK", 2))
			return qt_line[2] == ' ' ? qt_line + 3 : qt_line + 2;
		printf("# qtest: '%.60s' answered '%.100s'\n", cmd, qt_line);
		return NULL;
	}
}

static int qtest_u64(__u64 *val, const char *fmt, ...)
{
	static char cmd[256];
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = qtest("%s", cmd);
	if (!r)
		return -1;
	*val = strtoull(r, NULL, 0);
	return 0;
}

/* L2 config space through the legacy mechanism, as firmware does it. */
static __u32 l2_cfg_addr(int dev, int reg)
{
	return 0x80000000u | (dev << 11) | (reg & 0xfc);
}

static int l2_cfg_read32(int dev, int reg, __u32 *val)
{
	__u64 v;

	if (!qtest("outl 0xcf8 0x%x", l2_cfg_addr(dev, reg)) ||
	    qtest_u64(&v, "inl 0xcfc"))
		return -1;
	*val = v;
	return 0;
}

static int l2_cfg_write32(int dev, int reg, __u32 val)
{
	return qtest("outl 0xcf8 0x%x", l2_cfg_addr(dev, reg)) &&
	       qtest("outl 0xcfc 0x%x", val) ? 0 : -1;
}

static int l2_cfg_write16(int dev, int reg, __u16 val)
{
	return qtest("outl 0xcf8 0x%x", l2_cfg_addr(dev, reg)) &&
	       qtest("outw 0x%x 0x%x", 0xcfc + (reg & 2), val) ? 0 : -1;
}

/* L2 memory, through qtest's read and write. */
static int l2_write(__u64 gpa, const unsigned char *p, size_t len)
{
	static char hex[2 * 4096 + 1];
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", p[i]);
	return qtest("write 0x%llx 0x%zx 0x%s", (unsigned long long)gpa, len,
		     hex) ? 0 : -1;
}

static int l2_read(__u64 gpa, unsigned char *p, size_t len)
{
	const char *r = qtest("read 0x%llx 0x%zx", (unsigned long long)gpa, len);
	size_t i;
	unsigned int b;

	if (!r || strncmp(r, "0x", 2) || strlen(r + 2) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (sscanf(r + 2 + 2 * i, "%2x", &b) != 1)
			return -1;
		p[i] = b;
	}
	return 0;
}

/* The first byte of @len at L2 @gpa that is not pattern @seed, or -1. */
static long l2_mismatch(__u64 gpa, unsigned int seed, size_t len)
{
	unsigned char buf[LEN];

	if (len > sizeof(buf) || l2_read(gpa, buf, len))
		return -2;
	return pattern_mismatch(buf, seed, len);
}

/* A PCI function of the L2 machine and where its firmware put its BARs. */
struct l2dev {
	const char *name;
	int dev;		/* slot on bus 0 */
	__u64 bar[6];
	__u64 size[6];
};

static struct l2dev edu = { .name = "edu", .dev = -1 };
static struct l2dev ivs = { .name = "ivshmem", .dev = -1 };

static int l2_find(struct l2dev *d, __u32 id)
{
	__u32 v;
	int dev;

	for (dev = 0; dev < 32; dev++) {
		if (l2_cfg_read32(dev, 0, &v))
			return -1;
		if (v == id) {
			d->dev = dev;
			return 0;
		}
	}
	return -1;
}

/*
 * Size each memory BAR and place it: BAR @fixed at @fixed_addr, the others
 * from *next up; then turn on memory decode (and bus mastering if @master).
 */
static int l2_program(struct l2dev *d, int fixed, __u64 fixed_addr,
		      __u64 *next, int master)
{
	__u32 orig, lo, hi;
	__u64 size, addr;
	int i, is64;

	if (l2_cfg_write16(d->dev, PCI_COMMAND, 0))
		return -1;
	for (i = 0; i < 6; i++) {
		int reg = PCI_BASE_ADDRESS_0 + 4 * i;

		if (l2_cfg_read32(d->dev, reg, &orig) ||
		    l2_cfg_write32(d->dev, reg, 0xffffffff) ||
		    l2_cfg_read32(d->dev, reg, &lo))
			return -1;
		if (!lo || (orig & PCI_BASE_ADDRESS_SPACE_IO))
			continue;
		is64 = (orig & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		       PCI_BASE_ADDRESS_MEM_TYPE_64;
		hi = 0xffffffff;
		if (is64 && (l2_cfg_write32(d->dev, reg + 4, 0xffffffff) ||
			     l2_cfg_read32(d->dev, reg + 4, &hi)))
			return -1;
		size = ~((((__u64)hi) << 32) | (lo & ~0xfu)) + 1;
		if (i == fixed) {
			addr = fixed_addr;
		} else {
			addr = (*next + size - 1) & ~(size - 1);
			*next = addr + size;
		}
		if (l2_cfg_write32(d->dev, reg, (__u32)addr) ||
		    (is64 && l2_cfg_write32(d->dev, reg + 4, addr >> 32)))
			return -1;
		d->bar[i] = addr;
		d->size[i] = size;
		printf("#   %s (L2 00:%02x.0) BAR%d: 0x%llx bytes at 0x%llx%s\n",
		       d->name, d->dev, i, (unsigned long long)size,
		       (unsigned long long)addr, is64 ? " (64-bit)" : "");
		if (is64)
			i++;
	}
	return l2_cfg_write16(d->dev, PCI_COMMAND, PCI_COMMAND_MEMORY |
			   (master ? PCI_COMMAND_MASTER : 0));
}

/* The firmware's part: find both devices, place their BARs, enable them. */
static int l2_firmware(void)
{
	__u64 next = L2_MMIO_NEXT;

	memset(edu.bar, 0, sizeof(edu.bar));
	memset(ivs.bar, 0, sizeof(ivs.bar));
	if (l2_find(&edu, EDU_VENDOR | EDU_DEVICE << 16) ||
	    l2_find(&ivs, IVSHMEM_VENDOR | IVSHMEM_DEVICE << 16)) {
		printf("# edu or ivshmem not found on L2 bus 0\n");
		return -1;
	}
	if (l2_program(&edu, -1, 0, &next, 1) ||
	    l2_program(&ivs, 2, L2_BAR2, &next, 0))
		return -1;
	return edu.size[0] && ivs.size[2] ? 0 : -1;
}

/* edu copies @len bytes: @to_ram 0: L2 @addr -> its buffer, 1: back. */
static int edu_run(__u64 addr, int to_ram)
{
	__u64 b = edu.bar[0], cmd;
	long end;

	if (!qtest("writeq 0x%llx 0x%llx", b + EDU_REG_DMA_SRC,
		   to_ram ? EDU_BUF_ADDR : addr) ||
	    !qtest("writeq 0x%llx 0x%llx", b + EDU_REG_DMA_DST,
		   to_ram ? addr : EDU_BUF_ADDR) ||
	    !qtest("writeq 0x%llx 0x%x", b + EDU_REG_DMA_CNT, LEN) ||
	    !qtest("writeq 0x%llx 0x%x", b + EDU_REG_DMA_CMD,
		   EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0)))
		return -1;
	/* edu runs on the L1 QEMU's clock: wait in real time. */
	for (end = now_ms() + 20000; now_ms() < end; usleep(20000)) {
		if (qtest_u64(&cmd, "readq 0x%llx", b + EDU_REG_DMA_CMD))
			return -1;
		if (!(cmd & EDU_CMD_START))
			return 0;
	}
	printf("# edu did not finish a transfer\n");
	return -1;
}

/* edu writes pattern @seed to L2 @gpa, by way of L2 RAM and its buffer. */
static int edu_pattern_to(unsigned int seed, __u64 gpa)
{
	unsigned char buf[LEN];
	int i;

	for (i = 0; i < LEN; i++)
		buf[i] = dma_pattern(seed, i);
	if (l2_write(L2_SRC, buf, LEN) || edu_run(L2_SRC, 0))
		return -1;
	return edu_run(gpa, 1);
}

/* P2P: pattern @seed at BAR2 + @off, then read it back through qtest. */
static int p2p(unsigned int seed, __u64 off)
{
	long bad;

	if (edu_pattern_to(seed, ivs.bar[2] + off))
		return -1;
	bad = l2_mismatch(ivs.bar[2] + off, seed, LEN);
	printf("hostcheck: expect pattern %u at BAR2+0x%llx, %d bytes\n", seed,
	       (unsigned long long)off, LEN);
	if (bad != -1)
		printf("# BAR2 + 0x%llx: byte %ld differs\n",
		       (unsigned long long)off, bad);
	return bad == -1 ? 0 : -1;
}

/* Send a QMP command; wait for its answer (and the event @ev if given). */
static int qmp(const char *cmd, const char *ev)
{
	char line[4096], evneedle[64];
	int answered = 0, seen = !ev;

	snprintf(evneedle, sizeof(evneedle), "\"event\": \"%s\"", ev ? ev : "");
	if (write_all(qmp_w, cmd, strlen(cmd)) || write_all(qmp_w, "\n", 1))
		return -1;
	while (!answered || !seen) {
		if (read_line(&qmp_r, line, sizeof(line), 60000)) {
			printf("# qmp: no answer to %s\n", cmd);
			return -1;
		}
		printf("# qmp: %.200s\n", line);
		if (strstr(line, "\"error\""))
			return -1;
		if (strstr(line, "\"return\""))
			answered = 1;
		if (ev && strstr(line, evneedle))
			seen = 1;
	}
	return 0;
}

/*
 * debugfs bufinfo: the number of dma-bufs, and whether one exported by
 * vfio-pci of @size bytes has a PAL attachment. Echoed with "# | ".
 */
static int bufinfo(__u64 size, int *pal)
{
	char line[512], exp[64];
	unsigned long long sz;
	int objects = 0, cur = 0;
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");

	*pal = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		printf("# | %s\n", line);
		if (sscanf(line, "%llu %*s %*s %*s %63s", &sz, exp) == 2) {
			objects++;
			cur = sz == size && !strcmp(exp, "vfio_pci_core");
		} else if (cur && !strncmp(line, "\tpal ", 5)) {
			*pal = 1;
		}
	}
	fclose(f);
	return objects;
}

/* Lines of QEMU's log that contain @a and @b (either may be NULL). */
static int log_count(const char *a, const char *b, int echo)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(qemu_log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if ((a && !strstr(line, a)) || (b && !strstr(line, b)))
			continue;
		n++;
		if (echo)
			printf("# qemu: %s", line);
	}
	fclose(f);
	return n;
}

static int start_qemu(char **argv, const char *qmp_path)
{
	int in[2], out[2], logfd;
	char path[256];

	if (pipe(in) || pipe(out))
		return -1;
	logfd = open(qemu_log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (logfd < 0)
		return -1;
	qemu_pid = fork();
	if (qemu_pid < 0)
		return -1;
	if (!qemu_pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(logfd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(logfd);
	qt_w = in[1];
	qt_r.fd = out[0];
	/* O_RDWR: opening a FIFO that way does not wait for the other end. */
	snprintf(path, sizeof(path), "%s.in", qmp_path);
	qmp_w = open(path, O_RDWR);
	snprintf(path, sizeof(path), "%s.out", qmp_path);
	qmp_r.fd = open(path, O_RDWR);
	return qmp_w < 0 || qmp_r.fd < 0 ? -1 : 0;
}

/* Wait up to @ms for QEMU to exit; its wait status, or -1. */
static int wait_qemu(int ms)
{
	long end = now_ms() + ms;
	int st;

	while (now_ms() < end) {
		if (waitpid(qemu_pid, &st, WNOHANG) == qemu_pid) {
			qemu_pid = -1;
			return st;
		}
		usleep(50000);
	}
	return -1;
}

static void skip_rest(const char *why)
{
	while (case_no < NCASES)
		report(0, "not run: %s", why);
}

int main(int argc, char **argv)
{
	char greeting[4096];
	long before, after;
	int objects, pal, st, ok, exported, fallback, mapped, resets;
	char ivs_bdf[32], needle[128];
	__u32 v;

	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: vmm_qtest QMP LOG -- QEMU-COMMAND...\n");
		return 2;
	}
	qemu_log = argv[2];
	/* If QEMU dies, report the cases as failed instead of dying too. */
	signal(SIGPIPE, SIG_IGN);
	if (find_pci(IVSHMEM_VENDOR, IVSHMEM_DEVICE, ivs_bdf, sizeof(ivs_bdf)))
		snprintf(ivs_bdf, sizeof(ivs_bdf), "?");
	printf("1..%d\n", NCASES);
	fflush(stdout);

	if (start_qemu(argv + 4, argv[1]))
		die_errno("starting QEMU");
	/* QEMU answers qtest once its machine is up: allow for a slow kernel. */
	qtest_timeout_ms = 600000;
	before = now_ms();
	ok = !!qtest("outl 0xcf8 0x80000000");
	qtest_timeout_ms = 30000;
	printf("# QEMU answered qtest after %ld ms\n", now_ms() - before);
	if (ok)
		ok = !read_line(&qmp_r, greeting, sizeof(greeting), 30000) &&
		     strstr(greeting, "QMP") &&
		     !qmp("{\"execute\": \"qmp_capabilities\"}", NULL);

	/* 1: the L2 firmware's view of the machine. */
	ok = ok && !l2_firmware();
	report(ok, "L2 firmware found edu and ivshmem and programmed their BARs");
	if (!ok) {
		skip_rest("QEMU or the firmware step failed");
		goto out;
	}

	/*
	 * 2: QEMU exported ivshmem's BAR2 (its trace event), did not fall
	 * back to mmap for it (its warning), mapped it with MAP_FILE at the
	 * BAR's L2 address (its trace event, result 0), and iommufd's
	 * attachment is of type PAL (bufinfo).
	 */
	objects = bufinfo(ivs.size[2], &pal);
	snprintf(needle, sizeof(needle), "Device %s, dmabuf fd", ivs_bdf);
	exported = log_count(needle, " BAR 2\"", 1);
	snprintf(needle, sizeof(needle), "%s BAR 2: dma-buf unavailable", ivs_bdf);
	fallback = log_count(needle, NULL, 1);
	snprintf(needle, sizeof(needle), "iova=0x%llx size=0x%llx fd=",
		 ivs.bar[2], ivs.size[2]);
	mapped = log_count("iommufd_backend_map_file_dma", needle, 1);
	printf("# QEMU's mmap fallbacks (expected for ivshmem's 256-byte BAR0):\n");
	log_count("mmap fallback", NULL, 1);
	printf("# ivshmem BAR2: dma-buf trace lines %d, mmap fallback warnings %d, MAP_FILE at 0x%llx %d; bufinfo: %d dma-bufs, vfio_pci_core of 0x%llx bytes with a pal attachment: %s\n",
	       exported, fallback, ivs.bar[2], mapped, objects, ivs.size[2],
	       pal ? "yes" : "no");
	report(pal && exported > 0 && !fallback && mapped > 0 &&
	       log_count(needle, "readonly=0 (0)", 0) == mapped,
	       "dma-buf path: QEMU exported ivshmem BAR2 as a dma-buf, mapped it with MAP_FILE, iommufd attached as pal, no mmap fallback");

	/* 3: L2 RAM -> edu -> L2 RAM. */
	ok = !edu_pattern_to(1, L2_DST) && l2_mismatch(L2_DST, 1, LEN) == -1;
	report(ok, "L2 RAM DMA: edu copies 2048 bytes from L2 RAM and back, bytes match");

	/* 4: P2P into ivshmem's BAR2 at its L2 address. */
	report(!p2p(2, 0x1000), "P2P: edu DMA to the L2 address of ivshmem BAR2 + 0x1000 lands in the BAR");

	/* 5: decode off through L2 config space: the L1 IOMMU blocks edu. */
	printf("hostcheck: expect zero at BAR2+0x2000, %d bytes\n", LEN);
	before = dmar_fault_irqs();
	ok = !l2_cfg_write16(ivs.dev, PCI_COMMAND, 0);
	objects = bufinfo(ivs.size[2], &pal);
	ok = ok && !edu_pattern_to(3, ivs.bar[2] + 0x2000);
	after = dmar_fault_wait(before);
	printf("# decode off: L1 IOMMU fault interrupts %ld -> %ld; pal attachment of BAR2's dma-buf: %s\n",
	       before, after, pal ? "yes" : "no");
	report(ok && before >= 0 && after > before,
	       "decode off: edu DMA to BAR2 + 0x2000 is blocked by the L1 IOMMU");

	/* 6 and 7: decode on: nothing landed while off, and DMA lands again. */
	ok = !l2_cfg_write16(ivs.dev, PCI_COMMAND, PCI_COMMAND_MEMORY);
	report(ok && l2_mismatch(ivs.bar[2] + 0x2000, 0, LEN) == -1,
	       "decode off: nothing landed at BAR2 + 0x2000 (read after decode on)");
	report(ok && !p2p(4, 0x3000),
	       "decode on: edu DMA to BAR2 + 0x3000 lands again");

	/*
	 * 8: system_reset: QEMU resets ivshmem with VFIO_DEVICE_RESET (its
	 * trace event; edu has no reset method in L1), the L2 config space
	 * is reset; the firmware again, P2P again.
	 */
	snprintf(needle, sizeof(needle), "vfio_pci_reset_flr %s", ivs_bdf);
	resets = log_count(needle, "VFIO_DEVICE_RESET", 0);
	ok = !qmp("{\"execute\": \"system_reset\"}", "RESET");
	ok = ok && !l2_cfg_read32(ivs.dev, PCI_BASE_ADDRESS_2, &v);
	if (ok)
		printf("# after system_reset: ivshmem BAR2 reads 0x%x\n", v);
	ok = ok && !(v & PCI_BASE_ADDRESS_MEM_MASK);
	printf("# QEMU's resets so far:\n");
	log_count("reset", NULL, 1);
	after = log_count(needle, "VFIO_DEVICE_RESET", 0);
	printf("# VFIO_DEVICE_RESET of ivshmem: %d before system_reset, %ld after\n",
	       resets, after);
	ok = ok && after > resets;
	ok = ok && !l2_firmware();
	objects = bufinfo(ivs.size[2], &pal);
	printf("# after the firmware: pal attachment of BAR2's dma-buf: %s\n",
	       pal ? "yes" : "no");
	report(ok && !p2p(5, 0x4000),
	       "system_reset through QMP resets ivshmem; firmware replayed: edu DMA to BAR2 + 0x4000 lands");

	/* 9: quit. */
	ok = !qmp("{\"execute\": \"quit\"}", NULL);
	st = wait_qemu(60000);
	printf("# QEMU's wait status: 0x%x\n", st);
	report(ok && st >= 0 && WIFEXITED(st) && !WEXITSTATUS(st),
	       "QMP quit: QEMU exits with status 0");

	/* 10: QEMU's dma-bufs are gone with it. */
	objects = bufinfo(0, &pal);
	printf("# dma-bufs in bufinfo: %d\n", objects);
	report(objects == 0, "no dma-buf left after QEMU exited");

out:
	if (qemu_pid > 0) {
		kill(qemu_pid, SIGKILL);
		waitpid(qemu_pid, &st, 0);
	}
	printf("# QEMU's log (%s):\n", qemu_log);
	log_count(NULL, NULL, 1);
	return failed ? 1 : 0;
}
