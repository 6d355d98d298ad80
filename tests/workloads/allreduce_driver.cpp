// tests/workloads/allreduce_driver.cpp — runs the `allreduce` micro-benchmark (ring and MPI
// implementations) under mpirun for the CTest case mpi.allreduce. Exit 0 only when every rank
// validated an exact sum and measured a positive bus bandwidth, and every value it emitted is
// declared in its WorkloadInfo::metrics; prints busbw on rank 0.
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "core/base/mpi.hpp"
#include "tests/workloads/micro_harness.hpp"

int main(int argc, char** argv) {
  xpb::mpi::init_if_launched(&argc, &argv);
  xpb::compat::InitOptions opt;
  xpb::compat::initialize(opt);
  int rc = 0;
  {
    xpb::Registry reg;
    xpb::workloads::register_micro(reg);
    const std::vector<xpb::MetricSpec>& specs = reg.info("allreduce").metrics;
    const int rank = xpb::mpi::rank(), size = xpb::mpi::size();
    if (size < 2) {
      std::fprintf(stderr, "allreduce_driver: needs >= 2 ranks (run under mpirun -n 2)\n");
      rc = 1;
    }
    for (const char* impl : {"ring", "mpi"}) {
      if (rc) break;
      for (std::int64_t bytes : {std::int64_t(4) * 1000 + 4, std::int64_t(1) << 22}) {
        const auto r = xpb::test::run_micro(
            "allreduce", {{"bytes", bytes}, {"impl", std::string(impl)}}, 3, 7, rank, size);
        const xpb::Scalar* bw = xpb::test::find_scalar(r.metrics, "busbw");
        bool declared = true;
        for (const auto& step : r.steps)
          for (const auto& [name, value] : step.values) declared = declared && xpb::find_metric(specs, name);
        for (const auto& s : r.metrics.scalars) declared = declared && xpb::find_metric(specs, s.name);
        if (!declared) std::fprintf(stderr, "allreduce_driver: an emitted metric is not declared\n");
        const bool ok = r.validation.passed && bw && bw->value > 0 && declared;
        if (rank == 0)
          std::printf("allreduce impl=%s bytes=%lld ranks=%d: %s, busbw %.3f GB/s (%s)\n", impl,
                      static_cast<long long>(bytes), size, ok ? "ok" : "FAILED",
                      bw ? bw->value : 0.0, r.validation.reason.c_str());
        if (!ok) rc = 1;
      }
    }
  }
  Kokkos::finalize();
  xpb::mpi::finalize();
  return rc;
}
