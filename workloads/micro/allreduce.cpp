// workloads/micro/allreduce.cpp — the `allreduce` micro-benchmark: an fp32 sum over all MPI ranks.
// impl=ring is our own ring (reduce-scatter then all-gather over MPI_Sendrecv; every chunk is
// summed in the same rank order on every run), impl=mpi calls MPI_Allreduce for reference. Times
// the collective with MPI_Wtime (slowest rank) and reports algbw and busbw as nccl-tests define
// them. With one rank there is nothing to measure: the runner skips the cell (min_ranks = 2) and
// projects its ledger; validate() still refuses one rank should it be called.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/mpi.hpp"
#include "core/plugin/registry.hpp"
#include "workloads/micro/common.hpp"
#include "workloads/micro/micro.hpp"

#include "core/base/mpi_api.hpp"

namespace xpb::micro {
namespace {

// The parameters, each declared once and read typed.
struct AllReduceParams {
  std::int64_t bytes = 0;
  std::string impl;
  int ledger_ranks = 0;
};

const ParamStruct<AllReduceParams>& allreduce_params() {
  static const auto s =
      ParamStruct<AllReduceParams>()
          .integer("bytes", &AllReduceParams::bytes, 1 << 24, 4, double(1LL << 32), "payload per rank", "B")
          .choice("impl", &AllReduceParams::impl, "ring", {"ring", "mpi"}, "our ring or MPI_Allreduce")
          .integer("ledger_ranks", &AllReduceParams::ledger_ranks, 8, 2, 1 << 20,
                   "ranks the ledger assumes when only one rank ran (projection only)");
  return s;
}

// Exact in fp32 for any realistic rank count: small integers.
inline float contribution(int rank, std::int64_t i) { return float(((i * 7 + rank * 3) % 16) - 8); }

class AllReduceBench final : public Workload {
 public:
  void setup(const Params& p, Context& ctx) override {
    const AllReduceParams q = allreduce_params().read(p);
    m_bytes = q.bytes;
    m_impl = q.impl;
    m_ledger_ranks = q.ledger_ranks;
    m_group = ctx.group;  // the ranks the runner gave this cell (all of them, see `ranks` below)
    m_rank = m_group.rank();
    m_size = m_group.size();
    m_n = m_bytes / static_cast<std::int64_t>(sizeof(float));
    m_bytes = m_n * static_cast<std::int64_t>(sizeof(float));  // whole elements only
    if (m_size < 2) return;                                    // validate() reports why nothing was measured
    m_pristine = Kokkos::View<float*, Kokkos::HostSpace>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "allreduce/pristine"), m_n);  // (n)
    m_buf = Kokkos::View<float*, Kokkos::HostSpace>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "allreduce/buf"), m_n);  // (n)
    m_recv = Kokkos::View<float*, Kokkos::HostSpace>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "allreduce/recv"),
        m_n / m_size + 1);  // (largest chunk)
    for (std::int64_t i = 0; i < m_n; ++i) m_pristine(i) = contribution(m_rank, i);
  }

  StepResult step(Context&) override {
    StepResult r;
    if (m_size < 2) return r;
#ifdef XPB_HAS_MPI
    std::copy(m_pristine.data(), m_pristine.data() + m_n, m_buf.data());
    MPI_Barrier(comm());
    const double t0 = MPI_Wtime();
    if (m_impl == "ring")
      ring_allreduce();
    else
      MPI_Allreduce(MPI_IN_PLACE, m_buf.data(), static_cast<int>(m_n), MPI_FLOAT, MPI_SUM, comm());
    const double t = m_group.max(MPI_Wtime() - t0);
    r.manual_seconds = t;
    const double algbw = double(m_bytes) / t;
    const double busbw = algbw * 2.0 * (m_size - 1) / m_size;
    m_busbw.push_back(busbw);
    m_algbw.push_back(algbw);
    r.value("busbw_GBps", busbw / 1e9);
    r.value("algbw_GBps", algbw / 1e9);
#endif
    ++m_steps;
    return r;
  }

  Ledger ledger() const override {
    const int p = m_size >= 2 ? m_size : std::max(2, m_ledger_ranks);
    KernelCost k;
    k.name = "allreduce/" + m_impl;
    k.kind = OpKind::collective;
    k.dtype = DType::fp32;
    k.flops = double(m_n) * (p - 1) / p;  // the additions of the reduce-scatter, per rank
    k.bytes = 0;
    k.collective = Collective::all_reduce;
    k.collective_bytes = double(m_bytes);
    k.ranks = p;
    return {k};
  }

  Validation validate(Context&) override {
    if (m_size < 2)
      return Validation::fail(
          "allreduce needs >= 2 MPI ranks (run under mpirun -n 2 or more); "
          "this process is the only rank, so nothing was measured");
    if (m_steps == 0) return Validation::fail("no step ran, nothing to check");
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < m_n; ++i) {
      float want = 0;
      for (int q = 0; q < m_size; ++q) want += contribution(q, i);
      if (m_buf(i) != want) ++bad;
    }
    const double any_bad = m_group.max(double(bad));
    if (any_bad > 0)
      return Validation::fail("allreduce result differs from the exact sum on some rank (" +
                              std::to_string(std::int64_t(any_bad)) + " elements)");
    return Validation::ok("exact sum of integer-valued contributions on every rank", 0, 0);
  }

  Metrics finish(Context&) override {
    Metrics m;
    m.attribute("ranks", std::to_string(m_size));
    if (!m_busbw.empty()) {
      m.scalar("busbw", median(m_busbw) / 1e9);
      m.scalar("algbw", median(m_algbw) / 1e9);
    }
    m_buf = {};
    m_recv = {};
    m_pristine = {};
    return m;
  }

 private:
