// core/plugin/registry.cpp — lookup and creation of compiled-in workloads.
#include "core/plugin/registry.hpp"

#include "core/base/error.hpp"

namespace xpb {

void Registry::add(WorkloadInfo info, Factory factory) {
  XPB_ASSERT(!m_entries.count(info.name), "workload registered twice");
  for (const MetricSpec& m : info.metrics) {
    const std::string problem = metric_spec_problem(m);
    XPB_ASSERT(problem.empty(), (info.name + ": metric " + m.name + ": " + problem).c_str());
  }
  for (const auto& c : info.capabilities) {  // a declaration that cannot run is a programming error
    const std::string why = c.check(info.params);
    XPB_ASSERT(why.empty(), (info.name + ": " + why).c_str());
  }
  std::string name = info.name;
  m_entries.emplace(name, Entry{std::move(info), std::move(factory)});
}

const WorkloadInfo& Registry::info(const std::string& name) const {
  auto it = m_entries.find(name);
  if (it == m_entries.end()) {
    std::string hint;
    std::string m = closest_match(name, names());
    if (!m.empty()) hint = "did you mean '" + m + "'?";
    else {
      hint = "compiled-in workloads:";
      for (const auto& n : names()) hint += " " + n;
    }
    throw Error({}, "unknown workload '" + name + "'", hint);
  }
  return it->second.info;
}

std::unique_ptr<Workload> Registry::create(const std::string& name) const {
  info(name);  // throws for unknown names
  return m_entries.at(name).factory();
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> n;
  for (const auto& [k, v] : m_entries) n.push_back(k);
  return n;
}

std::vector<Registry::Provider> Registry::providers(Capability c) const {
  std::vector<Provider> out;
  for (const auto& [name, e] : m_entries)
    for (const auto& spec : e.info.capabilities)
      if (spec.capability == c) out.push_back({&e.info, &spec});
  return out;
}

}  // namespace xpb
