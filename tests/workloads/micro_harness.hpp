// tests/workloads/micro_harness.hpp — runs one micro-benchmark the way the runner does
// (complete params, setup, warm-up + steps, validate, ledger, finish) without HDF5 or projection.
// Used by the micro-benchmark tests and the MPI all-reduce driver.
#pragma once

#include <map>
#include <string>

#include "core/plugin/context.hpp"
#include "core/plugin/params.hpp"
#include "core/plugin/registry.hpp"
#include "workloads/micro/micro.hpp"

namespace xpb::test {

struct MicroRun {
  Validation validation;
  Ledger ledger;
  Ledger ledger_as_run;  // empty: the charged ledger is what ran
  Metrics metrics;
  std::vector<StepResult> steps;
};

inline MicroRun run_micro(const std::string& name, std::map<std::string, ParamValue> given, int steps = 2,
                          std::uint64_t seed = 7, int mpi_rank = 0, int mpi_size = 1) {
  Registry reg;
  workloads::register_micro(reg);
  const Params params = complete(reg.info(name).params, std::move(given));
  Context ctx;
  ctx.seed = seed;
  ctx.mpi_rank = mpi_rank;
  ctx.mpi_size = mpi_size;
  ctx.group = mpi::Group::world();
  auto w = reg.create(name);
  w->setup(params, ctx);
  MicroRun r;
  for (int i = 0; i < steps; ++i) r.steps.push_back(w->step(ctx));
  r.validation = w->validate(ctx);
  r.ledger = w->ledger();
  r.ledger_as_run = w->ledger_as_run();
  r.metrics = w->finish(ctx);
  return r;
}

inline const Scalar* find_scalar(const Metrics& m, const std::string& name) {
  for (const auto& s : m.scalars)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace xpb::test
