// cli/cmd_project.cpp — `xpubench project`: paper-scale training projected onto a platform.
// With --plan it evaluates that plan; without, it searches plans (core/model/plan_search.hpp). With
// --validate it regenerates the validation table (docs/validation.md). JSON keys are documented in
// docs/projection.md. The model itself lives in core/; this file only parses and prints.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/output_path.hpp"
#include "core/base/paths.hpp"
#include "core/model/model_validation.hpp"
#include "core/model/plan_search.hpp"
#include "core/model/training_model.hpp"
#include "core/platforms/platform.hpp"
#include "core/plugin/params.hpp"

namespace xpb::cli {

namespace {

struct ProjectArgs {
  std::string model, platform, plan, dtype, attention, validation_out, inter_node, stack, dispatcher;
  int devices = 0, devices_per_node = 0, top = 1, samples = 1000;
  std::uint64_t seed = McOptions{}.seed;
  double global_batch = 0;
  bool json = false, no_overlap = false, roofline = false, validate = false, builtin = false, zero3 = false,
       force = false;
  bool samples_given = false;
};

using json = nlohmann::ordered_json;  // keys stay in the order written (docs/projection.md)

// A number for JSON: NaN and infinities become null.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// {low, nominal, high} are the 5 %, 50 % and 95 % points of the Monte Carlo (docs/projection.md §6);
// median/p5/p95 repeat them under explicit names.
json range_json(Range r) {
  return json{{"low", number(r.low)},        {"nominal", number(r.nominal)}, {"high", number(r.high)},
              {"median", number(r.nominal)}, {"p5", number(r.low)},          {"p95", number(r.high)}};
}

// "1.23 [1.1 – 1.5]" with `f` applied to every number after scaling.
std::string range_text(Range r, const char* f, double scale = 1) { return fmt_range(r, f, scale, " – "); }

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

// A model given as a path, or as a name under experiments/models/.
std::string model_path(const std::string& m) {
  if (auto p = find_model_file(m)) return *p;
  throw Error(Where{m, 0, "--model"}, "model file not found",
              "give a path or a name from experiments/models/ (e.g. gpt3-175b)");
}

// --no-overlap / --roofline, or unset: the constants' processing_mode.
std::optional<bool> overlap_choice(const ProjectArgs& a) {
  if (a.no_overlap) return false;
  if (a.roofline) return true;
  return std::nullopt;
}

json estimate_json(const StepEstimate& e) {
  const Plan& p = e.plan;
  const MemoryEstimate& m = e.memory;
  json plan = {{"tp", p.tp},
               {"pp", p.pp},
               {"dp", p.dp},
               {"ep", p.ep},
               {"mbs", p.mbs},
               {"interleave", p.interleave},
               {"recompute", std::string(to_string(p.recompute))},
               {"seqpar", p.seqpar},
               {"zero", p.zero},
               {"dp_overlap", p.dp_overlap},
               {"micro_batches", e.micro_batches},
               {"text", to_string(p)}};
  // The ledger parts (nominal inputs), summing to step_seconds_nominal_inputs.
  json breakdown = json::object();
  double exposed = 0;
  for (const auto& [k, v] : e.parts) {
    breakdown[k] = number(v);
    if (k == "tp_comm" || k == "cp_comm" || k == "pp_comm" || k == "dp_comm" || k == "moe_a2a") exposed += v;
  }
  breakdown["exposed_comm"] = number(exposed);
  return json{{"ok", e.ok},
              {"fits", e.fits},
              {"reason", e.reason},
              {"plan", plan},
              {"stack", e.stack},
              {"step_seconds", range_json(e.step_seconds)},
              {"step_seconds_nominal_inputs", number(e.nominal_step)},
              {"step_seconds_envelope",
               {{"low", number(e.step.envelope_low)},
                {"high", number(e.step.envelope_high)},
                {"note", "worst case: every input at its fast or slow end"}}},
              {"monte_carlo", {{"samples", e.step.samples.size()}, {"seed", e.step.seed}}},
              {"tokens_per_second", range_json(e.tokens_per_second)},
              {"mfu", range_json(e.mfu)},
              {"hfu", range_json(e.hfu)},
              {"energy_joules_upper_bound", range_json(e.energy_joules)},
              {"model_flops", number(e.model_flops)},
              {"hardware_flops", number(e.hardware_flops)},
              {"memory_bytes",
               {{"weights", number(m.weights)},
                {"gradients", number(m.gradients)},
                {"optimizer", number(m.optimizer)},
                {"activations", number(m.activations)},
                {"total", number(m.total)},
                {"capacity", number(m.capacity)},
                {"usable", number(m.usable)},
                {"buffers", number(m.buffers)}}},
              {"breakdown_seconds",
               {{"compute", range_json(e.compute_seconds)},
                {"memory", range_json(e.memory_seconds)},
                {"launch", range_json(e.launch_seconds)},
                {"recompute", range_json(e.recompute_seconds)},
                {"tp_comm", range_json(e.tp_comm_seconds)},
                {"ep_comm", range_json(e.ep_comm_seconds)},
                {"pp_comm", range_json(e.pp_comm_seconds)},
                {"dp_comm", range_json(e.dp_comm_seconds)},
                {"bubble", range_json(e.bubble_seconds)},
                {"optimizer", range_json(e.optimizer_seconds)},
                {"cp_comm", range_json(e.cp_comm_seconds)}}},
              {"breakdown", breakdown}};
}

void print_text(const TrainingModel& tm, const StepEstimate& e) {
  const ModelSpec& m = tm.model();
  std::cout << "model     " << m.name << " (" << fmt(tm.params().total / 1e9, "%.1f") << "B total, "
            << fmt(tm.params().active / 1e9, "%.1f") << "B active), seq " << m.seq_len << ", batch "
            << tm.cluster().global_batch << ", " << to_string(tm.dtype()) << "\n";
  std::cout << "platform  " << tm.platform().name << " × " << tm.cluster().devices << " ("
            << tm.devices_per_node() << " per node)\n";
  std::cout << "kernels   "
            << (tm.kernel_overlap() ? "roofline: max(compute, memory) per kernel"
                                    : "no_overlap: compute + memory per kernel")
            << "\n";
  if (e.plan.dp > 0)
    std::cout << "plan      " << to_string(e.plan) << " (" << e.micro_batches << " micro-batches)\n";
  if (!e.ok) {
    std::cout << "not projected: " << e.reason << "\n";
    return;
  }
  std::cout << "step      " << range_text(e.step_seconds, "%.3f") << " s   (median [5 % – 95 %] of "
            << e.step.samples.size() << " samples; nominal inputs " << fmt(e.nominal_step, "%.3f")
            << " s; worst-case envelope " << fmt(e.step.envelope_low, "%.3f") << " – "
            << fmt(e.step.envelope_high, "%.3f") << " s)\n";
  std::cout << "tokens/s  " << range_text(e.tokens_per_second, "%.4g") << "\n";
  std::cout << "MFU       " << range_text(e.mfu, "%.1f", 100) << " %   HFU " << range_text(e.hfu, "%.1f", 100)
            << " %\n";
  std::cout << "energy    " << range_text(e.energy_joules, "%.4g", 1e-6)
            << " MJ per step (upper bound: TDP × time)\n";
  const MemoryEstimate& mm = e.memory;
  std::cout << "memory    " << fmt(mm.total / 1e9, "%.1f") << " GB of " << fmt(mm.usable / 1e9, "%.1f")
            << " GB usable (" << fmt(mm.capacity / 1e9, "%.0f") << " GB): weights "
            << fmt(mm.weights / 1e9, "%.1f") << ", grads " << fmt(mm.gradients / 1e9, "%.1f")
            << ", optimizer " << fmt(mm.optimizer / 1e9, "%.1f") << ", activations "
            << fmt(mm.activations / 1e9, "%.1f") << (e.fits ? "  — fits" : "  — DOES NOT FIT") << "\n";
  std::cout << "stack     " << e.stack << "\n";
  std::cout << "breakdown (s, median [5 % – 95 %]):\n";
  const std::pair<const char*, Range> parts[] = {
      {"compute", e.compute_seconds}, {"memory-bound", e.memory_seconds},
      {"launch", e.launch_seconds},   {"recompute", e.recompute_seconds},
      {"tp comm", e.tp_comm_seconds}, {"ep comm", e.ep_comm_seconds},
      {"pp comm", e.pp_comm_seconds}, {"dp comm (exposed)", e.dp_comm_seconds},
      {"bubble", e.bubble_seconds},   {"optimizer", e.optimizer_seconds},
      {"cp comm", e.cp_comm_seconds}};
  for (const auto& [name, r] : parts)
    std::cout << "  " << name << std::string(20 - std::string(name).size(), ' ') << range_text(r, "%.3f")
              << "\n";
  std::cout << "ledger parts (s per step, nominal inputs; " << e.kernels_per_step << " ledger entries):\n";
  for (const auto& [name, v] : e.parts)
    std::cout << "  " << name << std::string(name.size() < 20 ? 20 - name.size() : 1, ' ') << fmt(v, "%.3f")
              << "\n";
}

Platform resolve_for_validation(const std::string& name, bool builtin, std::string& note) {
  if (!builtin) {
    try {
      Platform p = resolve_platform(name);
      std::string shown = p.path;
      const std::string share = paths().share_dir + "/";
      if (!paths().share_dir.empty() && shown.rfind(share, 0) == 0) shown = shown.substr(share.size());
      if (note.find(name) == std::string::npos)
        note += (note.empty() ? "" : "; ") + name + " descriptor (" + shown + ", sha256 " +
                p.sha256.substr(0, 12) + ")";
      return p;
    } catch (const Error&) {
      // fall through to the built-in micro-calibrated platform
    }
  }
  if (note.find(name) == std::string::npos)
    note +=
        (note.empty() ? "" : "; ") + name + " built in (core/model/model_validation.cpp, micro rows only)";
  return micro_calibrated_platform(name);
}

void run_validate(const ProjectArgs& a, State& st) {
  if (!a.validation_out.empty())
    check_output(a.validation_out, {a.force, {}, "the validation table", "--validation-out"});
  std::string note;
  const std::string models = paths().models_dir();
  auto resolve = [&](const std::string& n) { return resolve_for_validation(n, a.builtin, note); };
  ValidationOptions vo;
  vo.overlap = overlap_choice(a);
  vo.mc.samples = a.samples_given ? a.samples : 200;
  vo.mc.seed = a.seed;
  const auto res = run_validation(models, resolve, vo);
  const auto lofo = run_validation_lofo(models, resolve, vo);
  KnownMisses misses;
  try {
    misses = load_known_misses(default_known_misses_path());
  } catch (const Error&) {
    // no list: nothing is excused
  }
  std::string cmd = "xpubench project --validate";
  if (a.builtin) cmd += " --builtin-platforms";
  if (a.no_overlap) cmd += " --no-overlap";
  if (a.roofline) cmd += " --roofline";
  if (a.samples_given) cmd += " --samples " + std::to_string(a.samples);
  if (!a.validation_out.empty()) cmd += " --validation-out " + a.validation_out;
  const std::string md = validation_markdown(res, lofo, misses, cmd, note);
  if (a.json) {
    json rows = json::array();
    for (std::size_t i = 0; i < res.size(); ++i) {
      const auto& r = res[i];
      rows.push_back({{"id", r.row.id},
                      {"family", r.row.family},
                      {"ok", r.ok},
                      {"measured_seconds", number(r.row.measured_seconds)},
                      {"error", number(r.error)},
                      {"inside_interval", r.inside},
                      {"lofo_error", number(i < lofo.size() ? lofo[i].error : std::nan(""))},
                      {"estimate", estimate_json(r.estimate)}});
    }
    std::cout << dump(json{{"xpubench_json", 1}, {"rows", rows}});
  } else {
    std::cout << md;
  }
  if (!a.validation_out.empty()) {
    write_file_atomically(a.validation_out, md, "the validation table");
  }
  st.exit_code = 0;
}

// "25" or "12.5,25,50" (GB/s per direction) → a Range in B/s.
Range parse_gbps(const std::string& text) {
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      v.push_back(std::stod(item, &used) * 1e9);
      if (used != item.size()) v.clear(), v.resize(4);
    } catch (const std::exception&) {
      v.clear(), v.resize(4);
    }
  }
  Range r;
  if (v.size() == 1)
    r = Range::exact(v[0]);
  else if (v.size() == 3)
    r = {v[0], v[1], v[2]};
  else
    r = {-1, 0, 0};
  if (!(r.low > 0) || !r.valid())
    throw Error(Where{"", 0, "--inter-node-gbps"}, "'" + text + "' is not a bandwidth or range",
                "GB/s per device and direction: 25, or low,nominal,high such as 12.5,25,50");
  return r;
}

