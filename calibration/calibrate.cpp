// calibration/calibrate.cpp — the calibration runs and the fit of the MPI link.
// Every workload is driven exactly as the runner would (setup from declared Params, fenced steps,
// validate) so a ceiling is only kept when the workload's own check passed. Sizes are modest:
// calibration must finish in well under a minute on a laptop.
#include "calibration/calibrate.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/base/allocation_meter.hpp"
#include "core/base/build_info.hpp"
#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/kokkos_compat.hpp"
#include "core/base/system.hpp"
#include "core/plugin/ledger.hpp"

namespace xpb {

static std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n");
  const auto e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// ================================================================================================
// Driving a workload

namespace {

struct Run {
  bool ok = false;
  std::string why;
  Ledger ledger;
  std::vector<double> seconds;                        // per timed step
  std::map<std::string, std::vector<double>> values;  // StepResult values per step
  double working_set = 0;                             // bytes allocated by setup (as the runner counts)
};

// Params from the workload's own declaration (the registry checked at registration that every
// name is declared); a value out of the workload's range is a reason, not a crash.
bool make_params(const WorkloadInfo& info, const std::map<std::string, ParamValue>& want, Params* out,
                 std::string* why) {
  for (const auto& kv : want) {
    const ParamSpec* s = info.params.find(kv.first);
    const std::string err = s ? check_value(*s, kv.second) : "not a parameter";
    if (!err.empty()) {
      *why = info.name + "." + kv.first + ": " + err;
      return false;
    }
  }
  *out = complete(info.params, want);
  return true;
}

Run run_workload(const Registry& reg, const WorkloadInfo& info, const std::map<std::string, ParamValue>& want,
                 int warmup, int reps) {
  Run r;
  const std::string& name = info.name;
  Params params;
  if (!make_params(info, want, &params, &r.why)) return r;
  Context ctx;
  ctx.seed = 1;
  ctx.cell_id = "calibrate/" + name;
  ctx.threads = compat::concurrency();
  ctx.group = mpi::Group::world();  // collectives run over every launched rank
  try {
    auto w = reg.create(name);
    {
      AllocationMeter meter;
      w->setup(params, ctx);
      r.working_set = meter.bytes();
    }
    for (int i = 0; i < warmup + reps; ++i) {
      Kokkos::fence();
      Kokkos::Timer timer;
      const StepResult s = w->step(ctx);
      Kokkos::fence();
      const double t = s.manual_seconds > 0 ? s.manual_seconds : timer.seconds();
      if (i < warmup) continue;
      r.seconds.push_back(t);
      for (const auto& kv : s.values) r.values[kv.first].push_back(kv.second);
    }
    r.ledger = w->ledger_as_run();  // what ran here (empty: the charged ledger is it)
    if (r.ledger.empty()) r.ledger = w->ledger();
    const Validation v = w->validate(ctx);
    if (!v.passed) {
      r.why = name + " failed its own check: " + v.reason;
      return r;
    }
    (void)w->finish(ctx);
  } catch (const Error& e) {
    r.why = name + ": " + e.located();
    return r;
  }
  r.ok = !r.seconds.empty();
  if (!r.ok) r.why = name + ": no timed steps";
  return r;
}

double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

std::string pow2(std::int64_t n) {
  int k = 0;
  while ((std::int64_t(1) << k) < n) ++k;
  return (std::int64_t(1) << k) == n ? "2^" + std::to_string(k) : std::to_string(n);
}

// The workloads declaring `c`; when there is none, says so in `skipped` and the log.
std::vector<Registry::Provider> providers(const Registry& reg, Capability c, const CalibrateOptions& opt,
                                          HostMeasurements& m) {
  auto out = reg.providers(c);
  if (out.empty()) {
    const std::string name(to_string(c));
    m.skipped.push_back(name + " (" + std::string(describe(c)) +
                        "): not built: no compiled-in workload declares it");
    opt.log(name + ": no workload declares it, skipped");
  }
  return out;
}

// The ledger entry "<workload>/<kernel>" of a run; null when it has none.
const KernelCost* entry(const Run& r, const std::string& kernel) {
  for (const auto& c : r.ledger)
    if (c.name.substr(c.name.find('/') + 1) == kernel) return &c;
  return nullptr;
}

// One memory-bandwidth measurement: a range over the timed steps of one workload.
struct Bandwidth {
  Measured bandwidth, efficiency;
  double top = 0;
};

// Kernel times of a step: StepResult "<kernel>_seconds" values where the workload reports them,
// matched to ledger entries "<workload>/<kernel>"; the declared headline kernel gives the
// nominal, whole steps stand in when it has no time of its own.
std::optional<Bandwidth> measure_bandwidth_with(const Registry& reg, const Registry::Provider& p,
                                                const CalibrateOptions& opt, HostMeasurements& m) {
  const WorkloadInfo& info = *p.info;
  const CapabilitySpec& spec = *p.spec;
  const DType dt = spec.runs(DType::fp64) ? DType::fp64 : spec.dtypes.front();
  const std::string dname(to_string(dt));
  const std::int64_t n = opt.quick ? (std::int64_t(1) << 22) : (std::int64_t(1) << 25);
  const std::string size = spec.size_label() + "=" + pow2(n);
  const int reps = opt.quick ? 4 : 10;
  opt.log(info.name + ": " + dname + ", " + size + ", " + std::to_string(reps) + " repetitions");
  const Run r = run_workload(reg, info, spec.params(n, dt, ""), 1, reps);
  if (!r.ok) {
    m.skipped.push_back(r.why);
    return std::nullopt;
  }
  std::map<std::string, std::vector<double>> bw;  // kernel → bandwidth per step (B/s)
  for (const auto& k : r.ledger) {
    const std::string kernel = k.name.substr(k.name.find('/') + 1);
    auto it = r.values.find(kernel + "_seconds");
    if (it == r.values.end() || k.bytes <= 0) continue;
    for (double t : it->second)
      if (t > 0) bw[kernel].push_back(k.bytes * k.count / t);
  }
  std::vector<double> main_bw;
  std::string kernel = spec.kernel;
  if (!kernel.empty() && bw.count(kernel)) {
    main_bw = bw[kernel];
  } else {  // no per-kernel times: whole steps
    kernel = "step";
    for (double t : r.seconds) main_bw.push_back(total_bytes(r.ledger) / t);
  }
  if (main_bw.empty()) {
    m.skipped.push_back(info.name + ": no bandwidth could be computed");
    return std::nullopt;
  }
  const double top = *std::max_element(main_bw.begin(), main_bw.end());
  const double med = median(main_bw);
  double high = top;
  for (const auto& kv : bw) high = std::max(high, *std::max_element(kv.second.begin(), kv.second.end()));
  const std::string how = info.name + " " + kernel + ", " + dname + ", " + size + ", " +
                          std::to_string(reps) + " steps: low median, nominal best " + kernel +
                          ", high best of all kernels";
  double worst = top;
  for (double b : main_bw) worst = std::min(worst, b);
  opt.log("  " + kernel + " best " + std::to_string(top / 1e9) + " GB/s, median " +
          std::to_string(med / 1e9) + " GB/s");
  return Bandwidth{Measured{{med, top, high}, how},
                   Measured{{worst / top, med / top, 1.0},
                            info.name + " " + kernel + " slowest / median / best step relative to the best"},
                   top};
}

// The memory bandwidth: the best of the workloads that declare it (a ceiling is what is reached).
// Returns the workload that set it (the cache sweep runs the same one).
std::optional<Registry::Provider> measure_bandwidth(const Registry& reg, const CalibrateOptions& opt,
                                                    HostMeasurements& m) {
  std::optional<Bandwidth> keep;
  std::optional<Registry::Provider> by;
  for (const auto& p : providers(reg, Capability::memory_bandwidth, opt, m))
    if (auto b = measure_bandwidth_with(reg, p, opt, m); b && (!keep || b->top > keep->top)) keep = b, by = p;
  if (!keep) return std::nullopt;
  m.memory_bandwidth = keep->bandwidth;
  m.memory_efficiency = keep->efficiency;
  return by;
}

// One size of a bandwidth sweep: the headline kernel of `spec` at n elements (repetitions growing as
// n shrinks), its bytes over its median / best / best time, the measured launch overhead taken off
// each (a time that is over 3/4 launch is not resolved). nullopt when the run failed (its reason in
// m.skipped) or did not report the kernel and its time.
struct SweepPoint {
  bool resolved = false;
  Range bandwidth;  // B/s: low median, nominal and high best
  double kernel_bytes = 0, working_set = 0;
  std::string what;  // "<workload> <kernel>[, fixed], <dtype>, <size>=2^e"
  int reps = 0;
  std::string method() const {
    return what + ", " + std::to_string(reps) +
           " steps, launch overhead taken off: low median, nominal and high best";
  }
};

std::optional<SweepPoint> sweep_point(const Registry& reg, const Registry::Provider& p, std::int64_t n,
                                      DType dt, const CalibrateOptions& opt, HostMeasurements& m) {
  const CapabilitySpec& spec = *p.spec;
  SweepPoint pt;
  pt.reps = static_cast<int>(std::clamp((opt.quick ? 1e8 : 4e8) / (24.0 * double(n)), 10.0, 400.0));
  const Run r = run_workload(reg, *p.info, spec.params(n, dt, ""), 2, pt.reps);
  if (!r.ok) {
    m.skipped.push_back(r.why);
    return std::nullopt;
  }
  const auto t = r.values.find(spec.kernel_seconds());
  const KernelCost* k = entry(r, spec.kernel);
  if (t == r.values.end() || !k) return std::nullopt;
  pt.kernel_bytes = k->bytes;
  pt.working_set = r.working_set;
  pt.what = p.info->name + " " + spec.kernel + (spec.fixed.empty() ? "" : ", " + spec.fixed_label()) + ", " +
            std::string(to_string(dt)) + ", " + spec.size_label() + "=" + pow2(n);
  const double launch = m.launch_overhead ? m.launch_overhead->value.nominal : 0.0;
  const double tb = best(t->second), tm = median(t->second);
  pt.resolved = tb - launch > 0.25 * tb;
  if (pt.resolved)
    pt.bandwidth = Range{k->bytes / (tm - launch), k->bytes / (tb - launch), k->bytes / (tb - launch)};
  return pt;
}

// The bandwidth of working sets that stay in the caches: the headline kernel (triad) of the
// workload that set the memory bandwidth, at sizes below the one that measured it, each working
// set metered as the runner meters a cell's. A kernel's time includes one launch: the measured
// launch overhead is taken off (sweep_point). Only sizes faster than the memory bandwidth's best
// become steps. This VM-safe sweep replaces cache sizes from sysfs, which virtual machines often do
// not expose.
void measure_cache(const Registry& reg, const std::optional<Registry::Provider>& p,
                   const CalibrateOptions& opt, HostMeasurements& m) {
  if (!p || !m.memory_bandwidth || p->spec->kernel.empty()) return;
  const CapabilitySpec& spec = *p->spec;
  const DType dt = spec.runs(DType::fp64) ? DType::fp64 : spec.dtypes.front();
  const int top = opt.quick ? 20 : 23;
  for (int e = 14; e <= top; e += opt.quick ? 3 : 1) {
    const std::int64_t n = std::int64_t(1) << e;
    const auto pt = sweep_point(reg, *p, n, dt, opt, m);
    if (!pt || !(pt->working_set > 0)) return;
    if (!pt->resolved) continue;
    const Range& bw = pt->bandwidth;
    opt.log("  " + spec.kernel + " " + std::string(to_string(dt)) + " " + spec.size_label() + "=" + pow2(n) +
            " (working set " + fmt6(pt->working_set / 1048576.0) + " MiB): best " + fmt6(bw.nominal / 1e9) +
            " GB/s");
    if (bw.nominal <= m.memory_bandwidth->value.nominal) continue;
    m.cache.push_back({pt->working_set, Measured{bw, pt->method()}});
  }
}

// The bandwidth of a kernel whose data another core wrote last (Capability::handoff_bandwidth): a
// training step chains kernels that split their work differently (a GEMM by tiles, the bias after
// it by rows), so on a CPU whose cores have private caches most of what a kernel reads sits in
// another core's cache, and a small kernel pays for the transfer, not for its bytes at the private
// caches' rate. The declaring workload's headline kernel at n = 2^10 ... 2^17 (2^11, 2^14, 2^17
// with --quick), timed as in the cache sweep (sweep_point), keyed by that kernel's bytes
// (memory.handoff_bandwidth). The first declaring workload that runs is used.
void measure_handoff(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m) {
  for (const auto& p : providers(reg, Capability::handoff_bandwidth, opt, m)) {
    const CapabilitySpec& spec = *p.spec;
    if (spec.kernel.empty()) continue;
    const DType dt = spec.runs(DType::fp64) ? DType::fp64 : spec.dtypes.front();
    std::vector<MeasuredCacheStep> steps;
    for (int e = opt.quick ? 11 : 10; e <= 17; e += opt.quick ? 3 : 1) {
      const auto pt = sweep_point(reg, p, std::int64_t(1) << e, dt, opt, m);
      if (!pt || !(pt->kernel_bytes > 0)) break;
      if (!pt->resolved) continue;
      opt.log("  " + pt->what + " (" + fmt6(pt->kernel_bytes / 1024.0) + " KiB a kernel): best " +
              fmt6(pt->bandwidth.nominal / 1e9) + " GB/s, median " + fmt6(pt->bandwidth.low / 1e9) + " GB/s");
      steps.push_back({pt->kernel_bytes, Measured{pt->bandwidth, pt->method()}});
    }
    if (steps.empty()) continue;
    m.handoff = std::move(steps);
    return;
  }
}

// GEMM ceilings (fp64, fp32) over every declaring workload and implementation, and an
// efficiency-by-size table from the first implementation of the workload that set the fp32 ceiling.
void measure_matmul(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m) {
  const auto found = providers(reg, Capability::matmul_peak, opt, m);
  const std::vector<std::int64_t> sizes = opt.quick
                                              ? std::vector<std::int64_t>{32, 64, 128, 256}
                                              : std::vector<std::int64_t>{64, 128, 256, 512, 1024, 1536};
  // Repetitions grow as the size shrinks (~n^-3) so that even the smallest GEMM is timed over
  // milliseconds: with a handful of 10 us repetitions a single descheduling of a thread (a few
  // ms on a shared VM) spoils every sample and the efficiency table with it.
  auto reps_for = [&](std::int64_t s) {
    const double n3 = double(s) * double(s) * double(s);
    return opt.quick ? static_cast<int>(std::clamp(2e8 / n3, 2.0, 500.0))
                     : static_cast<int>(std::clamp(2e9 / n3, 4.0, 2000.0));
  };
  for (DType d : {DType::fp64, DType::fp32}) {
    const std::string dname(to_string(d));
    double top = 0;
    std::string top_how, top_name, table_label;
    std::vector<std::pair<double, double>> table;  // (flops of one step, FLOP/s), first variant
    for (const auto& p : found) {
      const CapabilitySpec& spec = *p.spec;
      if (!spec.runs(d)) continue;
      const std::vector<std::string> variants =
          spec.variants.empty() ? std::vector<std::string>{""} : spec.variants;
      auto variant_label = [&](const std::string& v) {
        return v.empty() ? std::string() : " " + spec.variant_param + "=" + v;
      };
      double ptop = 0;
      std::string phow;
      std::vector<std::pair<double, double>> ptable;
      for (const auto& v : variants) {
        for (std::int64_t s : sizes) {
          const int reps = reps_for(s);
          const Run r = run_workload(reg, *p.info, spec.params(s, d, v), 1, reps);
          if (!r.ok) {
            m.skipped.push_back(r.why);
            break;
          }
          const double rate = total_flops(r.ledger) / best(r.seconds);
          if (v == variants.front()) ptable.emplace_back(total_flops(r.ledger), rate);
          if (rate > ptop) {
            ptop = rate;
            phow = p.info->name + " " + dname + variant_label(v) + " " + spec.size_label() + "=" +
                   std::to_string(s) + ", best of " + std::to_string(reps);
          }
        }
      }
      if (ptop > top) {
        top = ptop;
        top_how = phow;
        top_name = p.info->name;
        table = ptable;
        table_label = p.info->name + " " + dname + variant_label(variants.front());
      }
    }
    if (top <= 0) continue;
    m.peak[d] = Measured{Range::exact(top), top_how};
    opt.log(top_name + " " + dname + ": ceiling " + std::to_string(top / 1e9) + " GFLOP/s (" + top_how + ")");
    if (d == DType::fp32 && !table.empty()) {
      std::sort(table.begin(), table.end());
      for (std::size_t i = 0; i < table.size(); ++i) {
        // Kept as measured, even where a larger size runs slower (caches): measurements are data.
        MeasuredStep st;
        st.min_flops = i == 0 ? 0 : table[i].first;
        st.efficiency = Range::exact(std::clamp(table[i].second / top, 1e-3, 1.0));
        st.method = table_label + " of " + std::to_string(table[i].first / 1e9) + " GFLOP / fp32 ceiling";
        m.gemm.push_back(st);
      }
    }
  }
}

// The launch overhead: the lowest of the workloads that declare it.
void measure_launch(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m) {
  const int reps = opt.quick ? 5 : 20;
  for (const auto& p : providers(reg, Capability::launch_overhead, opt, m)) {
    const Run r = run_workload(reg, *p.info, p.spec->params(0, std::nullopt, ""), 2, reps);
    if (!r.ok) {
      m.skipped.push_back(r.why);
      continue;
    }
    double launches = 0;
    for (const auto& k : r.ledger) launches += k.count;
    if (launches <= 0) launches = 1;
    const double b = best(r.seconds) / launches, med = median(r.seconds) / launches;
    opt.log(p.info->name + ": " + std::to_string(b * 1e6) + " us per launch");
    if (m.launch_overhead && m.launch_overhead->value.nominal <= b) continue;
    m.launch_overhead = Measured{{b, b, med},
                                 p.info->name + " workload, " + std::to_string(reps) + " steps of " +
                                     fmt6(launches) + " launches: nominal best, high median"};
  }
}

// The workload that measures the link: the first (by name) declaring collective_link.
std::optional<Registry::Provider> link_provider(const Registry& reg) {
  const auto all = reg.providers(Capability::collective_link);
  if (all.empty()) return std::nullopt;
  return all.front();
}

}  // namespace

std::optional<std::string> link_workload_label(const Registry& registry) {
  const auto p = link_provider(registry);
  if (!p) return std::nullopt;
  const std::string fixed = p->spec->fixed_label();
  return p->info->name + (fixed.empty() ? "" : " " + fixed);
}

// Flash attention's forward and backward FLOP rates over the GEMM ceiling the projector applies,
// at several sequence lengths: a table by the launch's FLOPs (efficiency.attention_fwd_steps /
// _bwd_steps; short sequences run well below the long ones' rate) and, from the longest, the
// single fractions attention_fwd / _bwd. The declaring workload with the best longest run wins.
static void measure_attention(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m) {
  const auto found = providers(reg, Capability::attention_efficiency, opt, m);
  if (found.empty()) return;
  const auto peak = m.peak.find(DType::fp32);
  if (peak == m.peak.end() || m.gemm.empty()) {
    m.skipped.push_back("attention_efficiency: needs the fp32 GEMM ceiling, which was not measured");
    return;
  }
  const double ceiling = peak->second.value.nominal * m.gemm.back().efficiency.nominal;
  // From T = 16: the tiny GPT's launches (T = 32, 2 heads of 16, 8 sequences: 0.57 MFLOP forward)
  // are smaller than T = 64's (4.3 MFLOP) and took its rate, 0.30 of the ceiling, against about
  // 0.07 measured (2026-12-07). The table goes by one launch's FLOPs, not by T and head size.
  const std::vector<std::int64_t> seqs =
      opt.quick ? std::vector<std::int64_t>{64, 128} : std::vector<std::int64_t>{16, 32, 64, 128, 256, 512};
  const int reps = opt.quick ? 6 : 8;
  double top = 0;
  for (const auto& p : found) {
    const CapabilitySpec& spec = *p.spec;
    if (!spec.runs(DType::fp32)) continue;
    std::vector<MeasuredStep> steps[2];
    std::optional<Measured> last[2];
    for (const std::int64_t seq : seqs) {
      const Run r = run_workload(reg, *p.info, spec.params(seq, DType::fp32, ""), 1, reps);
      if (!r.ok) {
        m.skipped.push_back(r.why);
        break;
      }
      // Per pass: the step's FLOPs, and one launch's (the size the projector looks a step up by).
      double flops[2] = {0, 0}, launch[2] = {0, 0};
      for (const auto& k : r.ledger) {
        const int i = k.kind == OpKind::attention_fwd ? 0 : k.kind == OpKind::attention_bwd ? 1 : -1;
        if (i < 0) continue;
        flops[i] += k.flops * k.count;
        launch[i] = std::max(launch[i], k.flops);
      }
      const char* value[2] = {"fwd_seconds", "bwd_seconds"};
      for (int i = 0; i < 2; ++i) {
        const auto v = r.values.find(value[i]);
        if (!(flops[i] > 0) || v == r.values.end() || v->second.empty()) {
          last[i].reset();
          continue;
        }
        const double hi = std::clamp(flops[i] / best(v->second) / ceiling, 1e-3, 1.0);
        const double lo = std::clamp(flops[i] / median(v->second) / ceiling, 1e-3, hi);
        last[i] = Measured{Range{lo, hi, hi},
                           p.info->name + " fp32 seq=" + std::to_string(seq) + " " + spec.fixed_label() +
                               ", " + value[i] + " best / median of " + std::to_string(reps) +
                               " over the GEMM ceiling " + fmt6(ceiling / 1e9) + " GFLOP/s"};
        MeasuredStep st;
        st.min_flops = steps[i].empty() ? 0 : launch[i];
        st.efficiency = last[i]->value;
        st.method = last[i]->method;
        if (!steps[i].empty() && st.min_flops <= steps[i].back().min_flops) continue;
        steps[i].push_back(st);
      }
    }
    if (!last[0] || !last[1]) {
      m.skipped.push_back(p.info->name + ": attention_efficiency: no forward and backward times");
      continue;
    }
    if (last[0]->value.nominal + last[1]->value.nominal <= top) continue;
    top = last[0]->value.nominal + last[1]->value.nominal;
    m.attention_fwd = last[0];
    m.attention_bwd = last[1];
    m.attention_fwd_steps = steps[0];
    m.attention_bwd_steps = steps[1];
    std::string table;
    for (std::size_t j = 0; j < steps[0].size() && j < steps[1].size(); ++j)
      table += " " + fmt6(steps[0][j].efficiency.nominal) + "/" + fmt6(steps[1][j].efficiency.nominal);
    opt.log(p.info->name + ": attention forward/backward of the GEMM ceiling by size:" + table);
  }
}

// Element-wise work: the headline kernel's ledger FLOPs as run over its time (the measured launch
// overhead taken off), at a size that stays in cache (so that the rate is the vector units', not
// the memory's), over the fp32 peak — the fraction the projector charges vector entries on this
// host (efficiency.vector; for Capability::norm_efficiency, the OpKind::norm entries'
// efficiency.norm). The declaring workload with the highest rate wins.
static void measure_vector(const Registry& reg, const CalibrateOptions& opt, HostMeasurements& m,
                           Capability cap = Capability::vector_efficiency) {
  const auto found = providers(reg, cap, opt, m);
  if (found.empty()) return;
  const std::string what(to_string(cap));
  std::optional<Measured>& out = cap == Capability::norm_efficiency ? m.norm_efficiency : m.vector_efficiency;
  const auto peak = m.peak.find(DType::fp32);
  if (peak == m.peak.end()) {
    m.skipped.push_back(what + ": needs the fp32 peak, which was not measured");
    return;
  }
  const std::int64_t size = 1024;
  const int reps = opt.quick ? 20 : 100;
  for (const auto& p : found) {
    const CapabilitySpec& spec = *p.spec;
    if (!spec.runs(DType::fp32)) continue;
    const Run r = run_workload(reg, *p.info, spec.params(size, DType::fp32, ""), 2, reps);
    if (!r.ok) {
      m.skipped.push_back(r.why);
      continue;
    }
    const KernelCost* k = entry(r, spec.kernel);
    const auto t = r.values.find(spec.kernel_seconds());
    if (!k || !(k->flops > 0) || t == r.values.end() || t->second.empty()) {
      m.skipped.push_back(p.info->name + ": " + what + ": no FLOPs or no time for '" + spec.kernel + "'");
      continue;
    }
    const double flops = k->flops * k->count, pk = peak->second.value.nominal;
    const double launch = m.launch_overhead ? m.launch_overhead->value.nominal * k->count : 0.0;
    const double tb = best(t->second), tm = median(t->second);
    if (!(tb - launch > 0.5 * tb)) {
      m.skipped.push_back(p.info->name + ": " + what + ": the kernel is too short to time (" +
                          fmt6(tb * 1e6) + " us, launch overhead " + fmt6(launch * 1e6) + " us)");
      continue;
    }
    const double hi = std::clamp(flops / (tb - launch) / pk, 1e-3, 1.0);
    const double lo = std::clamp(flops / (tm - launch) / pk, 1e-3, hi);
    if (out && out->value.nominal >= hi) continue;
    out = Measured{Range{lo, hi, hi},
                   p.info->name + " fp32 " + spec.size_label() + "=" + std::to_string(size) + " " +
                       spec.fixed_label() + ", " + spec.kernel + " FLOPs as run / " + spec.kernel_seconds() +
                       ", best / median of " + std::to_string(reps) +
                       ", launch overhead taken off, over the fp32 peak " + fmt6(pk / 1e9) + " GFLOP/s"};
    opt.log(p.info->name + ": " +
            (cap == Capability::norm_efficiency ? "row normalisation" : "element-wise work") + " at " +
            fmt6(hi) + " of the fp32 peak");
  }
}

HostMeasurements calibrate_host(const Registry& registry, const CalibrateOptions& opt) {
  HostMeasurements m;
  const BuildInfo& b = build_info();
  m.provenance["tool"] = std::string("xpubench ") + b.version;
  m.provenance["git_commit"] = std::string(b.git_commit) + (b.git_dirty ? " (dirty)" : "");
  m.provenance["date"] = utc_now();
  m.provenance["command"] = opt.command.empty() ? "xpubench calibrate" : opt.command;
  m.provenance["host"] = host_name();
  m.provenance["kokkos"] = compat::version_string() + " " + compat::backend_name() + ", " +
                           std::to_string(compat::concurrency()) + " threads";
  m.provenance["mode"] = opt.quick ? "quick" : "full";
  const auto memory = measure_bandwidth(registry, opt, m);
  measure_matmul(registry, opt, m);
  measure_launch(registry, opt, m);  // before the cache sweep, which takes the launch overhead off
  measure_cache(registry, memory, opt, m);
  measure_handoff(registry, opt, m);
  measure_attention(registry, opt, m);
  measure_vector(registry, opt, m);
  measure_vector(registry, opt, m, Capability::norm_efficiency);
  return m;
}

// ================================================================================================
// The MPI rank-to-rank link

std::vector<LinkSample> measure_link_sizes(const Registry& reg, const CalibrateOptions& opt) {
  const auto p = link_provider(reg);
  if (!p)
    throw Error({{}, 0, "collective_link"}, "no compiled-in workload measures the rank-to-rank link",
                "configure with -DXPB_ENABLE_MPI=ON and an MPI installed");
  const std::string label = *link_workload_label(reg);
  // Powers of 4 from 16 KiB: latency-bound at the small end, bandwidth-bound at the large end.
  // Below ~16 KiB Open MPI's shared-memory eager protocol is several times faster per message
  // than its rendezvous protocol above; one alpha-beta line cannot fit both, and the messages
  // that matter here (gradient chunks of data-parallel cells) are in the rendezvous range.
  const std::int64_t largest = opt.quick ? (std::int64_t(4) << 20) : (std::int64_t(64) << 20);
  std::vector<LinkSample> out;
  for (std::int64_t bytes = 16384; bytes <= largest; bytes *= 4) {
    const int reps = opt.quick ? 5 : bytes <= (1 << 20) ? 40 : bytes <= (16 << 20) ? 15 : 8;
    const int warmup = opt.quick ? 1 : 2;
    const Run r = run_workload(reg, *p->info, p->spec->params(bytes, std::nullopt, ""), warmup, reps);
    if (!r.ok) throw Error({{}, 0, p->info->name}, "bytes=" + std::to_string(bytes) + ": " + r.why);
    LinkSample s;
    s.bytes = static_cast<double>(bytes);
    s.best_seconds = best(r.seconds);
    s.median_seconds = median(r.seconds);
    s.repeats = static_cast<int>(r.seconds.size());
    for (const auto& k : r.ledger)  // the workload's own count of participants
      if (k.collective == Collective::all_reduce) s.ranks = k.ranks;
    out.push_back(s);
    opt.log(label + " " + pow2(bytes) + " B over " + std::to_string(s.ranks) + " ranks: best " +
            fmt6(s.best_seconds * 1e6) + " us");
  }
  return out;
}

std::string link_sample_line(const LinkSample& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "xpb-link ranks=%d bytes=%.0f best_seconds=%.9g median_seconds=%.9g repeats=%d", s.ranks,
                s.bytes, s.best_seconds, s.median_seconds, s.repeats);
  return buf;
}

