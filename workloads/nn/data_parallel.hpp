// workloads/nn/data_parallel.hpp — gradient accumulation and data parallelism with one canonical
// reduction order, so that R ranks give bit for bit what one rank gives.
//
// A step's batch is split into M micro-batches m = 0 … M−1, each already scaled by 1/M in its
// loss backward. The step's gradient is, element by element in T arithmetic,
//     g = ((((0 + g_0) + g_1) + g_2) + …) + g_{M−1}
// a left fold in micro-batch order. On R ranks (R divides M) rank r computes micro-batches
// r, R + r, 2R + r, …: in round j the group computes micro-batches jR … jR + R − 1 together.
// The flat gradient is cut into R chunks; the owner of a chunk receives it from every rank
// (one all-to-all per round, a reduce-scatter by volume) and folds the R pieces in rank order —
// which is micro-batch order — into its accumulator. After the last round the chunks are
// all-gathered, so every rank holds g. A single rank runs the same code with a group of one
// (the exchange becomes a copy), so both follow the same order by construction. M = 1 is the
// identity: the gradient stays where backward wrote it.
//
// The fold runs on the host execution space over host memory (the gradient itself on CPU builds;
// on a GPU build a mirror, so the gradient crosses PCIe once per round, which the ledger does
// not charge). Each rank's own piece never moves; the last round writes the sum in place and the
// all-gather fills the rest of the gradient in place.
// Kernel: dp/accumulate (the fold). Collectives: dp/reduce_scatter, dp/all_gather, dp/gather.
// Each exchange is preceded by a barrier so that its time is transfer only; the barrier's time
// is reported apart (wait_seconds: load imbalance between the ranks, which the model does not
// project).
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/base/error.hpp"
#include "core/plugin/ledger.hpp"
#include "core/plugin/metrics.hpp"
#include "core/base/mpi.hpp"
#include "core/plugin/params.hpp"
#include "core/plugin/workload.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// Ranks a cell with `micro_batches` can use out of `world`: the largest divisor not above it.
inline int ranks_for(std::int64_t micro_batches, int world) {
  for (int r = world; r > 1; --r)
    if (micro_batches % r == 0) return r;
  return 1;
}

// For a training workload: declares `micro_batches` (a member of its parameter struct). The
// workload's WorkloadInfo::ranks is then `ranks_for(params.micro_batches, world)`.
template <class P>
ParamStruct<P> with_micro_batches(ParamStruct<P> s, int P::*member) {
  s.integer("micro_batches", member, 1, 1, 4096,
            "micro-batches per step (gradient accumulation, B % M == 0); under MPI the cell's "
            "ranks share them (data parallelism, bit-identical to accumulation on one rank)");
  return s;
}

// For a training workload: the metrics a GradientReducer reports (GradientReducer::describe and
// the per-step exchange and wait times).
inline void declare_data_parallel_metrics(WorkloadInfo& info) {
  info.metrics.push_back({"comm_seconds", "s", MetricKind::comm_time,
                          "this step's data exchange with the other ranks (MPI calls after the group has met)"});
  info.metrics.push_back({"wait_seconds", "s", MetricKind::wait_time,
                          "this step's wait for the slowest rank before each exchange (load imbalance)"});
  info.metrics.push_back({"micro_batches", "", MetricKind::quantity, "micro-batches per step (gradient accumulation)"});
  info.metrics.push_back({"dp_ranks", "", MetricKind::quantity, "ranks sharing the micro-batches (data parallelism)"});
}

// Checks `micro_batches` M of a cell whose step has `batch` sequences, run by the ranks of
// `group`; throws xpb::Error (key params.micro_batches) when they do not divide evenly.
inline int check_micro_batches(int m, std::int64_t batch, const mpi::Group& group) {
  if (batch % m != 0)
    throw Error({"", 0, "params.micro_batches"},
                "batch " + std::to_string(batch) + " is not a multiple of micro_batches " + std::to_string(m),
                "micro-batches are equal slices of the batch");
  if (m % group.size() != 0)
    throw Error({"", 0, "params.micro_batches"},
                std::to_string(group.size()) + " ranks cannot share " + std::to_string(m) +
                    " micro-batches evenly");
  return m;
}

