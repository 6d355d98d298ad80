// core/run/projections.cpp — running an experiment's `projections:` section (see projections.hpp).
#include "core/run/projections.hpp"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/base/error.hpp"
#include "core/base/sha256.hpp"
#include "core/model/parity.hpp"
#include "core/model/plan_search.hpp"
#include "core/model/training_model.hpp"

namespace xpb {

namespace {

// "25" or "12.5,25,50" (GB/s per direction) → a Range in B/s.
Range parse_gbps(const std::string& text, const Where& where) {
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  bool bad = false;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      v.push_back(std::stod(item, &used) * 1e9);
      bad |= used != item.size();
    } catch (const std::exception&) {
      bad = true;
    }
  }
  Range r = v.size() == 1 ? Range::exact(v[0]) : v.size() == 3 ? Range{v[0], v[1], v[2]} : Range{-1, 0, 0};
  if (bad || !(r.low > 0) || !r.valid())
    throw Error(where, "'" + text + "' is not a bandwidth or range", "GB/s per device and direction: 25, or 12.5,25,50");
  return r;
}

struct Best {
  StepEstimate e;
  bool found = false;
  std::string reason;
};

Best best_plan(const TrainingModel& tm, const ProjectionSpec& ps, int devices, const Where& where) {
  Best b;
  if (!tm.unusable_reason().empty()) {
    b.reason = tm.unusable_reason();
    return b;
  }
  if (!ps.plan.empty()) {
    Plan p = parse_plan(ps.plan);
    if (p.dp != 0 && p.dp * p.tp * p.pp * p.cp != devices)
      throw Error(where, "plan '" + ps.plan + "' does not use " + std::to_string(devices) + " devices");
    b.e = tm.estimate(p);
    b.found = b.e.ok && b.e.fits;
    b.reason = b.e.reason;
    return b;
  }
  SearchSpace space = default_space(tm);
  if (ps.allow_zero3) space.zero.push_back(3);
  const SearchResult sr = search_plans(tm, space, 1);
  if (!sr.found) {
    b.reason = sr.reason;
    return b;
  }
  b.e = tm.estimate(sr.best.plan);
  b.found = b.e.ok && b.e.fits;
  b.reason = b.e.reason;
  return b;
}

// The ledger parts (s per step at nominal inputs) as a JSON object.
std::string parts_json(const StepEstimate& e) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, seconds] : e.parts) j[name] = seconds;
  return j.dump();
}

// The figures of a projected plan, and its joint speed ratio to the reference's best plan.
void fill_estimate(PlanProjection& r, const StepEstimate& e, const ProjectionSpec& ps, double seq_len, const Best* ref,
                   double band) {
  r.micro_batches = e.micro_batches;
  r.samples = static_cast<long long>(e.step.samples.size());
  r.seed = static_cast<long long>(e.step.seed);
  r.step_p5 = e.step_seconds.low, r.step_median = e.step_seconds.nominal, r.step_p95 = e.step_seconds.high;
  r.step_nominal = e.nominal_step;
  r.step_envelope_low = e.step.envelope_low, r.step_envelope_high = e.step.envelope_high;
  r.mfu_p5 = e.mfu.low, r.mfu_median = e.mfu.nominal, r.mfu_p95 = e.mfu.high;
  r.hfu_median = e.hfu.nominal;
  r.tokens_per_second = e.tokens_per_second.nominal;
  r.memory_gb = e.memory.total / 1e9;
  if (ps.tokens > 0) {
    const double steps = ps.tokens / (r.global_batch * seq_len);
    r.days_p5 = e.step_seconds.low * steps / 86400;
    r.days_median = e.step_seconds.nominal * steps / 86400;
    r.days_p95 = e.step_seconds.high * steps / 86400;
  }
  r.breakdown = parts_json(e);
  if (ref && ref->found) {
    const Estimate ratio = speed_ratio(ref->e.step, e.step);
    r.ratio_p5 = ratio.p5, r.ratio_median = ratio.median, r.ratio_p95 = ratio.p95;
    r.ratio_envelope_low = ratio.envelope_low, r.ratio_envelope_high = ratio.envelope_high;
    r.verdict = std::string(to_string(parity_verdict(ratio.interval(), band)));
  }
}

}  // namespace

