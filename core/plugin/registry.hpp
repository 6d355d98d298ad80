// core/plugin/registry.hpp — the compiled-in workloads, by name and by capability.
// Filled explicitly by workloads/register_all.cpp (no static self-registration, no dlopen: Kokkos
// keeps process-global state). A test may build a registry holding only what it tests.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/workload.hpp"

namespace xpb {

class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Workload>()>;

  void add(WorkloadInfo info, Factory factory);
  bool has(const std::string& name) const { return m_entries.count(name) != 0; }
  // Throws xpb::Error (with a "did you mean" hint) for an unknown name.
  const WorkloadInfo& info(const std::string& name) const;
  std::unique_ptr<Workload> create(const std::string& name) const;
  std::vector<std::string> names() const;  // sorted

  // The workloads that declare capability `c` (WorkloadInfo::capabilities), in name order.
  struct Provider {
    const WorkloadInfo* info;
    const CapabilitySpec* spec;
  };
  std::vector<Provider> providers(Capability c) const;

 private:
  struct Entry {
    WorkloadInfo info;
    Factory factory;
  };
  std::map<std::string, Entry> m_entries;
};

}  // namespace xpb