template <class T>
class GradientReducer {
 public:
  GradientReducer() = default;
  // `n` gradient elements, `micro_batches` M per step over the ranks of `group` (R must divide M).
  GradientReducer(mpi::Group group, std::int64_t n, int micro_batches)
      : m_group(std::move(group)), m_n(n), m_M(micro_batches) {
    m_R = m_group.size();
    m_r = m_group.rank();
    XPB_ASSERT(m_M >= 1 && m_R >= 1 && m_M % m_R == 0, "ranks must divide micro_batches");
    XPB_ASSERT(n / m_R < (std::int64_t(1) << 31), "gradient chunk too large for MPI int counts");
    for (int c = 0; c < m_R; ++c) {
      m_counts.push_back(static_cast<int>(begin(c + 1) - begin(c)));
      m_displs.push_back(static_cast<int>(begin(c)));
    }
    if (m_M > 1) {
      m_acc = Kokkos::View<T*, Kokkos::HostSpace>("dp/acc", m_counts[m_r]);     // (n / R)
      m_recv = Kokkos::View<T*, Kokkos::HostSpace>("dp/recv", std::int64_t(m_R) * m_counts[m_r]);  // (R, n / R)
    }
  }

  // Bytes the reducer of `n` elements allocates on each of `ranks` ranks with `micro_batches`:
  // the accumulator and receive buffer of its largest chunk (none when M = 1), and the host
  // mirror of the gradient when the gradient lives in memory the host cannot address.
  static double bytes(std::int64_t n, int micro_batches, int ranks) {
    if (micro_batches <= 1) return 0;
    const double chunk = double((n + ranks - 1) / ranks);
    const bool mirrored =
        !std::is_same<typename Vec<T>::memory_space, typename Vec<T>::host_mirror_type::memory_space>::value;
    return (chunk + double(ranks) * chunk + (mirrored ? double(n) : 0.0)) * sizeof(T);
  }

  int ranks() const { return m_R; }
  int micro_batches() const { return m_M; }
  int rounds() const { return m_M / m_R; }
  // The micro-batch this rank computes in `round`.
  int micro_batch(int round) const { return round * m_R + m_r; }
  // Seconds since the last reset_timer() spent exchanging data (MPI calls after the group has
  // met), and waiting for the slowest rank before each exchange (a barrier: load imbalance).
  double comm_seconds() const { return m_comm; }
  double wait_seconds() const { return m_wait; }
  void reset_timer() { m_comm = m_wait = 0; }
  // This step's exchange and wait times, on more than one rank.
  void report(StepResult& r) const {
    if (m_R == 1) return;
    r.value("comm_seconds", m_comm);
    r.value("wait_seconds", m_wait);
  }
  // How the cell was trained.
  void describe(Metrics& m) const {
    m.scalar("micro_batches", double(m_M));
    m.scalar("dp_ranks", double(m_R));
  }

  // Folds this round's gradients (in `grads`, the gradient of micro_batch(round)) into the
  // accumulator; round 0 starts it from zero.
  void add(const Vec<T>& grads, int round) {
    if (m_M == 1) return;
    using Space = typename Vec<T>::memory_space;
    if (Kokkos::SpaceAccessibility<Kokkos::HostSpace, Space>::accessible || m_host.extent(0) != grads.extent(0))
      m_host = Kokkos::create_mirror_view(grads);  // grads itself when it lives in host memory
    Kokkos::deep_copy(m_host, grads);               // a no-op then
    // Chunk c of every rank's gradient goes to its owner c; this rank's own piece stays in place.
    const int r = m_r, R = m_R;
    const std::int64_t w = m_counts[r];
    std::vector<int> scounts = m_counts, rcounts(R, static_cast<int>(w)), rdispls(R);
    for (int q = 0; q < R; ++q) rdispls[q] = static_cast<int>(q * w);
    scounts[r] = rcounts[r] = 0;
    exchange([&] { m_group.alltoallv(m_host.data(), scounts, m_displs, m_recv.data(), rcounts, rdispls); });
    // The fold, in rank order (= micro-batch order), one pass per piece so that every pass is a
    // plain vectorisable loop; element by element the additions are the same sequence. The last
    // round writes the sum into this rank's own chunk of the gradient.
    T* const own = m_host.data() + begin(r);
    const T* const recv = m_recv.data();
    T* const acc = m_acc.data();
    const bool first = round == 0, last = round == rounds() - 1;
    using Policy = Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::IndexType<std::int64_t>>;
    // Pass 0 folds the running sum and piece 0 into `dst`; pieces 1 … R−1 follow. When `dst` is
    // the own chunk (last round) and piece 0 is not, the own piece must be read before it is
    // overwritten: it is then staged in recv's own (otherwise unused) slot.
    T* const dst = last ? own : acc;
    if (last && r != 0) std::copy(own, own + w, m_recv.data() + std::int64_t(r) * w);
    auto piece = [=](int q) -> const T* {
      return q == r ? (last && r != 0 ? recv + std::int64_t(r) * w : own) : recv + std::int64_t(q) * w;
    };
    {
      const T* const p0 = piece(0);
      const T* const a = acc;
      Kokkos::parallel_for("dp/accumulate", Policy(0, w), [=](const std::int64_t i) {
        dst[i] = (first ? T(0) : a[i]) + p0[i];
      });
    }
    for (int q = 1; q < R; ++q) {
      const T* const pq = piece(q);
      Kokkos::parallel_for("dp/accumulate", Policy(0, w), [=](const std::int64_t i) { dst[i] = dst[i] + pq[i]; });
    }
    Kokkos::DefaultHostExecutionSpace().fence();
  }

