// tests/workloads/test_ledger_instrumented.cpp — ledgers against what actually runs.
// Kokkos Tools callbacks count kernel launches by label during one step; every ledger kernel must
// have been launched `count` times under its own name, and every kernel launched by the workload
// must be in its ledger (Kokkos' own fills and copies excepted). FLOP formulas are checked per
// workload elsewhere; this checks that the ledger describes the kernels that really run.
#include <catch2/catch_test_macros.hpp>

#include <map>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "core/plugin/registry.hpp"
#include "tests/test_support.hpp"
#include "tests/workloads/workload_harness.hpp"
#include "workloads/register_all.hpp"

using namespace xpb;

namespace {

std::map<std::string, int>& launches() {
  static std::map<std::string, int> m;  // test-only: Kokkos Tools callbacks are plain functions
  return m;
}
bool& counting() {
  static bool on = false;
  return on;
}
void on_begin(const char* name, const std::uint32_t, std::uint64_t* id) {
  *id = 0;
  if (counting()) ++launches()[name];
}
void on_end(std::uint64_t) {}

struct Counter {
  Counter() {
    Kokkos::Tools::Experimental::set_begin_parallel_for_callback(on_begin);
    Kokkos::Tools::Experimental::set_begin_parallel_reduce_callback(on_begin);
    Kokkos::Tools::Experimental::set_begin_parallel_scan_callback(on_begin);
    Kokkos::Tools::Experimental::set_end_parallel_for_callback(on_end);
    Kokkos::Tools::Experimental::set_end_parallel_reduce_callback(on_end);
    Kokkos::Tools::Experimental::set_end_parallel_scan_callback(on_end);
  }
  ~Counter() {
    counting() = false;
    Kokkos::Tools::Experimental::set_begin_parallel_for_callback(nullptr);
    Kokkos::Tools::Experimental::set_begin_parallel_reduce_callback(nullptr);
    Kokkos::Tools::Experimental::set_begin_parallel_scan_callback(nullptr);
    Kokkos::Tools::Experimental::set_end_parallel_for_callback(nullptr);
    Kokkos::Tools::Experimental::set_end_parallel_reduce_callback(nullptr);
    Kokkos::Tools::Experimental::set_end_parallel_scan_callback(nullptr);
  }
};

bool kokkos_internal(const std::string& label) {
  return label.rfind("Kokkos::", 0) == 0 || label.empty();
}

// Runs setup, then one counted step, and compares the counts with the ledger.
void check_one_step(const std::string& workload, std::map<std::string, ParamValue> given,
                    const std::string& data_dir = {}) {
  Registry reg;
  workloads::register_all(reg);
  const Params params = complete(reg.info(workload).params, std::move(given));
  auto w = reg.create(workload);
  Context ctx;
  ctx.seed = 1;
  ctx.data_dir = data_dir;
  w->setup(params, ctx);
  w->step(ctx);  // warm: first-touch and lazy allocations happen outside the counted step
  Counter counter;
  launches().clear();
  counting() = true;
  w->step(ctx);
  Kokkos::fence();
  counting() = false;
  const Ledger ledger = w->ledger();
  INFO(workload << " " << params.brief());
  std::map<std::string, double> want;
  for (const auto& k : ledger)
    if (k.kind != OpKind::collective) want[k.name] += k.count;
  for (const auto& [name, count] : want) {
    INFO("ledger kernel " << name);
    CHECK(launches()[name] == static_cast<int>(count));
  }
  for (const auto& [label, n] : launches()) {
    if (kokkos_internal(label) || n == 0) continue;
    INFO("launched kernel " << label << " x" << n);
    CHECK(want.count(label) == 1);
  }
}

}  // namespace

TEST_CASE("ledger kernels are the kernels launched: micro-benchmarks", "[ledger][instrumented]") {
  check_one_step("stream", {{"n", std::int64_t{4096}}});
  check_one_step("gemm", {{"m", std::int64_t{64}}, {"n", std::int64_t{48}}, {"k", std::int64_t{32}}});
  check_one_step("layernorm", {{"rows", std::int64_t{64}}, {"channels", std::int64_t{128}}});
  check_one_step("softmax", {{"rows", std::int64_t{64}}, {"cols", std::int64_t{64}}});
  check_one_step("attention", {{"seq", std::int64_t{32}}, {"heads", std::int64_t{2}}, {"head_dim", std::int64_t{16}}});
}

TEST_CASE("ledger kernels are the kernels launched: one GPT training step", "[ledger][instrumented]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 400);
  check_one_step("gpt", {{"corpus", std::string("synthetic.txt")}, {"steps", std::int64_t{4}},
                         {"eval_interval", std::int64_t{1000}}},
                 dir.path().string());
}
