// core/plugin/capability.cpp — capability names, the parameters of one calibration run, and the
// check of a declaration against the workload's parameter schema.
#include "core/plugin/capability.hpp"

#include <algorithm>

namespace xpb {

std::string_view to_string(Capability c) {
  switch (c) {
    case Capability::memory_bandwidth: return "memory_bandwidth";
    case Capability::handoff_bandwidth: return "handoff_bandwidth";
    case Capability::matmul_peak: return "matmul_peak";
    case Capability::launch_overhead: return "launch_overhead";
    case Capability::collective_link: return "collective_link";
    case Capability::attention_efficiency: return "attention_efficiency";
    case Capability::vector_efficiency: return "vector_efficiency";
    case Capability::norm_efficiency: return "norm_efficiency";
  }
  return "?";
}

std::string_view describe(Capability c) {
  switch (c) {
    case Capability::memory_bandwidth: return "memory bandwidth";
    case Capability::handoff_bandwidth:
      return "bandwidth of data another core wrote (training steps on this host)";
    case Capability::matmul_peak: return "gemm ceilings and efficiency table";
    case Capability::launch_overhead: return "kernel launch overhead";
    case Capability::collective_link: return "the rank-to-rank link";
    case Capability::attention_efficiency: return "flash-attention efficiency (fraction of the GEMM ceiling)";
    case Capability::vector_efficiency: return "element-wise (vector) efficiency (fraction of the fp32 peak)";
    case Capability::norm_efficiency: return "row-normalisation efficiency (fraction of the fp32 peak)";
  }
  return "?";
}

bool CapabilitySpec::runs(DType d) const {
  return std::find(dtypes.begin(), dtypes.end(), d) != dtypes.end();
}

std::map<std::string, ParamValue> CapabilitySpec::params(std::int64_t size, std::optional<DType> dtype,
                                                         const std::string& variant) const {
  std::map<std::string, ParamValue> p = fixed;
  for (const auto& s : size_params) p[s] = size;
  if (dtype && !dtype_param.empty()) p[dtype_param] = std::string(to_string(*dtype));
  if (!variant.empty() && !variant_param.empty()) p[variant_param] = variant;
  return p;
}

std::string CapabilitySpec::size_label() const {
  std::string s;
  for (const auto& p : size_params) s += (s.empty() ? "" : "=") + p;
  return s;
}

std::string CapabilitySpec::fixed_label() const {
  std::string s;
  for (const auto& [k, v] : fixed) s += (s.empty() ? "" : " ") + k + "=" + to_display(v);
  return s;
}

std::string CapabilitySpec::check(const ParamSchema& schema) const {
  const std::string what = std::string(to_string(capability)) + ": ";
  auto choice = [&](const std::string& name, const std::string& value) -> std::string {
    const ParamSpec* s = schema.find(name);
    if (s == nullptr) return what + "no parameter '" + name + "'";
    if (s->node.type != ParamType::choice) return what + "'" + name + "' is not a choice parameter";
    if (std::find(s->node.choices.begin(), s->node.choices.end(), value) == s->node.choices.end())
      return what + "'" + value + "' is not a choice of '" + name + "'";
    return {};
  };
  const bool sized = capability != Capability::launch_overhead;
  if (sized && size_params.empty()) return what + "needs a size parameter";
  if (!sized && !size_params.empty()) return what + "takes no size";
  for (const auto& n : size_params) {
    const ParamSpec* s = schema.find(n);
    if (s == nullptr) return what + "no parameter '" + n + "'";
    if (s->node.type != ParamType::integer) return what + "size parameter '" + n + "' is not an integer";
  }
  const bool typed = capability == Capability::memory_bandwidth ||
                     capability == Capability::handoff_bandwidth || capability == Capability::matmul_peak ||
                     capability == Capability::attention_efficiency ||
                     capability == Capability::vector_efficiency || capability == Capability::norm_efficiency;
  if (typed && dtypes.empty()) return what + "needs the element types it runs";
  if (!dtype_param.empty())
    for (DType d : dtypes)
      if (auto e = choice(dtype_param, std::string(to_string(d))); !e.empty()) return e;
  if (!variant_param.empty() && variants.empty()) return what + "a variant parameter needs values";
  for (const auto& v : variants)
    if (auto e = choice(variant_param, v); !e.empty()) return e;
  for (const auto& [k, v] : fixed) {
    const ParamSpec* s = schema.find(k);
    if (s == nullptr) return what + "no parameter '" + k + "'";
    if (auto e = check_value(*s, v); !e.empty()) return what + k + ": " + e;
  }
  return {};
}

}  // namespace xpb
