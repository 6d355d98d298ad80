// workloads/ernie/ernie_scale.cpp — the `ernie_scale` projection-only workload.
// Projects a paper-scale ERNIE model (experiments/models/*.yaml) onto a cluster of one platform
// and of the reference (H20) with the performance model's plan search (core/model/plan_search.hpp),
// and reports the best plan, step time, days for a stated token budget and the speed ratio to
// the reference with its range. It runs no kernels (planned_steps() is 0; its ledger is empty):
// every number here is projected, none measured.
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "core/base/build_info.hpp"
#include "core/base/error.hpp"
#include "core/model/parity.hpp"
#include "core/model/plan_search.hpp"
#include "core/platforms/platform.hpp"
#include "core/base/sha256.hpp"
#include "core/model/training_model.hpp"
#include "workloads/ernie/ernie.hpp"

namespace xpb::workloads {
namespace {

// A model given as a path, or as a name under experiments/models/ (as `xpubench project`).
std::string model_path(const std::string& m) {
  if (auto p = find_model_file(m)) return *p;
  throw Error({"", 0, "params.model"}, "model file '" + m + "' not found",
              "give a path or a name from experiments/models/ (e.g. ernie-3.0-10b)");
}

struct Projected {
  bool found = false;
  std::string reason;
  StepEstimate best;
  SearchResult search;
};

Projected best_plan(const ModelSpec& model, const Platform& platform, const Cluster& cluster,
                    const TrainOptions& opt) {
  Projected out;
  TrainingModel tm(model, platform, cluster, opt);
  if (!tm.unusable_reason().empty()) {
    out.reason = tm.unusable_reason();
    return out;
  }
  out.search = search_plans(tm, default_space(tm), 1);
  out.found = out.search.found;
  // The best plan's Monte Carlo (same seed for every platform: shared sources drawn jointly).
  out.best = out.search.found ? tm.estimate(out.search.best.plan) : out.search.best;
  out.reason = out.search.found ? "" : out.search.reason;
  return out;
}

class ErnieScale final : public Workload {
 public:
  void setup(const Params& p, Context&) override {
    m_model_file = model_path(p.get_string("model"));
    m_model = load_model_file(m_model_file);
    m_model_sha = sha256_file(m_model_file);
    m_platform = resolve_platform(p.get_string("platform"));
    m_reference = resolve_platform(p.get_string("reference"));
    m_tokens = p.get_number("tokens");
    m_band = p.get_number("parity_band");
    m_cluster.devices = static_cast<int>(p.get_int("devices"));
    m_cluster.global_batch = p.get_number("global_batch");
    const std::string d = p.get_string("dtype");
    if (d != "model") m_opt.dtype = parse_dtype(d);
    // The whole projection happens here: it is cheap next to a training step and has no timing.
    m_plat = best_plan(m_model, m_platform, m_cluster, m_opt);
    m_ref = best_plan(m_model, m_reference, m_cluster, m_opt);
    m_batch = m_cluster.global_batch > 0 ? m_cluster.global_batch : m_model.global_batch;
  }

  std::int64_t planned_steps() const override { return 0; }
  StepResult step(Context&) override { return {}; }
  Ledger ledger() const override { return {}; }

  Validation validate(Context&) override {
    if (!m_plat.found)
      return Validation::fail("no plan fits on " + m_platform.name + ": " + m_plat.reason);
    if (!m_ref.found)
      return Validation::fail("no plan fits on the reference " + m_reference.name + ": " + m_ref.reason);
    return Validation::ok("best plans found on " + m_platform.name + " and " + m_reference.name +
                          " (projected, not measured)");
  }

