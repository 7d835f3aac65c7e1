// SPDX-License-Identifier: GPL-2.0-only
/*
 * Microbenchmark of the dma-buf attach -> map -> unmap -> detach cycle of a
 * static importer, through the legacy importer API, for an exporter that
 * serves the SGT format, once with an exporter that does no work of its own
 * and once with one that builds a table per map. Prints timings, asserts
 * nothing about them.
 *
 * Built by 'make bench' into two UML kernels: the pristine base and the
 * series, each with only this file and its Kconfig/Makefile lines added. On
 * the series the exporter declares SGT natively when it can.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>

MODULE_IMPORT_NS(DMA_BUF);

#define BENCH_CYCLES	20000
#define BENCH_ROUNDS	9

/*
 * Two exporters: "core" hands out one prebuilt table, so that only the
 * dma-buf core is measured; "alloc" builds and frees a one-entry table on
 * every map, as simple exporters of system memory do.
 */
struct bench_buf {
	struct sg_table sgt;
	struct page *page;
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

static struct sg_table *bench_alloc_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct bench_buf *buf = attach->dmabuf->priv;
	struct sg_table *sgt;

	sgt = kmalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, 1, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	sg_set_page(sgt->sgl, buf->page, PAGE_SIZE, 0);
	return sgt;
}

static void bench_alloc_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
	sg_free_table(sgt);
	kfree(sgt);
}

static void bench_release(struct dma_buf *dmabuf)
{
}

#ifdef DMA_BUF_SIMPLE_SGT_EXP_MATCH
#define BENCH_OPS(map, unmap)						\
	{ .single_exporter_match = DMA_BUF_SIMPLE_SGT_EXP_MATCH(map, unmap),	\
	  .release = bench_release }
#else
#define BENCH_OPS(map, unmap)						\
	{ .map_dma_buf = map, .unmap_dma_buf = unmap, .release = bench_release }
#endif

static const struct dma_buf_ops bench_core_ops = BENCH_OPS(bench_map, bench_unmap);
static const struct dma_buf_ops bench_alloc_ops =
	BENCH_OPS(bench_alloc_map, bench_alloc_unmap);

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_cycle(struct kunit *test, const struct dma_buf_ops *ops,
			const char *name, bool map)
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
	buf->page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf->page);
	sg_set_page(buf->sgt.sgl, buf->page, PAGE_SIZE, 0);

	exp_info.ops = ops;
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
			if (!map) {
				dma_buf_detach(dmabuf, attach);
				continue;
			}
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

	/* Tenths of a ns per cycle: at ~50 ns, whole ns would be 2% steps. */
	sort(ns, BENCH_ROUNDS, sizeof(ns[0]), cmp_u64, NULL);
	for (round = 0; round < BENCH_ROUNDS; round++)
		ns[round] = div_u64(ns[round] * 10, BENCH_CYCLES);
	kunit_info(test, "bench %s: %d rounds of %d cycles, median %llu.%llu ns/cycle (min %llu.%llu, max %llu.%llu)\n",
		   name, BENCH_ROUNDS, BENCH_CYCLES,
		   ns[BENCH_ROUNDS / 2] / 10, ns[BENCH_ROUNDS / 2] % 10,
		   ns[0] / 10, ns[0] % 10,
		   ns[BENCH_ROUNDS - 1] / 10, ns[BENCH_ROUNDS - 1] % 10);

	dma_buf_put(dmabuf);
	sg_free_table(&buf->sgt);
	__free_page(buf->page);
}

static void dma_buf_bench_core(struct kunit *test)
{
	bench_cycle(test, &bench_core_ops, "core", true);
}

static void dma_buf_bench_alloc(struct kunit *test)
{
	bench_cycle(test, &bench_alloc_ops, "alloc", true);
}

/* The attach and detach half of the core cycle alone, to tell them apart. */
static void dma_buf_bench_attach(struct kunit *test)
{
	bench_cycle(test, &bench_core_ops, "attach", false);
}

static struct kunit_case dma_buf_bench_cases[] = {
	KUNIT_CASE(dma_buf_bench_core),
	KUNIT_CASE(dma_buf_bench_alloc),
	KUNIT_CASE(dma_buf_bench_attach),
	{}
};

static struct kunit_suite dma_buf_bench_suite = {
	.name = "dma-buf-bench",
	.test_cases = dma_buf_bench_cases,
};
kunit_test_suite(dma_buf_bench_suite);

MODULE_DESCRIPTION("dma-buf attach/map cycle microbenchmark");
MODULE_LICENSE("GPL");
