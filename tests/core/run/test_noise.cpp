// tests/core/run/test_noise.cpp — noise detection (core/run/noise.hpp): dispersion, the reasons a
// cell is noisy, the load average injected through $XPB_TEST_LOADAVG (the test-only seam), and a
// real toy run whose noisy cell keeps its status and is stored with noisy = 1.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>

#include <cstdlib>

#include "core/results/hdf5_util.hpp"
#include "core/run/noise.hpp"
#include "core/run/runner.hpp"
#include "tests/core/toy_workload.hpp"
#include "tests/test_support.hpp"

using namespace xpb;
using Catch::Matchers::WithinAbs;

namespace {

// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("noise: dispersion is IQR over median", "[noise]") {
  // sorted {1, 2, 3, 4, 5}: q1 2, median 3, q3 4 -> 2 / 3
  REQUIRE(dispersion({5, 1, 4, 2, 3}).has_value());
  CHECK_THAT(*dispersion({5, 1, 4, 2, 3}), WithinAbs(2.0 / 3.0, 1e-12));
  CHECK_THAT(*dispersion({1e-6, 1e-6, 1e-6}), WithinAbs(0.0, 1e-12));
  CHECK_FALSE(dispersion({1.0}).has_value());
  CHECK_FALSE(dispersion({0.0, 0.0}).has_value());
}

TEST_CASE("noise: a cell with huge dispersion is noisy, a steady one is not", "[noise]") {
  const auto steady = noise_reasons(dispersion({1.00, 1.01, 0.99, 1.00, 1.02}), 0.5, 0.5, 2);
  CHECK(steady.empty());
  // Timings that swing over two orders of magnitude, as on a loaded machine.
  const auto wild = noise_reasons(dispersion({0.001, 0.1, 0.002, 0.08, 0.05}), 0.5, 0.5, 2);
  REQUIRE(wild.size() == 1);
  CHECK(wild[0].find("dispersion") != std::string::npos);
}

TEST_CASE("noise: a load average above the online CPUs is flagged, not one above the run's threads",
          "[noise]") {
  const ScopedEnv load("XPB_TEST_LOADAVG", "9.5");
  const HostConditions h = read_host_conditions();
  REQUIRE(h.load_1min.has_value());
  CHECK(*h.load_1min == 9.5);
  CHECK_FALSE(h.cpu_freq.empty());  // a value or "unreadable", never silent
  CHECK_FALSE(h.cpu_governor.empty());
  const auto over = noise_reasons(0.01, h.load_1min, 1.0, 4);
  REQUIRE(over.size() == 1);
  CHECK(over[0].find("load average 9.50 at cell start > 4 online CPU(s)") != std::string::npos);
  CHECK(noise_reasons(0.01, h.load_1min, h.load_1min, 16).empty());
  // A 1-thread run on 4 CPUs beside 2 busy tasks of others: load 3 counts the run's own thread
  // and leaves a CPU idle, so nobody waited. Only a load above the CPUs (4.5) means some did.
  CHECK(noise_reasons(0.01, 3.0, 3.0, 4).empty());
  CHECK(noise_reasons(0.01, 4.0, 4.0, 4).empty());
  CHECK(noise_reasons(0.01, 4.0, 4.5, 4).size() == 1);
  CHECK(online_cpus() >= 1);
}

TEST_CASE("noise: the runner compares the load with the online CPUs", "[noise]") {
  Registry reg;
  test::register_toy(reg);
  const ExperimentSpec spec = parse_experiment(
      "name: load\nrepeats: 3\nwarmup: 0\nworkloads:\n  - workload: toy\n    params: {n: 10}\n", "load.yaml",
      reg);
  auto load_reasons = [&](double load) {
    const ScopedEnv env("XPB_TEST_LOADAVG", std::to_string(load));
    const test::TempDir dir;
    RunOptions opt;
    opt.output = dir.file("load.h5");
    opt.force = true;
    std::string reasons;
    run_experiment(spec, reg, opt, [&](const CellEvent& ev) {
      if (ev.kind != CellEvent::done) return;
      for (const auto& r : ev.record->noise_reasons)
        if (r.find("load average") != std::string::npos) reasons += r;
    });
    return reasons;
  };
  const int cpus = online_cpus();
  CHECK(load_reasons(cpus).empty());  // every CPU busy, the run's threads among them: nobody waits
  CHECK(load_reasons(cpus + 0.5).find("online CPU(s)") != std::string::npos);
}

TEST_CASE("noise: run_experiment stores a noisy cell as ok with noisy = 1", "[noise]") {
  Registry reg;
  test::register_toy(reg);
  const ExperimentSpec spec = parse_experiment(
      "name: noisy\nrepeats: 3\nwarmup: 0\nworkloads:\n  - workload: toy\n    params: {n: 10}\n",
      "noisy.yaml", reg);
  const test::TempDir dir;
  const std::string out = dir.file("noisy.h5");
  const ScopedEnv load("XPB_TEST_LOADAVG", "1000");
  RunOptions opt;
  opt.output = out;
  opt.force = true;
  const RunSummary sum = run_experiment(spec, reg, opt);
  CHECK(sum.ok == 1);
  const hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t g = H5Gopen2(f, ("/cells/" + spec.cells.at(0).id).c_str(), H5P_DEFAULT);
  REQUIRE(g >= 0);
  CHECK(h5::read_attr_string(g, "status") == "ok");
  CHECK(h5::read_attr_int(g, "noisy") == 1);
  CHECK(h5::read_attr_string(g, "noise_reasons").value_or("").find("load average 1000.00") !=
        std::string::npos);
  H5Gclose(g);
  H5Fclose(f);
}