#ifdef XPB_HAS_MPI
  MPI_Comm comm() const { return *static_cast<const MPI_Comm*>(m_group.native()); }
  // Reduce-scatter: at step s rank r sends chunk (r − s) and adds the incoming chunk (r − s − 1);
  // after p − 1 steps rank r holds the full sum of chunk (r + 1). All-gather then circulates the
  // finished chunks. Chunk c is always summed as x_c + x_{c+1} + … in ring order: a fixed order.
  void ring_allreduce() {
    const int p = m_size, r = m_rank;
    const int right = (r + 1) % p, left = (r + p - 1) % p;
    auto begin = [&](int c) { return m_n * c / p; };
    auto count = [&](int c) { return static_cast<int>(begin(c + 1) - begin(c)); };
    float* buf = m_buf.data();
    float* tmp = m_recv.data();
    for (int s = 0; s < p - 1; ++s) {
      const int sc = ((r - s) % p + p) % p, rc = ((r - s - 1) % p + p) % p;
      MPI_Sendrecv(buf + begin(sc), count(sc), MPI_FLOAT, right, 17, tmp, count(rc), MPI_FLOAT, left, 17,
                   comm(), MPI_STATUS_IGNORE);
      float* dst = buf + begin(rc);
      const int nrc = count(rc);
      for (int i = 0; i < nrc; ++i) dst[i] = tmp[i] + dst[i];
    }
    for (int s = 0; s < p - 1; ++s) {
      const int sc = ((r + 1 - s) % p + p) % p, rc = ((r - s) % p + p) % p;
      MPI_Sendrecv(buf + begin(sc), count(sc), MPI_FLOAT, right, 18, buf + begin(rc), count(rc), MPI_FLOAT,
                   left, 18, comm(), MPI_STATUS_IGNORE);
    }
  }
#endif

  std::int64_t m_bytes = 0, m_n = 0;
  std::string m_impl = "ring";
  int m_ledger_ranks = 8;
  mpi::Group m_group;
  int m_rank = 0, m_size = 1;
  Kokkos::View<float*, Kokkos::HostSpace> m_pristine, m_buf, m_recv;  // (n), (n), (n / p + 1)
  std::vector<double> m_busbw, m_algbw;
  std::int64_t m_steps = 0;
};

}  // namespace

void register_micro_allreduce(Registry& r) {
  WorkloadInfo info;
  info.name = "allreduce";
  info.summary = "MPI all-reduce of an fp32 buffer: algbw and busbw (needs >= 2 ranks)";
  info.kind = WorkloadKind::benchmark;
  info.ranks = [](const Params&, int world) { return world; };  // a collective over every rank
  info.min_ranks = 2;  // on one rank: stored as skipped, projected from the ledger
  info.doc =
      "Sums `bytes` of fp32 over all ranks of the run (the cell takes every rank). impl=ring: our ring "
      "(reduce-scatter + all-gather over MPI_Sendrecv, fixed summation order); impl=mpi: "
      "MPI_Allreduce. Timed with MPI_Wtime after a barrier; the step time is the slowest rank's. "
      "busbw = algbw·2(p−1)/p. Run it with `xpubench run --ranks 2` or under `mpirun -n 2` (or more): "
      "with one rank the cell is stored as skipped ('needs >= 2 MPI ranks') and only projected, never "
      "given a made-up number. The ledger charges one all-reduce of "
      "`bytes` over the world size (or ledger_ranks when run on one rank).";
  info.params = allreduce_params().schema();
  info.metrics = {{"busbw_GBps", "GB/s", MetricKind::rate, "this step's algbw·2(p−1)/p"},
                  {"algbw_GBps", "GB/s", MetricKind::rate, "this step's bytes / slowest rank's time"},
                  {"busbw", "GB/s", MetricKind::rate, "median algbw·2(p−1)/p (nccl-tests convention)", true},
                  {"algbw", "GB/s", MetricKind::rate, "median bytes / slowest rank's time"}};
  // `xpubench calibrate` fits the rank-to-rank link to our ring over a sweep of sizes.
  info.capabilities.push_back(
      CapabilitySpec(Capability::collective_link).size({"bytes"}).set("impl", "ring"));
  r.add(std::move(info), [] { return std::make_unique<AllReduceBench>(); });
}

}  // namespace xpb::micro
