// core/mpi.hpp — MPI start-up and world queries, safe to call in any build.
// MPI is initialised only when a launcher started the process (mpirun/mpiexec, srun, PMIx), so a
// plain `xpubench run` never touches MPI. Without MPI support compiled in (no XPB_HAS_MPI) every
// call is a cheap stub: one rank of one. Collectives themselves live in the workloads.
#pragma once

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
// Barrier on the world (no-op when not active).
void barrier();
// Seconds from MPI_Wtime, or a steady clock when MPI is not active.
double wtime();
// Largest value of `x` over all ranks (x itself when not active).
double max_over_ranks(double x);

}  // namespace xpb::mpi