std::vector<PlanProjection> project_training_plans(const ExperimentSpec& spec,
                                                   const std::vector<Platform>& platforms) {
  std::vector<PlanProjection> out;
  McOptions mc;
  if (spec.seed != 0) mc.seed = spec.seed;
  for (std::size_t i = 0; i < spec.projections.size(); ++i) {
    const ProjectionSpec& ps = spec.projections[i];
    const Where where{spec.path, ps.line, "projections[" + std::to_string(i) + "]"};
    const auto path = find_model_file(ps.model);
    if (!path)
      throw Error({spec.path, ps.line, where.key + ".model"}, "model file '" + ps.model + "' not found",
                  "a path or a name under experiments/models/");
    const ModelSpec model = load_model_file(*path);
    std::vector<Platform> plats;
    if (ps.platforms.empty()) {
      for (const auto& p : platforms)
        if (!is_host(p)) plats.push_back(p);
    } else {
      for (const auto& n : ps.platforms) plats.push_back(resolve_platform(n));
    }
    // The reference is projected as well (same seed: shared sources drawn jointly).
    Platform reference;
    bool have_ref = false;
    for (const auto& p : plats)
      if (p.name == spec.reference_platform) reference = p, have_ref = true;
    if (!have_ref) {
      try {
        reference = resolve_platform(spec.reference_platform);
        have_ref = true;
      } catch (const Error&) {
      }
    }
    TrainOptions opt;
    opt.stack = ps.stack;
    opt.mc = mc;
    if (!ps.dtype.empty()) {
      auto d = parse_dtype(ps.dtype);
      if (!d) throw Error({spec.path, ps.line, where.key + ".dtype"}, "unknown dtype '" + ps.dtype + "'");
      opt.dtype = *d;
    }
    auto with_assumption = [&](Platform p, std::string& note) {
      if (!ps.inter_node_gbps.empty() && !p.inter_node.bandwidth_per_direction.present) {
        Quantity& bw = p.inter_node.bandwidth_per_direction;
        bw.value = parse_gbps(ps.inter_node_gbps, {spec.path, ps.line, where.key + ".inter_node_gbps"});
        bw.present = true;
        bw.confidence = Confidence::estimated;
        bw.derivation = "inter_node_gbps " + ps.inter_node_gbps;
        note = "inter-node bandwidth " + ps.inter_node_gbps + " GB/s per device and direction assumed";
      }
      return p;
    };
    for (int devices : ps.devices) {
      Cluster c;
      c.devices = devices;
      c.global_batch = ps.global_batch;
      std::string ref_note;
      const Platform ref_p = with_assumption(reference, ref_note);
      Best ref;
      if (have_ref) ref = best_plan(TrainingModel(model, ref_p, c, opt), ps, devices, where);
      for (const auto& p0 : plats) {
        std::string note;
        const Platform p = with_assumption(p0, note);
        const TrainingModel tm(model, p, c, opt);
        const Best b = p.name == reference.name && have_ref ? ref : best_plan(tm, ps, devices, where);
        PlanProjection r;
        r.entry = static_cast<long long>(i);
        r.model = model.name;
        r.model_file = *path;
        r.model_sha256 = sha256_file(*path);
        r.platform = p.name;
        r.platform_sha256 = p.sha256;
        r.stack = tm.stack().name;
        r.devices = devices;
        r.global_batch = tm.cluster().global_batch;
        r.seq_len = model.seq_len;
        r.tokens = ps.tokens;
        r.assumptions = note;
        r.reference = have_ref ? reference.name : "";
        r.status = b.found ? CellStatus::ok : CellStatus::invalid;
        r.reason = b.found ? "" : b.reason;
        if (b.e.plan.dp > 0) r.plan = to_string(b.e.plan);
        if (!b.found) {
          out.push_back(r);
          continue;
        }
        fill_estimate(r, b.e, ps, model.seq_len, have_ref ? &ref : nullptr, spec.parity_band);
        out.push_back(r);
      }
    }
  }
  return out;
}

}  // namespace xpb
