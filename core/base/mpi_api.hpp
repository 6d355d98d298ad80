// core/base/mpi_api.hpp — includes <mpi.h> (C API only) when this build has MPI (XPB_HAS_MPI).
// Open MPI and MPICH would otherwise pull in their deprecated C++ bindings. Code that calls MPI
// directly includes this instead of <mpi.h>; everything else uses core/base/mpi.hpp.
#pragma once

#ifdef XPB_HAS_MPI
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>
#endif
