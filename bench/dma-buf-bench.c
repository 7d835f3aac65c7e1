// SPDX-License-Identifier: GPL-2.0-only
/*
 * Microbenchmark of the dma-buf attach -> map -> unmap -> detach cycle of a
 * static importer, through the legacy importer API, for an exporter that
 * serves the SGT format. Prints timings, asserts nothing about them.
 *
 * Built by 'make bench' into two UML kernels: the pristine base and the
 * series, each with only this file and its Kconfig/Makefile lines added. On
 * the series the exporter declares SGT natively when it can.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/ktime.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>

MODULE_IMPORT_NS(DMA_BUF);

#define BENCH_CYCLES	20000
#define BENCH_ROUNDS	9

/* The exporter hands out one prebuilt table: only the core is measured. */
struct bench_buf {
	struct sg_table sgt;
};

static struct sg_table *bench_map(struct dma_buf_attachment *attach,
				  enum dma_data_direction dir)
{
	struct bench_buf *buf = attach->dmabuf->priv;

	return &buf->sgt;
}

static void bench_unmap(struct dma_buf_attachment *attach,
			struct sg_table *sgt, enum dma_data_direction dir)
{
}

static void bench_release(struct dma_buf *dmabuf)
{
}

static const struct dma_buf_ops bench_ops = {
#ifdef DMA_BUF_SIMPLE_SGT_EXP_MATCH
	.single_exporter_match = DMA_BUF_SIMPLE_SGT_EXP_MATCH(bench_map, bench_unmap),
#else
	.map_dma_buf = bench_map,
	.unmap_dma_buf = bench_unmap,
#endif
	.release = bench_release,
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void dma_buf_bench_attach_map_cycle(struct kunit *test)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf_attachment *attach;
	u64 ns[BENCH_ROUNDS], t0;
	struct bench_buf *buf;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	struct device *dev;
	int round, i;

	dev = kunit_device_register(test, "dma-buf-bench");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	buf = kunit_kzalloc(test, sizeof(*buf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, sg_alloc_table(&buf->sgt, 1, GFP_KERNEL), 0);

	exp_info.ops = &bench_ops;
	exp_info.size = PAGE_SIZE;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));

	for (round = 0; round < BENCH_ROUNDS; round++) {
		t0 = ktime_get_ns();
		for (i = 0; i < BENCH_CYCLES; i++) {
			attach = dma_buf_attach(dmabuf, dev);
			if (IS_ERR(attach))
				break;
			sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
			if (IS_ERR(sgt)) {
				dma_buf_detach(dmabuf, attach);
				break;
			}
			dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
			dma_buf_detach(dmabuf, attach);
		}
		ns[round] = ktime_get_ns() - t0;
		KUNIT_ASSERT_EQ_MSG(test, i, BENCH_CYCLES, "a cycle failed");
	}

	sort(ns, BENCH_ROUNDS, sizeof(ns[0]), cmp_u64, NULL);
	kunit_info(test, "bench: %d rounds of %d cycles, median %llu ns/cycle (min %llu, max %llu)\n",
		   BENCH_ROUNDS, BENCH_CYCLES,
		   ns[BENCH_ROUNDS / 2] / BENCH_CYCLES, ns[0] / BENCH_CYCLES,
		   ns[BENCH_ROUNDS - 1] / BENCH_CYCLES);

	dma_buf_put(dmabuf);
	sg_free_table(&buf->sgt);
}

static struct kunit_case dma_buf_bench_cases[] = {
	KUNIT_CASE(dma_buf_bench_attach_map_cycle),
	{}
};

static struct kunit_suite dma_buf_bench_suite = {
	.name = "dma-buf-bench",
	.test_cases = dma_buf_bench_cases,
};
kunit_test_suite(dma_buf_bench_suite);

MODULE_DESCRIPTION("dma-buf attach/map cycle microbenchmark");
MODULE_LICENSE("GPL");
