# The two commands of the README. Both install what is missing (scripts/setup.sh), configure and
# build; `quickstart` then runs experiments/quickstart.yaml, `test` runs the whole test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: quickstart test build setup calibrate clean bench schema-docs

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) >/dev/null
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

test: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 900 -j $(JOBS)

# The key tables of the input formats in the docs, generated from their schema declarations.
schema-docs: build
	@bash scripts/schema-docs.sh $(BUILD)/cli/xpubench

bench: build
	@bash bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD)
