// core/base/mpi.hpp — MPI start-up and world queries, safe to call in any build.
// MPI is initialised only when a launcher started the process (mpirun/mpiexec, srun, PMIx), so a
// plain `xpubench run` never touches MPI. Without MPI support compiled in (no XPB_HAS_MPI) every
// call is a cheap stub: one rank of one. Collectives go through a Group (the world, or the ranks
// of one cell); only this file and code that needs a raw communicator include <mpi.h>.
#pragma once

#include <functional>
#include <memory>
#include <vector>

namespace xpb::mpi {

// True when this build has MPI support (XPB_HAS_MPI).
bool compiled_in();
// True when the environment says a launcher started us (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK).
bool launched_by_launcher();
// Call first thing in main(), before Kokkos::initialize. Initialises MPI (thread level FUNNELED)
// when launched_by_launcher() and compiled_in(); returns whether MPI is now active.
bool init_if_launched(int* argc, char*** argv);
// Call last thing in main(), after Kokkos::finalize. Finalises only what init_if_launched began.
void finalize();
// MPI initialised by us and not finalised yet.
bool active();
// World rank and size (0 and 1 when MPI is not active).
int rank();
int size();
// Seconds from MPI_Wtime, or a steady clock when MPI is not active.
double wtime();
// Ends every process of the job (MPI_Abort on the world), or this process without MPI.
[[noreturn]] void abort(int code);

// ------------------------------------------------------------------------------------------------
// A group of ranks that works on one cell together: the world, or a part split off it. Without
// MPI (or outside a launcher) it is the group of one, and every operation is the local identity.
// Copies share one communicator, freed with the last copy. Collectives are blocking and must be
// called by every member in the same order.
class Group {
 public:
  Group();                           // the group of one (this process alone)
  static Group world();              // all ranks (the group of one when MPI is not active)
  int rank() const;
  int size() const;
  // Collective over this group: members with the same colour form a new group, ranked by `key`.
  // A negative colour leaves this process out (it gets the group of one).
  Group split(int colour, int key) const;
  // Members of this group that share this node's memory (MPI_COMM_TYPE_SHARED), at least 1.
  int ranks_on_node() const;
  void barrier() const;
  // A barrier that can be given up: waits for every member while `keep_waiting()` (called about
  // every 50 ms) returns true. Returns whether all arrived. Giving up leaves the barrier pending:
  // the only sound thing left to do is abort().
  bool barrier_while(const std::function<bool()>& keep_waiting) const;
  // `value` from member `root`, on every member.
  int broadcast(int value, int root = 0) const;
  double max(double x) const;
  // Element-wise sum over the members, in place. Exact whatever the order when, element by
  // element, at most one member contributes a non-zero value (the gather idiom used by DP).
  void sum(std::vector<double>& values) const;
  // Personalised exchange: member q gets send[sdispls[q] .. + scounts[q]) from every member, into
  // recv at rdispls[p] for sender p. Counts in elements.
  void alltoallv(const float* send, const std::vector<int>& scounts, const std::vector<int>& sdispls,
                 float* recv, const std::vector<int>& rcounts, const std::vector<int>& rdispls) const;
  void alltoallv(const double* send, const std::vector<int>& scounts, const std::vector<int>& sdispls,
                 double* recv, const std::vector<int>& rcounts, const std::vector<int>& rdispls) const;
  // Every member contributes buf[displs[me] .. + counts[me]); afterwards all of buf is filled.
  void allgatherv(float* buf, const std::vector<int>& counts, const std::vector<int>& displs) const;
  void allgatherv(double* buf, const std::vector<int>& counts, const std::vector<int>& displs) const;
  // The MPI_Comm behind this group (an MPI_Comm*, for code that includes core/base/mpi_api.hpp);
  // nullptr for the group of one.
  const void* native() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> m_impl;
};

}  // namespace xpb::mpi