void run_project(const ProjectArgs& a, State& st) {
  if (a.validate) return run_validate(a, st);
  if (a.model.empty() || a.platform.empty() || a.devices <= 0)
    throw Error(
        Where{"", 0, "project"}, "--model, --platform and --devices are required",
        "xpubench project --model experiments/models/gpt3-175b.yaml --platform nvidia-h20 --devices 1024");
  const std::string path = model_path(a.model);
  const ModelSpec model = load_model_file(path);
  Platform platform = resolve_platform(a.platform);
  std::vector<std::string> assumptions;
  if (!a.inter_node.empty()) {
    Quantity& bw = platform.inter_node.bandwidth_per_direction;
    const std::string was = bw.present ? "replaces the descriptor's value" : "the descriptor gives none";
    bw.value = parse_gbps(a.inter_node);
    bw.present = true;
    bw.confidence = Confidence::estimated;
    bw.derivation = "--inter-node-gbps " + a.inter_node;
    assumptions.push_back("inter-node bandwidth " + a.inter_node + " GB/s per device and direction (" + was +
                          ")");
  }
  Cluster c;
  c.devices = a.devices;
  c.devices_per_node = a.devices_per_node;
  c.global_batch = a.global_batch;
  TrainOptions opt;
  if (!a.attention.empty()) opt.flash_attention = a.attention != "standard";
  opt.overlap = overlap_choice(a);
  opt.stack = a.stack;
  if (!a.dispatcher.empty())
    opt.moe_dispatcher = a.dispatcher == "deepep" ? MoeDispatcher::deepep : MoeDispatcher::alltoall;
  opt.mc.samples = a.samples;
  opt.mc.seed = a.seed;
  if (!a.dtype.empty()) {
    auto d = parse_dtype(a.dtype);
    if (!d)
      throw Error(Where{"", 0, "--dtype"}, "unknown dtype '" + a.dtype + "'", "bf16, fp16, fp8, tf32, fp32");
    opt.dtype = *d;
  }
  TrainingModel tm(model, platform, c, opt);

  StepEstimate e;
  SearchResult sr;
  const bool searched = a.plan.empty();
  if (!searched) {
    Plan p = parse_plan(a.plan);
    if (p.dp != 0 && p.dp * p.tp * p.pp * p.cp != a.devices)
      throw Error(Where{"", 0, "--plan.dp"},
                  "tp·pp·cp·dp must equal --devices (" + std::to_string(a.devices) + ")");
    e = tm.estimate(p);
  } else {
    SearchSpace space = default_space(tm);
    if (a.zero3) space.zero.push_back(3);
    sr = search_plans(tm, space, std::max(1, a.top));
    if (sr.found)
      e = tm.estimate(sr.best.plan);
    else {
      e.reason = "no plan found: " + sr.reason;
      e.plan.dp = 0;
    }
  }
  const bool good = e.ok && e.fits;

  if (a.json) {
    json out = {{"xpubench_json", 1},
                {"schema", "xpubench.projection"},
                {"schema_version", 1},
                {"model", model.name},
                {"model_file", path},
                {"platform", platform.name},
                {"platform_display", platform.display_name},
                {"platform_sha256", platform.sha256},
                {"devices", a.devices},
                {"devices_per_node", tm.devices_per_node()},
                {"global_batch", number(tm.cluster().global_batch)},
                {"seq_len", model.seq_len},
                {"dtype", std::string(to_string(tm.dtype()))},
                {"attention", std::string(to_string(tm.stack().attention))},
                {"params_total", number(tm.params().total)},
                {"params_active", number(tm.params().active)},
                {"mode", searched ? "search" : "plan"},
                {"processing_mode", tm.kernel_overlap() ? "roofline" : "no_overlap"},
                {"ok", good},
                {"result", estimate_json(e)}};
    if (searched) {
      out["search"] = {{"candidates", sr.candidates},
                       {"valid", sr.valid},
                       {"fitting", sr.fitting},
                       {"seconds", number(sr.seconds)}};
      if (a.top > 1) {
        json top = json::array();
        for (const auto& t : sr.top)
          top.push_back({{"plan", to_string(t.plan)}, {"step_seconds", range_json(t.step_seconds)}});
        out["top"] = top;
      }
    }
    out["assumptions"] = assumptions;
    out["warnings"] = platform.warnings;
    std::cout << dump(out);
  } else {
    print_text(tm, e);
    if (searched)
      std::cout << "search    " << sr.candidates << " candidate plans, " << sr.valid << " valid, "
                << sr.fitting << " fit; " << fmt(sr.seconds, "%.3f") << " s\n";
    if (searched && a.top > 1)
      for (std::size_t i = 1; i < sr.top.size(); ++i)
        std::cout << "  #" << i + 1 << " " << to_string(sr.top[i].plan) << "  "
                  << range_text(sr.top[i].step_seconds, "%.3f") << " s\n";
    for (const auto& x : assumptions) std::cout << "assumed: " << x << "\n";
    for (const auto& w : platform.warnings) std::cout << "warning: " << w << "\n";
  }
  st.exit_code = good ? 0 : 1;
}

}  // namespace

