// tests/workloads/workload_harness.hpp — running a training workload the way the runner does
// (setup, planned_steps × step, validate, finish) on a generated corpus in a temporary folder.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/registry.hpp"
#include "tests/test_support.hpp"
#include "workloads/text/synthetic_corpus.hpp"

namespace xpb::test {

struct TrainingRun {
  std::vector<double> losses;  // StepResult "loss" per step
  Validation validation;
  Metrics metrics;
  Ledger ledger;
  Ledger ledger_as_run;  // empty: the charged ledger is what ran
};

inline TrainingRun run_training(void (*register_fn)(Registry&), const std::string& name,
                                std::map<std::string, ParamValue> given, const std::string& data_dir,
                                std::uint64_t seed = 42) {
  Registry reg;
  register_fn(reg);
  const Params params = complete(reg.info(name).params, std::move(given));
  auto w = reg.create(name);
  Context ctx;
  ctx.seed = seed;
  ctx.data_dir = data_dir;
  w->setup(params, ctx);
  TrainingRun r;
  for (std::int64_t s = 0; s < w->planned_steps(); ++s)
    for (const auto& [k, v] : w->step(ctx).values)
      if (k == "loss") r.losses.push_back(v);
  r.ledger = w->ledger();
  r.ledger_as_run = w->ledger_as_run();
  r.validation = w->validate(ctx);
  r.metrics = w->finish(ctx);
  return r;
}

// Writes the generated verse corpus as `file` in dir.
inline void write_synthetic_corpus(const TempDir& dir, const std::string& file, int verses) {
  std::ofstream(dir.file(file)) << text::synthetic_corpus(verses, 5);
}

inline const Series* find_series(const Metrics& m, const std::string& name) {
  for (const auto& s : m.series)
    if (s.name == name) return &s;
  return nullptr;
}
inline double find_scalar(const Metrics& m, const std::string& name) {
  for (const auto& s : m.scalars)
    if (s.name == name) return s.value;
  return -1;
}

}  // namespace xpb::test