std::optional<LinkSample> parse_link_sample_line(const std::string& line) {
  LinkSample s;
  int used = 0;
  if (std::sscanf(line.c_str(),
                  "xpb-link ranks=%d bytes=%lf best_seconds=%lf median_seconds=%lf repeats=%d%n", &s.ranks,
                  &s.bytes, &s.best_seconds, &s.median_seconds, &s.repeats, &used) != 5)
    return std::nullopt;
  if (!trim(line.substr(static_cast<std::size_t>(used))).empty()) return std::nullopt;
  if (s.ranks < 2 || !(s.bytes > 0) || !(s.best_seconds > 0) || !(s.median_seconds >= s.best_seconds) ||
      s.repeats < 1)
    return std::nullopt;
  return s;
}

LinkFit fit_ring_allreduce(const std::vector<LinkSample>& samples, bool use_median) {
  // Model t_i = alpha·x_i + beta·y_i with x = 2(p−1) steps, y = 2(p−1)/p·bytes, beta = 1/B.
  // Relative errors: divide each row by t_i and fit to 1. The columns are scaled to unit norm
  // before the 2×2 normal equations are solved (alpha and beta differ by ~10 orders).
  std::vector<double> a, b;
  std::vector<double> volumes;
  for (const auto& s : samples) {
    const double t = use_median ? s.median_seconds : s.best_seconds;
    if (!(t > 0) || s.ranks < 2 || !(s.bytes > 0))
      throw Error({{}, 0, "link"}, "link sample needs ranks >= 2, bytes > 0 and a positive time");
    const double p = s.ranks;
    a.push_back(2 * (p - 1) / t);
    b.push_back(2 * (p - 1) / p * s.bytes / t);
    volumes.push_back(2 * (p - 1) / p * s.bytes);
  }
  std::sort(volumes.begin(), volumes.end());
  if (std::unique(volumes.begin(), volumes.end()) - volumes.begin() < 2)
    throw Error({{}, 0, "link"}, "fitting latency and bandwidth needs at least two message sizes");
  double na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  na = std::sqrt(na);
  nb = std::sqrt(nb);
  double saa = 0, sab = 0, sbb = 0, sa = 0, sb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double ai = a[i] / na, bi = b[i] / nb;
    saa += ai * ai;
    sab += ai * bi;
    sbb += bi * bi;
    sa += ai;
    sb += bi;
  }
  LinkFit f;
  const double det = saa * sbb - sab * sab;
  double alpha = -1, beta = 0;
  if (det > 1e-14) {
    alpha = (sa * sbb - sb * sab) / det / na;
    beta = (saa * sb - sab * sa) / det / nb;
  }
  if (!(alpha >= 0)) {  // latency below what the sizes resolve (or collinear rows): bandwidth only
    f.alpha_clamped = true;
    alpha = 0;
    beta = sb / sbb / nb;
  }
  if (!(beta > 0))
    throw Error({{}, 0, "link"}, "the all-reduce times do not grow with size: no bandwidth fits",
                "run the calibration on an idle machine");
  f.alpha = alpha;
  f.bandwidth = 1 / beta;
  for (std::size_t i = 0; i < a.size(); ++i)  // a·alpha + b·beta = model / measured
    f.max_rel_error = std::max(f.max_rel_error, std::abs(a[i] * alpha + b[i] * beta - 1));
  return f;
}

