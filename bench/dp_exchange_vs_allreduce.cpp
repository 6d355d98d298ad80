// bench/dp_exchange_vs_allreduce.cpp — the data-parallel gradient exchange of
// workloads/nn/data_parallel.hpp (all-to-all of chunks, owner folds in rank order, all-gather:
// bit-reproducible) side by side with the peer every framework calls, MPI_Allreduce(SUM) in place
// (summation order up to the MPI library), on the same fp32 gradient sizes and ranks.
// Run under mpirun: `mpirun -n 2 xpb_bench_dp_exchange [reps]`. Rank 0 prints, per size, the best
// and median time of each and the median ratio of adjacent runs (ours / MPI_Allreduce); which one
// goes first alternates. Ours includes the barrier that separates waiting from exchange.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/base/format.hpp"
#include "core/base/kokkos_compat.hpp"
#include "core/base/mpi.hpp"
#include "core/base/mpi_api.hpp"
#include "workloads/nn/data_parallel.hpp"

using xpb::median;

int main(int argc, char** argv) {
  xpb::mpi::init_if_launched(&argc, &argv);
  xpb::compat::InitOptions opt;
  xpb::compat::initialize(opt);
  int rc = 0;
  {
    const xpb::mpi::Group world = xpb::mpi::Group::world();
    const int R = world.size(), me = world.rank();
    const int reps = argc > 1 ? std::atoi(argv[1]) : 30;
    if (R < 2) {
      std::fprintf(stderr, "run under mpirun with 2 or more ranks\n");
      rc = 2;
    } else {
#ifdef XPB_HAS_MPI
      if (me == 0)
        std::printf("%d ranks, fp32 gradients, %d repetitions per size\n%-10s %-22s %-22s %s\n", R, reps,
                    "bytes", "ours best/median us", "Allreduce best/median",
                    "ours / Allreduce (median of pairs); ours: exchange / wait median us");
      for (std::int64_t bytes = 64 << 10; bytes <= (std::int64_t(16) << 20); bytes *= 4) {
        const std::int64_t n = bytes / 4;
        Kokkos::View<float*> grads("grads", n);  // (n)
        std::vector<float> buf(static_cast<std::size_t>(n));
        xpb::nn::GradientReducer<float> red(world, n, R);
        std::vector<double> ours, theirs, ratio, comm, wait;
        for (int i = 0; i < reps + 2; ++i) {
          Kokkos::deep_copy(grads, float(me + 1) * 0.5f);
          std::fill(buf.begin(), buf.end(), float(me + 1) * 0.5f);
          double t_ours = 0, t_mpi = 0;
          for (int k = 0; k < 2; ++k) {
            const bool ours_now = (k == 0) == (i % 2 == 0);
            world.barrier();
            const double t0 = MPI_Wtime();
            if (ours_now) {
              red.reset_timer();
              red.add(grads, 0);
              red.finish(grads);
            } else {
              MPI_Allreduce(MPI_IN_PLACE, buf.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            }
            const double t = world.max(MPI_Wtime() - t0);
            (ours_now ? t_ours : t_mpi) = t;
            if (ours_now) {
              comm.push_back(red.comm_seconds());
              wait.push_back(red.wait_seconds());
            }
          }
          if (i < 2) continue;  // warm-up
          ours.push_back(t_ours);
          theirs.push_back(t_mpi);
          ratio.push_back(t_ours / t_mpi);
        }
        if (me == 0)
          std::printf("%-10lld %8.1f / %-11.1f %8.1f / %-11.1f %.2f; %.1f / %.1f\n", static_cast<long long>(bytes),
                      *std::min_element(ours.begin(), ours.end()) * 1e6, median(ours) * 1e6,
                      *std::min_element(theirs.begin(), theirs.end()) * 1e6, median(theirs) * 1e6,
                      median(ratio), median(comm) * 1e6, median(wait) * 1e6);
      }
#endif
    }
  }
  Kokkos::finalize();
  xpb::mpi::finalize();
  return rc;
}
