# The two commands of the README. Both install what is missing (scripts/setup.sh), configure and
# build; `quickstart` then runs experiments/quickstart.yaml, `test` runs the whole test suite.
# The CUDA build (`make cuda`) is separate: nvcc over every source takes far longer than the test
# suite's budget on a 2-core machine. `make test` compiles the CUDA build's device code wherever
# nvcc is installed (scripts/check-cuda.sh); where a CUDA build exists, it also checks it (--version,
# the device-check pack); where not, those tests are reported as skipped.
BUILD ?= build
CUDA_BUILD ?= build-cuda
JOBS ?= $(shell nproc)
# nvcc needs about 1.5 GB per job on the heaviest files; set CUDA_JOBS=1 where memory is short.
CUDA_JOBS ?= $(JOBS)
CMAKE_ARGS ?=

.PHONY: quickstart test build setup calibrate clean bench schema-docs cuda cuda-setup fuzz

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DXPB_CUDA_BUILD_DIR=$(abspath $(CUDA_BUILD)) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) --parallel $(JOBS)

# The host descriptor is measured once (cached in .cache/host.yaml) so that projections onto
# `host` can check the model against what ran. A descriptor from before the MPI rank-to-rank link
# was measured (no `intra_node` link and no recorded reason why not) is measured again.
calibrate: build
	@grep -qE 'bandwidth_per_direction|link not measured' .cache/host.yaml 2>/dev/null || \
	  $(BUILD)/cli/xpubench calibrate --quick

quickstart: build calibrate
	@mkdir -p results
	$(BUILD)/cli/xpubench run experiments/quickstart.yaml -o results/quickstart.h5 --force

# The CUDA build: Kokkos 3.4.01 Cuda + Serial from the cache (scripts/setup.sh --cuda) and the
# project configured with CMakePresets.json's `cuda` preset into $(CUDA_BUILD). Skipped, with a
# message, on a machine without nvcc.
cuda-setup:
	@bash scripts/setup.sh --cuda

cuda: cuda-setup
	@if [ -x .cache/kokkos-3.4.01-cuda/bin/xpb-nvcc ]; then \
	  cmake --preset cuda -B $(CUDA_BUILD) $(CMAKE_ARGS) >/dev/null && \
	  cmake --build $(CUDA_BUILD) --parallel $(CUDA_JOBS); \
	else echo "cuda: no CUDA Kokkos (no nvcc on this machine): CUDA build skipped"; fi

# After the tests, what the compile-only checks compiled: the workloads' CUDA device code, then the
# summaries of the CUDA, Kokkos 5 and C++20 checks.
test: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 900 -j $(JOBS)
	@grep -h -e '^ok  workloads/' -e '^CUDA device code' -e '^C++20 syntax check' -e '^skip: no nvcc' \
	  $(BUILD)/Testing/Temporary/LastTest.log || true

# The key tables of the input formats in the docs, and the result set layout (docs/results-schema.md,
# analysis/plots/xpb_schema.json), generated from their schema declarations.
schema-docs: build
	@bash scripts/schema-docs.sh $(BUILD)/cli/xpubench
	@$(BUILD)/cli/xpubench schema --format md -o docs/results-schema.md --force
	@$(BUILD)/cli/xpubench schema --format json -o analysis/plots/xpb_schema.json --force

# libFuzzer over every input loader (scripts/fuzz.sh, docs/fuzzing.md): a clang build in
# $(FUZZ_BUILD), then each target for FUZZ_SECONDS. `make test` only replays the committed corpus.
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
fuzz: setup
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=$(abspath $(FUZZ_BUILD)) FUZZ_JOBS=$(JOBS) bash scripts/fuzz.sh

bench: build
	@bash bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(CUDA_BUILD) $(FUZZ_BUILD)
