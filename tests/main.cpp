// tests/main.cpp — Catch2 session inside one Kokkos lifetime (Kokkos initialises once per process).
#include <catch2/catch_session.hpp>

#include "core/base/kokkos_compat.hpp"

int main(int argc, char* argv[]) {
  xpb::compat::InitOptions opt;  // warnings off: Kokkos 3.4 prints them on stdout
  xpb::compat::initialize(opt);
  int rc = Catch::Session().run(argc, argv);
  Kokkos::finalize();
  return rc;
}
