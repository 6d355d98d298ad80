// core/mpi.cpp — MPI start-up and world queries; stubs when built without MPI.
// Only this file and the collective workloads include <mpi.h>.
#include "core/mpi.hpp"

#include <chrono>
#include <cstdlib>
#include <initializer_list>

#include "core/mpi_api.hpp"

namespace xpb::mpi {
namespace {
bool g_we_initialised = false;  // process-wide by nature: MPI itself is process-global
}

bool compiled_in() {
#ifdef XPB_HAS_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_launcher() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

bool init_if_launched(int* argc, char*** argv) {
#ifdef XPB_HAS_MPI
  int already = 0;
  MPI_Initialized(&already);
  if (already) return true;
  if (!launched_by_launcher()) return false;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return false;
  g_we_initialised = true;
  return true;
#else
  (void)argc;
  (void)argv;
  return false;
#endif
}

bool active() {
#ifdef XPB_HAS_MPI
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
#else
  return false;
#endif
}

void finalize() {
#ifdef XPB_HAS_MPI
  if (g_we_initialised && active()) MPI_Finalize();
  g_we_initialised = false;
#endif
}

int rank() {
#ifdef XPB_HAS_MPI
  if (active()) {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
  }
#endif
  return 0;
}

int size() {
#ifdef XPB_HAS_MPI
  if (active()) {
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
  }
#endif
  return 1;
}

void barrier() {
#ifdef XPB_HAS_MPI
  if (active()) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

double wtime() {
#ifdef XPB_HAS_MPI
  if (active()) return MPI_Wtime();
#endif
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double max_over_ranks(double x) {
#ifdef XPB_HAS_MPI
  if (active()) {
    double y = x;
    MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return y;
  }
#endif
  return x;
}

}  // namespace xpb::mpi