void add_project_command(CLI::App& app, State& st) {
  static ProjectArgs a;
  auto* cmd =
      app.add_subcommand("project",
                         "Project paper-scale transformer training onto a platform: search or evaluate a "
                         "parallel plan (TP/PP/DP/EP, micro-batch, recompute, ZeRO)");
  cmd->add_option("--model", a.model, "model YAML (path, or a name under experiments/models/)");
  cmd->add_option("--platform", a.platform, "platform descriptor name or YAML path");
  // Bounded: counts are ints in the plan search (1e300 sequences once printed -2147483648 micro-batches).
  cmd->add_option("--devices", a.devices, "number of devices")->check(CLI::Range(1, kMaxDevices));
  cmd->add_option("--devices-per-node", a.devices_per_node, "devices per node (default: the descriptor's)")
      ->check(CLI::Range(1, kMaxDevices));
  cmd->add_option("--global-batch", a.global_batch, "sequences per step (default: the model file's)")
      ->check(CLI::Range(1.0, kMaxGlobalBatch) &
              CLI::Validator(
                  [](std::string& v) {
                    return std::floor(std::stod(v)) == std::stod(v)
                               ? std::string()
                               : "must be a whole number of sequences, not " + v;
                  },
                  "WHOLE"));
  cmd->add_option(
      "--plan", a.plan,
      "evaluate this plan instead of searching: tp=..,pp=..,cp=..,dp=..,ep=..,mbs=..,interleave=..,"
      "recompute=full|selective|norm_act|ops|none,seqpar=on|off,zero=0|1|2|3,dp_overlap=on|off");
  cmd->add_option("--dtype", a.dtype, "GEMM precision override (bf16, fp16, fp8, ...)");
  cmd->add_option("--attention", a.attention, "attention kernel: flash or standard (default: the stack's)")
      ->check(CLI::IsMember({"flash", "standard"}));
  cmd->add_option("--stack", a.stack, "software stack of data/model/constants.yaml (default megatron-core)");
  cmd->add_option("--moe-dispatcher", a.dispatcher,
                  "MoE token dispatcher: alltoall (NCCL) or deepep (default: the stack's)")
      ->check(CLI::IsMember({"alltoall", "deepep"}));
  cmd->add_option_function<int>(
         "--samples", [](const int& n) { a.samples = n, a.samples_given = true; },
         "Monte Carlo samples (default 1000, 200 with --validate; 0: nominal inputs only)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a.seed, "Monte Carlo seed (default 20260101)");
  cmd->add_option("--inter-node-gbps", a.inter_node,
                  "assume this inter-node bandwidth (GB/s per device and direction; N or low,nominal,high) "
                  "where the descriptor has none; reported as an assumption");
  auto* no_overlap = cmd->add_flag("--no-overlap", a.no_overlap,
                                   "per kernel: compute + memory time (default: the model constants' "
                                   "processing_mode, no_overlap as shipped)");
  cmd->add_flag("--roofline", a.roofline, "per kernel: max(compute, memory time), the roofline")
      ->excludes(no_overlap);
  cmd->add_option("--top", a.top, "also list the N fastest fitting plans")->check(CLI::PositiveNumber);
  cmd->add_flag("--allow-zero3", a.zero3,
                "also search ZeRO-3 plans (their projected cost is optimistic at scale: docs/validation.md)");
  cmd->add_flag("--json", a.json, "print one JSON object (keys in docs/projection.md)");
  cmd->add_flag("--validate", a.validate,
                "project the published validation rows and print the table of docs/validation.md");
  cmd->add_flag("--builtin-platforms", a.builtin,
                "with --validate: use the built-in micro-calibrated A100/H100 instead of descriptors");
  cmd->add_option("--validation-out", a.validation_out, "with --validate: also write the table to FILE");
  cmd->add_flag("--force", a.force, "overwrite an existing --validation-out FILE");
  cmd->callback([&st] { run_project(a, st); });
}

}  // namespace xpb::cli
