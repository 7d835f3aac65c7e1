# DMA-buf mapping types for Linux 6.12: the workbench.
# Every target is a script in scripts/; see README.md.

.PHONY: help setup tree export kunit check test demo bench bench-bar vm-test vm-test-debug vm-run vmm-test

help:
	@echo "make demo    - boot the patched kernel in QEMU and show P2P DMA into a BAR via a dma-buf"
	@echo "make test    - setup, tree, kunit, check: everything, ending in 'N passed, N failed'"
	@echo "make setup   - install build and test dependencies (apt) and the pinned base"
	@echo "make tree    - build/linux: the base as a git tree with patches/ applied"
	@echo "make export  - rewrite patches/ from base..HEAD of build/linux"
	@echo "make kunit   - the dma-buf KUnit suites under UML"
	@echo "make check   - each patch: applies, checkpatch --strict, kernel-doc, builds, KUnit"
	@echo "make bench   - attach/map cycle microbenchmark: base vs series, ns per cycle and ratio; then bench-bar"
	@echo "make bench-bar - guest: map a 1 GiB BAR via dma-buf vs VFIO type1: times, IOMMU entries vs minimum"
	@echo "make vm-test - the guest tests in QEMU (IOMMU, VFIO, iommufd; KUnit on x86_64)"
	@echo "make vm-test-debug - the guest tests on a PROVE_LOCKING/KASAN/kmemleak kernel"
	@echo "make vm-run PROG=path - boot the guest and run one static program (or .c file)"
	@echo "make vmm-test [VARIANT=debug] - Debian's QEMU 11 as the VMM in the guest: edu DMAs into ivshmem's BAR"

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

bench:
	@rc=0; scripts/bench.sh || rc=1; scripts/bench-bar.sh || rc=1; exit $$rc

bench-bar:
	@scripts/bench-bar.sh

vm-test:
	@scripts/vm.sh test normal

vm-test-debug:
	@scripts/vm.sh test debug

vm-run:
	@test -n "$(PROG)" || { echo "usage: make vm-run PROG=path/to/static-program-or.c"; exit 2; }
	@scripts/vm.sh run "$(abspath $(PROG))"

vmm-test:
	@scripts/vmm-test.sh $(or $(VARIANT),normal)

test:
	@scripts/test.sh

demo:
	@scripts/demo.sh
