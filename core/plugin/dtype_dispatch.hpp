// core/plugin/dtype_dispatch.hpp — one workload, two element types: Impl<float> or Impl<double>
// chosen at set-up from a `dtype` parameter (fp32 | fp64), every Workload virtual forwarded.
// A workload templated on its element type registers `DTypeDispatch<Impl>` instead of writing
// its own wrapper. Adding a virtual to Workload means forwarding it here; the test
// tests/core/plugin/test_dtype_dispatch.cpp checks each one goes through.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/base/error.hpp"
#include "core/plugin/workload.hpp"

namespace xpb {

// The `dtype` parameter the dispatch reads, as a workload declares it.
inline std::vector<std::string> dispatch_dtypes() { return {"fp32", "fp64"}; }

template <template <class> class Impl>
class DTypeDispatch final : public Workload {
 public:
  // `param`: the name of the choice parameter holding "fp32" or "fp64".
  explicit DTypeDispatch(std::string param = "dtype") : m_param(std::move(param)) {}

  void setup(const Params& p, Context& ctx) override {
    const std::string& d = p.get_string(m_param);
    if (d == "fp64")
      m_impl = std::make_unique<Impl<double>>();
    else if (d == "fp32")
      m_impl = std::make_unique<Impl<float>>();
    else
      throw Error({{}, 0, "params." + m_param}, "dtype '" + d + "' is not fp32 or fp64");
    m_impl->setup(p, ctx);
  }
  StepResult step(Context& ctx) override { return m_impl->step(ctx); }
  Ledger ledger() const override { return m_impl ? m_impl->ledger() : Ledger{}; }
  Ledger ledger_as_run() const override { return m_impl ? m_impl->ledger_as_run() : Ledger{}; }
  Validation validate(Context& ctx) override { return m_impl->validate(ctx); }
  Metrics finish(Context& ctx) override { return m_impl->finish(ctx); }
  std::int64_t planned_steps() const override { return m_impl ? m_impl->planned_steps() : -1; }

 private:
  std::string m_param;
  std::unique_ptr<Workload> m_impl;
};

}  // namespace xpb
