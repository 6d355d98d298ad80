// core/plugin/capability.hpp — what a workload can measure for `xpubench calibrate`.
// A workload declares the machine ceilings it measures (WorkloadInfo::capabilities) and how to set
// it up for one calibration run: which of its integer parameters carry the problem size, which
// choice parameter the element type, which the implementation, and any fixed values. Calibration
// (calibration/) asks the registry for workloads by capability and never by name, so a workload
// from outside the tree that declares one is used like the built-in ones.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/dtype.hpp"
#include "core/plugin/params.hpp"

namespace xpb {

enum class Capability {
  memory_bandwidth,  // streaming kernels: ledger bytes / time. Size: elements per array.
  // As memory_bandwidth, on data that another core wrote last (each thread reads and writes what
  // another thread's previous kernel wrote): ledger bytes of `kernel` / its time, by those bytes.
  handoff_bandwidth,
  matmul_peak,      // dense matrix multiply: ledger FLOPs / time. Size: m = n = k.
  launch_overhead,  // empty kernels: step time / ledger launch count. No size.
  collective_link,  // an all-reduce over every MPI rank of the run. Size: bytes per rank.
  // A flash-attention kernel, forward and backward: ledger FLOPs of its attention_fwd/_bwd
  // entries over the StepResult values "fwd_seconds"/"bwd_seconds". Size: sequence length.
  attention_efficiency,
  // Element-wise (vector) work: ledger FLOPs as run of the entry named `kernel` over the StepResult
  // value "<kernel>_seconds", at an in-cache size, over the fp32 peak. Size: the row length.
  vector_efficiency,
  // Row normalisation (OpKind::norm entries): as vector_efficiency, for efficiency.norm.
  norm_efficiency,
};
std::string_view to_string(Capability c);
// What the descriptor loses when no workload declares it, e.g. "gemm ceilings and efficiency table".
std::string_view describe(Capability c);

// One calibration run of a workload is its declared defaults with these parameters set.
struct CapabilitySpec {
  Capability capability = Capability::memory_bandwidth;
  std::vector<std::string> size_params;     // integer parameters all set to the size ({"m","n","k"})
  std::string dtype_param;                  // choice parameter set to the element type; empty: none
  std::vector<DType> dtypes;                // element types it can run (bandwidth, matmul: required)
  std::string variant_param;                // choice parameter naming an implementation; empty: none
  std::vector<std::string> variants;        // its values to try, in order (the first is the default)
  std::map<std::string, ParamValue> fixed;  // other parameters, always set ({"impl": "ring"})
  // memory_bandwidth, vector_efficiency, norm_efficiency: the ledger kernel ("<workload>/<kernel>")
  // whose time is the headline, read from the StepResult value kernel_seconds() ("<kernel>_seconds"
  // unless timed_by() names another); empty: whole steps over the whole ledger.
  std::string kernel;
  std::string time_value;  // the StepResult value timing `kernel`; empty: "<kernel>_seconds"

  explicit CapabilitySpec(Capability c) : capability(c) {}
  CapabilitySpec& size(std::vector<std::string> params) {
    size_params = std::move(params);
    return *this;
  }
  CapabilitySpec& dtype(std::string param, std::vector<DType> types) {
    dtype_param = std::move(param);
    dtypes = std::move(types);
    return *this;
  }
  CapabilitySpec& dtype(std::vector<DType> types) {
    dtypes = std::move(types);
    return *this;
  }
  CapabilitySpec& variant(std::string param, std::vector<std::string> values) {
    variant_param = std::move(param);
    variants = std::move(values);
    return *this;
  }
  CapabilitySpec& set(const std::string& param, ParamValue v) {
    fixed[param] = std::move(v);
    return *this;
  }
  CapabilitySpec& set(const std::string& param, const char* v) {
    return set(param, ParamValue(std::string(v)));
  }
  CapabilitySpec& headline_kernel(std::string k) {
    kernel = std::move(k);
    return *this;
  }
  CapabilitySpec& timed_by(std::string value) {
    time_value = std::move(value);
    return *this;
  }
  std::string kernel_seconds() const { return time_value.empty() ? kernel + "_seconds" : time_value; }

  bool runs(DType d) const;  // d is one of `dtypes`
  // The parameters of one run (size ignored when no size_params; variant "" = none).
  std::map<std::string, ParamValue> params(std::int64_t size, std::optional<DType> dtype,
                                           const std::string& variant) const;
  // "m=n=k", "n", "bytes" ("" without size parameters): how a size reads in a method line.
  std::string size_label() const;
  // The fixed values as "impl=ring" (space-separated, by name).
  std::string fixed_label() const;
  // "" when the declaration fits the workload's parameter schema, else what is wrong.
  std::string check(const ParamSchema& schema) const;
};

}  // namespace xpb