  // Writes the folded gradient into `grads` on every rank (all-gather of the chunks in place).
  void finish(const Vec<T>& grads) {
    if (m_M == 1) return;
    exchange([&] { m_group.allgatherv(m_host.data(), m_counts, m_displs); });
    Kokkos::deep_copy(grads, m_host);  // a no-op when grads lives in host memory
  }

  // Per-micro-batch numbers in micro-batch order on every rank. `mine[j]` holds `width` values
  // of micro_batch(j); each slot of the result has exactly one contributor, so the sum over ranks
  // that gathers them is exact.
  std::vector<double> gather(const std::vector<std::vector<double>>& mine, int width) {
    m_gather_width = width;
    std::vector<double> all(static_cast<std::size_t>(m_M) * width, 0.0);
    for (int j = 0; j < rounds(); ++j)
      for (int k = 0; k < width; ++k) all[std::size_t(micro_batch(j)) * width + k] = mine[j][k];
    exchange([&] { m_group.sum(all); });
    return all;
  }

  // Cost per rank and step of what this class does beyond the micro-batches themselves.
  Ledger ledger() const {
    Ledger l;
    if (m_M == 1) return l;
    const double n = double(m_n), chunk = n / m_R, bytes = double(sizeof(T));
    // One pass per piece and round: read the running sum and the piece, write the sum.
    KernelCost fold = vector_cost("dp/accumulate", DType::fp32, chunk, 3 * bytes * chunk);
    fold.count = double(rounds()) * m_R;
    l.push_back(fold);
    if (m_R > 1) {
      KernelCost gather;
      gather.name = "dp/gather";  // the per-micro-batch numbers (losses, counts): a few doubles
      gather.kind = OpKind::collective;
      gather.dtype = DType::fp64;
      gather.collective = Collective::all_reduce;
      gather.collective_bytes = 8.0 * m_M * m_gather_width;
      gather.ranks = m_R;
      l.push_back(gather);
      KernelCost rs;
      rs.name = "dp/reduce_scatter";
      rs.kind = OpKind::collective;
      rs.collective = Collective::reduce_scatter;
      rs.collective_bytes = n * bytes;  // the reduce-scatter input (collectives.hpp convention)
      rs.ranks = m_R;
      rs.count = rounds();
      l.push_back(rs);
      KernelCost ag = rs;
      ag.name = "dp/all_gather";
      ag.collective = Collective::all_gather;
      ag.count = 1;
      l.push_back(ag);
    }
    return l;
  }

 private:
  std::int64_t begin(int c) const { return m_n * c / m_R; }
  // One exchange: first wait until every rank has arrived (wait time), so that the exchange
  // itself times transfer only (comm time).
  template <class F>
  void exchange(F&& op) {
    double t0 = mpi::wtime();
    if (m_R > 1) {
      m_group.barrier();
      const double t1 = mpi::wtime();
      m_wait += t1 - t0;
      t0 = t1;
    }
    op();
    m_comm += mpi::wtime() - t0;
  }

  mpi::Group m_group;
  std::int64_t m_n = 0;
  int m_M = 1, m_R = 1, m_r = 0, m_gather_width = 1;
  std::vector<int> m_counts, m_displs;  // chunk sizes and offsets, by owner
  Kokkos::View<T*, Kokkos::HostSpace> m_acc, m_recv;  // (n / R), (R, n / R): own slot for staging
  typename Vec<T>::host_mirror_type m_host;            // the gradient in host memory (n)
  double m_comm = 0, m_wait = 0;
};

}  // namespace xpb::nn
