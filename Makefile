# DMA-buf mapping types for Linux 6.12: the workbench.
# Every target is a script in scripts/; see README.md.

.PHONY: help setup tree export kunit check test demo

help:
	@echo "make demo    - boot the patched kernel in QEMU and show P2P DMA into a BAR (not there yet)"
	@echo "make test    - setup, tree, kunit, check: everything, ending in 'N passed, N failed'"
	@echo "make setup   - install build and test dependencies (apt) and the pinned base"
	@echo "make tree    - build/linux: the base as a git tree with patches/ applied"
	@echo "make export  - rewrite patches/ from base..HEAD of build/linux"
	@echo "make kunit   - the dma-buf KUnit suites under UML"
	@echo "make check   - each patch: applies, checkpatch --strict, kernel-doc, builds, KUnit"

setup:
	@scripts/setup.sh

tree:
	@scripts/tree.sh

export:
	@scripts/export.sh

kunit:
	@scripts/kunit.sh

check:
	@scripts/check.sh

test:
	@scripts/test.sh

demo:
	@echo "make demo is not there yet: it will boot the patched kernel in QEMU and show"
	@echo "the edu device doing DMA through the emulated IOMMU into ivshmem's BAR2,"
	@echo "exported by vfio-pci as a dma-buf and mapped with IOMMU_IOAS_MAP_FILE."
	@false
