/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctls of /dev/p2p_importer, shared by the test module
 * (p2p_importer.c) and the guest program (tests/guest/p2p_converter.c).
 * One open file is one importer of one dma-buf on the edu device.
 */
#ifndef P2P_IMPORTER_H
#define P2P_IMPORTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* How P2P_IMP_ATTACH attaches. */
enum p2p_imp_mode {
	/* dma_buf_dynamic_attach(), allow_peer2peer, move_notify */
	P2P_IMP_DYNAMIC = 0,
	/* dma_buf_mapping_attach() of one SGT entry accepting P2P, no ops */
	P2P_IMP_STATIC_P2P = 1,
	/* P2P_IMP_DYNAMIC, then dma_buf_pin() */
	P2P_IMP_DYNAMIC_PIN = 2,
};

struct p2p_imp_attach {
	__s32 fd;		/* in: the dma-buf */
	__u32 mode;		/* in: enum p2p_imp_mode */
};

/* Out: the first sg_table entry of the mapping and how it was made. */
struct p2p_imp_map {
	__u64 dma_addr;
	__u64 dma_len;
	__u32 nents;
	__u32 bus_addr;		/* sg_dma_is_bus_address() of the entry */
};

/* In: edu copies @len bytes from @pattern to the mapping + @offset. */
struct p2p_imp_dma {
	__u64 offset;
	__u64 len;
	__u64 pattern;		/* user pointer */
};

struct p2p_imp_state {
	__u32 move_notify_calls;
	__u32 mapped;		/* the importer holds a mapping */
	__u32 unmapped_by_move_notify;
	__u32 pad;
};

#define P2P_IMP_ATTACH	_IOW('p', 1, struct p2p_imp_attach)
#define P2P_IMP_MAP	_IOR('p', 2, struct p2p_imp_map)
#define P2P_IMP_DMA	_IOW('p', 3, struct p2p_imp_dma)
#define P2P_IMP_STATE	_IOR('p', 4, struct p2p_imp_state)
#define P2P_IMP_UNMAP	_IO('p', 5)

#endif