  Metrics finish(Context&) override {
    Metrics m;
    m.attribute("kind", "projected");
    m.attribute("model", m_model.name);
    m.attribute("model_file", m_model_file);
    m.attribute("model_sha256", m_model_sha);
    m.attribute("model_source", m_model.source);
    m.attribute("platform", m_platform.name);
    m.attribute("platform_sha256", m_platform.sha256);
    m.attribute("reference", m_reference.name);
    m.attribute("reference_sha256", m_reference.sha256);
    const double tokens_per_step = m_batch * double(m_model.seq_len);
    m.scalar("devices", double(m_cluster.devices));
    m.scalar("tokens_per_step", tokens_per_step, "tokens");
    m.scalar("token_budget", m_tokens, "tokens", "training tokens the days figures are for");
    auto range3 = [&](const std::string& name, Range r, const std::string& unit, const std::string& doc) {
      m.scalar(name, r.nominal, unit, doc);
      m.scalar(name + "_low", r.low, unit, doc + " (low end)");
      m.scalar(name + "_high", r.high, unit, doc + " (high end)");
    };
    auto report = [&](const std::string& prefix, const Projected& pr) {
      m.attribute(prefix + "best_plan", pr.found ? to_string(pr.best.plan) : "none: " + pr.reason);
      m.scalar(prefix + "plans_searched", double(pr.search.candidates));
      m.scalar(prefix + "plans_fitting", double(pr.search.fitting));
      if (!pr.found) return;
      const StepEstimate& e = pr.best;
      range3(prefix + "step_seconds", e.step_seconds, "s", "projected time of one optimizer step");
      const double steps = tokens_per_step > 0 ? m_tokens / tokens_per_step : 0;
      range3(prefix + "days", e.step_seconds * (steps / 86400.0), "days",
             "projected days to train the token budget");
      m.scalar(prefix + "mfu", e.mfu.nominal, "", "model FLOPs utilisation (nominal)");
      m.scalar(prefix + "memory_gb", e.memory.total / 1e9, "GB", "bytes per device, most loaded stage");
      m.scalar(prefix + "tp", e.plan.tp);
      m.scalar(prefix + "pp", e.plan.pp);
      m.scalar(prefix + "dp", e.plan.dp);
      m.scalar(prefix + "ep", e.plan.ep);
      m.scalar(prefix + "mbs", e.plan.mbs);
    };
    report("", m_plat);
    report("reference_", m_ref);
    if (m_plat.found && m_ref.found) {
      // The same descriptor on both sides: its uncertain fields move both times together.
      // Joint samples: the same descriptor on both sides gives a ratio of exactly 1 sample by sample.
      const Range r = speed_ratio(m_ref.best.step, m_plat.best.step).interval();
      range3("ratio_to_reference", r, "", "reference step time / platform step time (>1: faster)");
      m.attribute("parity_verdict", std::string(to_string(parity_verdict(r, m_band))));
      m.scalar("parity_band", m_band);
    }
    return m;
  }

 private:
  std::string m_model_file, m_model_sha;
  ModelSpec m_model;
  Platform m_platform, m_reference;
  Cluster m_cluster;
  TrainOptions m_opt;
  double m_tokens = 0, m_band = 0.1, m_batch = 0;
  Projected m_plat, m_ref;
};

}  // namespace

void register_ernie_scale(Registry& r) {
  WorkloadInfo info;
  info.name = "ernie_scale";
  info.summary = "projection only: a paper-scale ERNIE model on a cluster of one platform vs H20";
  info.kind = WorkloadKind::training;
  info.doc =
      "Runs no kernels. Loads a model spec (experiments/models/), searches the parallel plans "
      "(TP/PP/DP/EP, micro-batch, recomputation, ZeRO) with the performance model on `devices` "
      "chips of `platform` and of `reference`, and reports each best plan, its projected step "
      "time and the days to train `tokens` tokens, each with the range the descriptors' "
      "uncertain fields give, plus the speed ratio to the reference and a parity verdict.";
  info.params.string("model", "ernie-3.0-10b", "model file: a path or a name under experiments/models/")
      .string("platform", "nvidia-h20", "platform descriptor (name or path)")
      .string("reference", "nvidia-h20", "reference platform for the ratio")
      .integer("devices", 1024, 1, 1 << 20, "chips in the cluster (same for platform and reference)")
      .number("tokens", 375e9, 1, 1e16, "token budget for the days figures", "tokens")
      .number("global_batch", 0, 0, 1e9, "sequences per step (0: the model file's)")
      .choice("dtype", "model", {"model", "bf16", "fp16", "fp8"}, "GEMM precision (model: the file's)")
      .number("parity_band", 0.1, 0, 1, "ratio within 1 ± band counts as parity");
  r.add(std::move(info), [] { return std::make_unique<ErnieScale>(); });
}

}  // namespace xpb::workloads