MeasuredLink link_from_samples(const std::vector<LinkSample>& samples, const std::string& label) {
  MeasuredLink m;
  m.best = fit_ring_allreduce(samples, false);
  m.median = fit_ring_allreduce(samples, true);
  const double bb = m.best.bandwidth, bm = m.median.bandwidth;
  m.bandwidth = {std::min(bb, bm), bb, std::max(bb, bm)};
  if (m.best.alpha > 0) {
    const double ab = m.best.alpha, am = m.median.alpha > 0 ? m.median.alpha : ab;
    m.latency = Range{std::min(ab, am), ab, std::max(ab, am)};
  }
  double lo = samples.front().bytes, hi = lo;
  for (const auto& s : samples) {
    lo = std::min(lo, s.bytes);
    hi = std::max(hi, s.bytes);
    m.ranks = std::max(m.ranks, s.ranks);
  }
  auto size = [](double v) { return v >= 1048576 ? fmt6(v / 1048576) + " MiB" : fmt6(v / 1024) + " KiB"; };
  m.method = label + " over " + std::to_string(m.ranks) + " MPI ranks on this host, " +
             std::to_string(samples.size()) + " sizes " + size(lo) + " .. " + size(hi) +
             " (x4 steps), slowest rank's MPI_Wtime; weighted least-squares fit (relative error) "
             "of t = 2(p-1)*alpha + 2(p-1)/p*bytes/B: nominal from best times, the other end "
             "from median times; worst relative misfit " +
             fmt6(std::round(m.best.max_rel_error * 1000) / 10) + "%" +
             (m.best.alpha_clamped ? "; alpha < 0 in the free fit, clamped to 0" : "");
  return m;
}

}  // namespace xpb
