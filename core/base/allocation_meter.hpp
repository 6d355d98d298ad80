// core/base/allocation_meter.hpp — the bytes of Kokkos allocations made while a meter lives.
// A workload's working set is what it holds once setup() returns: the runner records it per cell
// and the projector picks the calibrated host's cache bandwidth step with it; calibrate meters the
// sweep that measures those steps the same way. Counted through the Kokkos Tools allocation
// callbacks (Kokkos 3.4 through 5); Kokkos' own buffers ("Kokkos::" labels) are left out. Nothing
// is counted when a Kokkos Tools library is loaded: it owns the callbacks. One meter at a time,
// on the thread that allocates.
#pragma once

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "core/base/kokkos_compat.hpp"

namespace xpb {

class AllocationMeter {
 public:
  AllocationMeter() : m_on(!compat::tools_library_loaded()) {
    if (!m_on) return;
    live() = 0;
    Kokkos::Tools::Experimental::set_allocate_data_callback(on_alloc);
    Kokkos::Tools::Experimental::set_deallocate_data_callback(on_free);
  }
  ~AllocationMeter() {
    if (!m_on) return;
    Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);
    Kokkos::Tools::Experimental::set_deallocate_data_callback(nullptr);
  }
  AllocationMeter(const AllocationMeter&) = delete;
  AllocationMeter& operator=(const AllocationMeter&) = delete;

  // Bytes allocated and not freed since construction; 0 when not counted.
  double bytes() const { return m_on ? std::max(0.0, live()) : 0.0; }

 private:
  static double& live() {
    static double b = 0;
    return b;
  }
  static bool counted(const char* label) { return std::string_view(label).rfind("Kokkos::", 0) != 0; }
  static void on_alloc(const Kokkos_Profiling_SpaceHandle, const char* label, const void*,
                       const std::uint64_t n) {
    if (counted(label)) live() += double(n);
  }
  static void on_free(const Kokkos_Profiling_SpaceHandle, const char* label, const void*,
                      const std::uint64_t n) {
    if (counted(label)) live() -= double(n);
  }
  bool m_on;
};

}  // namespace xpb
