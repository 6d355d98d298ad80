// core/model/projector.cpp — roofline-with-efficiency costing of ledgers, per Monte Carlo scenario.
// Total by design: unknown numbers give ok=false and a reason, never an exception, because the
// runner projects every cell onto every platform. Collectives use core/model/collectives.hpp.
#include "core/model/projector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

namespace xpb {

std::string_view to_string(Bound b) {
  switch (b) {
    case Bound::compute: return "compute";
    case Bound::memory: return "memory";
    case Bound::communication: return "communication";
    case Bound::launch: return "launch";
    case Bound::unknown: return "unknown";
  }
  return "?";
}

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

// ================================================================================================
// Hardware: one scenario's numbers

Hardware::Hardware(const Platform& p, const Scenario& s, const ModelConstants* c, const StackProfile* stack,
                   bool deepep)
    : m_p(&p), m_s(s), m_c(c) {
  if (p.memory_bandwidth.present && p.memory_bandwidth.value.low > 0) {
    const double eff =
        p.efficiency.memory_bandwidth.present
            ? draw(p.efficiency.memory_bandwidth, Dir::faster, s, p.name + ":memory_efficiency")
            : 1.0;
    m_bw = draw(p.memory_bandwidth, Dir::faster, s, p.name + ":memory_bandwidth") * eff;
    // Cache and handoff steps come from the calibration that measured the memory bandwidth: they
    // share its source, so they are drawn with it, and scaled by the same median-to-best efficiency.
    auto steps = [&](const std::vector<CacheStep>& in, std::vector<std::pair<double, double>>& out) {
      for (const CacheStep& step : in)
        if (step.bandwidth.present && step.bandwidth.value.low > 0)
          out.emplace_back(step.max_bytes,
                           draw(step.bandwidth, Dir::faster, s, p.name + ":memory_bandwidth") * eff);
    };
    steps(p.cache_bandwidth, m_cache_bw);
    steps(p.handoff_bandwidth, m_handoff_bw);
  }
  if (p.launch_overhead.present)
    m_gap = draw(p.launch_overhead, Dir::slower, s, p.name + ":launch");
  else if (c && !is_host(p))
    m_gap = c->value("kernel_gap", s);
  if (c) {
    m_elementwise = c->value("elementwise_bandwidth", s);
    m_grouped = c->value("grouped_gemm", s);
    m_contention = c->value("overlap_contention", s);
    generation = c->generation_of(p.name).name;
  }
  if (stack) {
    m_dispatch = stack->dispatch.value(s);
    m_step_fixed = stack->step_fixed.value(s);
  }
  if (p.tdp.present) m_tdp = draw(p.tdp, Dir::slower, s, p.name + ":tdp");
  if (p.host_link_bandwidth.present && p.host_link_bandwidth.value.low > 0)
    m_link = draw(p.host_link_bandwidth, Dir::faster, s, p.name + ":host_link");
  m_net = network_model(p, s, c, false, false);
  m_a2a = network_model(p, s, c, true, deepep);
}

namespace {
// Between two measured steps the bandwidth is interpolated linearly in log(size) and
// log(bandwidth): a set of 32 MiB sits between the 24 and 48 MiB triads, not at the 48 MiB one
// (a cache of 32 MiB still holds part of a 48 MiB set, so that triad's rate is no floor for a
// smaller one). Below the first step: the first; past the last: `past`.
double log_log(const std::vector<std::pair<double, double>>& steps, double size, double past) {
  for (std::size_t i = 0; i < steps.size(); ++i) {  // ascending: the smallest step that holds it
    const auto [hi_bytes, hi_bw] = steps[i];
    if (size > hi_bytes) continue;
    if (i == 0) return hi_bw;
    const auto [lo_bytes, lo_bw] = steps[i - 1];
    if (!(hi_bytes > lo_bytes)) return hi_bw;  // (the steps before did not hold it: above lo_bytes)
    const double t = std::log(size / lo_bytes) / std::log(hi_bytes / lo_bytes);
    return lo_bw * std::pow(hi_bw / lo_bw, t);
  }
  return past;
}
}  // namespace

double Hardware::stream_bandwidth(double working_set) const {
  if (!(working_set > 0)) return m_bw;
  return log_log(m_cache_bw, working_set, m_bw);
}

double Hardware::kernel_bandwidth(double working_set, double kernel_bytes, bool handoff) const {
  const double own = stream_bandwidth(working_set);
  if (!handoff || m_handoff_bw.empty() || m_cache_bw.empty() || !(working_set > 0) ||
      working_set > m_cache_bw.back().first || !(kernel_bytes > 0))
    return own;  // no handoff steps apply: the cache steps (or, past them, memory) alone
  return std::min(own, log_log(m_handoff_bw, kernel_bytes, own));
}

bool Hardware::peak(DType d, double& out, std::string* why) const {
  double& memo = m_peak_memo[static_cast<std::size_t>(d)];
  if (!std::isnan(memo)) {  // drawn before, so known
    out = memo;
    return out > 0;
  }
  auto it = m_p->peak.find(d);
  if (it == m_p->peak.end() || it->second.status != PeakStatus::known || !it->second.flops.present ||
      it->second.flops.value.low <= 0) {
    if (why) {
      const bool unsupported = it != m_p->peak.end() && it->second.status == PeakStatus::unsupported;
      *why = std::string(to_string(d)) + " peak is " + (unsupported ? "unsupported" : "unknown") + " on " +
             m_p->name;
    }
    return false;
  }
  memo = draw(it->second.flops, Dir::faster, m_s, m_p->name + ":peak:" + std::string(to_string(d)));
  out = memo;
  return out > 0;
}

namespace {
const std::vector<EfficiencyStep>& table_of(const Platform& p, DType d) {
  auto it = p.efficiency.gemm_per_dtype.find(d);
  return it != p.efficiency.gemm_per_dtype.end() ? it->second : p.efficiency.gemm;
}
}  // namespace

double Hardware::step_efficiency(const std::vector<EfficiencyStep>& t, double flops, std::size_t table,
                                 const std::string& name) const {
  std::size_t i = 0;
  for (std::size_t j = 0; j < t.size(); ++j)
    if (t[j].min_flops <= flops) i = j;
  const std::size_t key = table * 64 + i;
  for (const auto& [k, e] : m_step_memo)
    if (k == key) return e;
  Quantity q = t[i].quantity;
  q.value = t[i].efficiency;
  const double e = draw(q, Dir::faster, m_s, name + ":" + std::to_string(i));
  m_step_memo.emplace_back(key, e > 0 ? e : 1.0);
  return m_step_memo.back().second;
}

double Hardware::gemm_efficiency(double flops, DType d) const {
  const auto& t = table_of(*m_p, d);
  if (t.empty()) return 1.0;
  return step_efficiency(t, flops, static_cast<std::size_t>(d),
                         m_p->name + ":gemm:" + std::string(to_string(d)));
}

double Hardware::norm_efficiency(DType d) const {
  const Quantity& n = m_p->efficiency.norm_flops;
  if (!n.present) return vector_efficiency(d);
  if (std::isnan(m_norm_memo)) m_norm_memo = draw(n, Dir::faster, m_s, m_p->name + ":norm");
  return m_norm_memo;
}

double Hardware::vector_efficiency(DType d) const {
  double& memo = m_vector_memo[static_cast<std::size_t>(d)];
  if (!std::isnan(memo)) return memo;
  const auto& e = m_p->efficiency;
  auto it = e.vector_per_dtype.find(d);
  if (it != e.vector_per_dtype.end())
    memo = draw(it->second, Dir::faster, m_s, m_p->name + ":vector");
  else if (e.vector_flops.present)
    memo = draw(e.vector_flops, Dir::faster, m_s, m_p->name + ":vector");
  else if (!e.gemm.empty())
    memo = gemm_efficiency(std::numeric_limits<double>::max(), DType::bf16);
  else
    memo = 1.0;
  return memo;
}

double Hardware::attention_efficiency(AttentionImpl impl, int pass, DType d, double flops) const {
  // The best GEMM efficiency of this platform (its largest step) times the attention kernel's
  // measured fraction of it, by kernel family and architecture generation.
  const double best = gemm_efficiency(std::numeric_limits<double>::max(), d);
  // Fractions the descriptor holds (measured on this host by calibrate) come first: by the
  // launch's size where it has steps.
  const auto& steps = pass == 2 ? m_p->efficiency.attention_bwd_steps : m_p->efficiency.attention_fwd_steps;
  if (!steps.empty())  // tables kAllDTypes.size() + pass: after the GEMM tables, by dtype
    return best * step_efficiency(steps, flops, kAllDTypes.size() + std::size_t(pass),
                                  m_p->name + (pass == 2 ? ":attention_bwd" : ":attention_fwd"));
  const Quantity& own = pass == 2 ? m_p->efficiency.attention_bwd : m_p->efficiency.attention_fwd;
  if (own.present)
    return best * draw(own, Dir::faster, m_s, m_p->name + (pass == 2 ? ":attention_bwd" : ":attention_fwd"));
  if (!m_c) return best;
  std::string key;
  if (generation == "hopper")
    key = impl == AttentionImpl::flash3 ? "attention_flash3_hopper" : "attention_flash2_hopper";
  else if (generation == "ampere")
    key = "attention_flash2_ampere";
  else
    key = "attention_flash_other";
  key += pass == 2 ? "_bwd" : "_fwd";
  return best * m_c->value(key, m_s);
}

double Hardware::flash_attention_efficiency(int pass, DType d, double flops) const {
  // The best published kernel family of the generation: FlashAttention-3 on Hopper, 2 on Ampere.
  return attention_efficiency(generation == "hopper" ? AttentionImpl::flash3 : AttentionImpl::flash2, pass, d,
                              flops);
}

// ================================================================================================
// One kernel

namespace {
// A host <-> device copy of k.bytes over an accelerator's host link.
bool link_time(const KernelCost& k, const Hardware& hw, KernelTime& out, std::string* reason) {
  if (!(k.bytes > 0)) {
    out.bound = Bound::launch;
    return true;
  }
  if (!(hw.host_link() > 0)) {
    if (reason) *reason = "host link bandwidth is unknown on " + hw.platform().name;
    return false;
  }
  out.memory = k.bytes / hw.host_link();
  out.total = out.memory;
  out.bound = Bound::communication;
  return true;
}
}  // namespace

bool kernel_time(const KernelCost& k, const Hardware& hw, bool overlap, KernelTime& out, std::string* reason,
                 const TrainingKernel* tk, double working_set, bool handoff) {
  out = KernelTime{};
  if (k.kind == OpKind::transfer) {
    if (!is_host(hw.platform())) return link_time(k, hw, out, reason);
    // On a host the device memory is host memory: a copy kernel that reads and writes the payload.
    KernelCost copy = k;
    copy.kind = OpKind::vector;
    copy.flops = 0;
    copy.bytes = 2 * k.bytes;
    return kernel_time(copy, hw, overlap, out, reason, tk, working_set, handoff);
  }
  if (k.flops > 0) {
    double pk = 0;
    if (!hw.peak(k.dtype, pk, reason)) return false;
    double eff = 1;
    if (tk && tk->attention_pass > 0) {
      eff = hw.attention_efficiency(tk->attention, tk->attention_pass, k.dtype, k.flops);
    } else if (k.kind == OpKind::attention_fwd || k.kind == OpKind::attention_bwd) {
      eff = hw.flash_attention_efficiency(k.kind == OpKind::attention_bwd ? 2 : 1, k.dtype, k.flops);
    } else if (k.kind == OpKind::gemm) {
      const double shape = tk && tk->shape_flops > 0 ? tk->shape_flops : k.flops;
      eff = hw.gemm_efficiency(shape, k.dtype);
      if (tk && tk->grouped) eff *= hw.grouped_gemm();
    } else if (k.kind == OpKind::norm) {
      eff = hw.norm_efficiency(k.dtype);
    } else {
      eff = hw.vector_efficiency(k.dtype);
    }
    if (!(eff > 0)) eff = 1;
    out.compute = k.flops / (pk * eff);
  }
  if (k.bytes > 0) {
    if (!hw.bandwidth_known()) {
      if (reason) *reason = "memory bandwidth is unknown on " + hw.platform().name;
      return false;
    }
    const double frac = tk && tk->elementwise ? hw.elementwise_fraction() : 1.0;
    out.memory = k.bytes / (hw.kernel_bandwidth(working_set, k.bytes, handoff) * frac);
  }
  out.total = overlap ? std::max(out.compute, out.memory) : out.compute + out.memory;
  out.bound = out.compute >= out.memory ? Bound::compute : Bound::memory;
  if (k.flops <= 0 && k.bytes <= 0) out.bound = Bound::launch;
  return true;
}

// ================================================================================================
// Measured workloads' ledgers

namespace {

struct OneProjection {
  bool ok = true;
  std::string reason;
  double step = 0, compute = 0, memory = 0, comm = 0, launch = 0, energy = 0, hfu = kNaN;
  std::vector<double> kernel_seconds;
  std::vector<Bound> kernel_bounds;
};

OneProjection project_once(const Ledger& ledger, const Platform& platform, const ProjectOptions& opt,
                           const ModelConstants* c, const Hardware& hw, DType top_dtype, double top_flops) {
  OneProjection r;
  const bool overlap = opt.overlap ? *opt.overlap : c ? c->kernel_overlap : true;
  const double gap = opt.include_launch ? hw.gap() : 0;
  auto fail = [&](std::string why) {
    if (r.ok) r.reason = std::move(why);
    r.ok = false;
  };
  r.kernel_seconds.reserve(ledger.size());
  r.kernel_bounds.reserve(ledger.size());
  for (const KernelCost& k : ledger) {
    const double count = std::max(0.0, k.count);
    double t = 0;
    Bound b = Bound::unknown;
    if (k.kind == OpKind::collective || k.collective != Collective::none) {
      bool ok = true;
      const int per_node = std::min(k.ranks, std::max(1, platform.devices_per_node));
      const Collective coll = k.collective == Collective::none ? Collective::all_reduce : k.collective;
      t = collective_time(coll, k.collective_bytes, k.ranks, per_node,
                          coll == Collective::all_to_all && c ? hw.all_to_all_network() : hw.network(), ok);
      if (!ok)
        fail("interconnect bandwidth needed by '" + k.name + "' is unknown on " + platform.name), t = 0;
      t *= count;
      b = Bound::communication;
      r.comm += t;
    } else {
      KernelTime kt;
      std::string why;
      if (!kernel_time(k, hw, overlap, kt, &why, nullptr, opt.working_set, opt.handoff)) {
        fail("kernel '" + k.name + "': " + why);
      } else {
        b = kt.bound;
        if (kt.bound == Bound::communication)  // a transfer over the host link
          r.comm += kt.total * count;
        else if (overlap)
          (kt.bound == Bound::memory ? r.memory : r.compute) += kt.total * count;
        else
          r.compute += kt.compute * count, r.memory += kt.memory * count;
        t = kt.total * count;
      }
      // A copy on a host is no launch; over a host link it costs one, as a kernel does.
      const double g = k.kind == OpKind::transfer && is_host(platform) ? 0 : gap;
      r.launch += g * count;
      t += g * count;
      if (b == Bound::launch && !(gap > 0)) b = Bound::unknown;
    }
    r.kernel_seconds.push_back(t);
    r.kernel_bounds.push_back(b);
  }
  r.step = r.compute + r.memory + r.comm + r.launch;
  r.energy = hw.tdp() > 0 ? hw.tdp() * r.step : 0;
  double pk = 0;
  if (top_flops > 0 && r.step > 0 && hw.peak(top_dtype, pk)) r.hfu = top_flops / (r.step * pk);
  return r;
}

Range interval_of(std::vector<double> v) {
  const auto [p5, median, p95] = sample_quantiles(std::move(v), std::array<double, 3>{0.05, 0.5, 0.95});
  return {p5, median, p95};
}

}  // namespace

const HardwareCache::Scenarios& HardwareCache::get(const Platform& p, const ModelConstants* c,
                                                   const McOptions& mc) {
  const int n = std::max(0, mc.samples);
  Scenarios& s = m_scenarios[{&p, c, mc.seed, n}];
  if (!s.nominal) {
    s.nominal.emplace(p, Scenario::nominal(), c);
    s.fast.emplace(p, Scenario::fast(), c);
    s.slow.emplace(p, Scenario::slow(), c);
    s.samples.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      s.samples.emplace_back(p, Scenario::sample(mc.seed, static_cast<std::size_t>(i)), c);
  }
  return s;
}

Projection project(const Ledger& ledger, const Platform& platform, const ProjectOptions& opt) {
  Projection pr;
  pr.platform = platform.name;
  pr.flops = total_flops(ledger);
  pr.bytes = total_bytes(ledger);
  // A host descriptor is calibrated on this machine: its measured ceilings need none of the
  // constants (they only cost training kernels and accelerators' launch gaps), so a host-only run
  // works without the share folder that holds them.
  const ModelConstants* c = nullptr;
  if (opt.use_constants && !is_host(platform)) c = opt.constants ? opt.constants : &default_model_constants();
  pr.kernel_overlap = opt.overlap ? *opt.overlap : c ? c->kernel_overlap : true;

  std::array<double, kAllDTypes.size()> by_dtype{};
  for (const KernelCost& k : ledger)
    if (k.kind != OpKind::collective)
      by_dtype[static_cast<std::size_t>(k.dtype)] += k.flops * std::max(0.0, k.count);
  const auto top = std::max_element(by_dtype.begin(), by_dtype.end()) - by_dtype.begin();
  pr.peak_dtype = kAllDTypes[static_cast<std::size_t>(top)];
  const double top_flops = by_dtype[static_cast<std::size_t>(top)];

  HardwareCache local;
  const HardwareCache::Scenarios& hw = (opt.cache ? *opt.cache : local).get(platform, c, opt.mc);
  const OneProjection nom = project_once(ledger, platform, opt, c, *hw.nominal, pr.peak_dtype, top_flops);
  pr.ok = nom.ok;
  pr.reason = nom.reason;
  // A projection fails for want of a number (a peak, a bandwidth), never because of a draw: when
  // the nominal one fails every sample would, and the samples are skipped.
  const int n = nom.ok ? std::max(0, opt.mc.samples) : 0;
  std::vector<double> step, compute, memory, comm, launch, energy, hfu;
  std::vector<std::vector<double>> kern(ledger.size());
  for (auto* v : {&step, &compute, &memory, &comm, &launch, &energy, &hfu}) v->reserve(std::max(1, n));
  for (auto& v : kern) v.reserve(std::max(1, n));
  auto take = [&](const OneProjection& o) {
    step.push_back(o.ok ? o.step : kNaN);
    compute.push_back(o.compute), memory.push_back(o.memory), comm.push_back(o.comm),
        launch.push_back(o.launch);
    energy.push_back(o.energy), hfu.push_back(o.hfu);
    for (std::size_t i = 0; i < kern.size() && i < o.kernel_seconds.size(); ++i)
      kern[i].push_back(o.kernel_seconds[i]);
  };
  if (n == 0) take(nom);
  for (int i = 0; i < n; ++i)
    take(project_once(ledger, platform, opt, c, hw.samples[static_cast<std::size_t>(i)], pr.peak_dtype,
                      top_flops));
  const OneProjection fast = project_once(ledger, platform, opt, c, *hw.fast, pr.peak_dtype, top_flops);
  const OneProjection slow = project_once(ledger, platform, opt, c, *hw.slow, pr.peak_dtype, top_flops);

  pr.step = summarize(nom.ok ? nom.step : kNaN, step, fast.step, slow.step, opt.mc.seed);
  pr.step.ok = nom.ok;
  pr.step_seconds = pr.step.interval();
  pr.compute_seconds = interval_of(compute);
  pr.memory_seconds = interval_of(memory);
  pr.comm_seconds = interval_of(comm);
  pr.launch_seconds = interval_of(launch);
  if (platform.tdp.present) pr.energy_joules = interval_of(energy);
  if (pr.ok && top_flops > 0) pr.hfu = interval_of(hfu);
  for (std::size_t i = 0; i < ledger.size(); ++i) {
    KernelProjection kp;
    kp.name = ledger[i].name;
    kp.seconds = interval_of(kern[i]);
    kp.bound = i < nom.kernel_bounds.size() ? nom.kernel_bounds[i] : Bound::unknown;
    pr.kernels.push_back(std::move(kp));
  }
  const std::array<std::pair<double, Bound>, 4> shares = {
      std::pair{nom.compute, Bound::compute}, std::pair{nom.memory, Bound::memory},
      std::pair{nom.comm, Bound::communication}, std::pair{nom.launch, Bound::launch}};
  double best = 0;
  for (const auto& [t, b] : shares)
    if (t > best) best = t, pr.bound = b;
  if (!pr.ok) {
    // The parts that could be projected stay visible; the total is not a projection.
    pr.bound = Bound::unknown;
    pr.step_seconds = {};
    pr.energy_joules = {};
    pr.hfu = {};
  }
  return pr;
}

// ================================================================================================
// Training steps

namespace {

struct PhaseSum {
  double gpu = 0, cpu = 0, window = 0, attention_window = 0;
  std::map<std::string, double> parts;
  // Overlapped collectives, by window: time and exposure floor, by part.
  double ov_phase = 0, floor_phase = 0, ov_attn = 0, floor_attn = 0;
  std::map<std::string, double> ov_phase_parts, ov_attn_parts;
};

}  // namespace

double utilization(double flops, double seconds, double peak) {
  return seconds > 0 && peak > 0 ? flops / (seconds * peak) : 0.0;
}

namespace {

// Every kernel and collective of the ledger into its phase (forward, backward, recompute, step):
// GPU time, CPU dispatch time, the compute windows, and the overlapped collectives kept apart.
// Returns false (and why) when a needed number is unknown.
bool sum_phases(const TrainingLedger& L, const Hardware& hw, bool overlap, PhaseSum (&ph)[4],
                std::string& reason) {
  bool all_ok = true;
  auto fail = [&](std::string why) {
    if (all_ok) reason = std::move(why);
    all_ok = false;
  };
  auto idx = [](StepPhase p) { return static_cast<int>(p); };
  for (const TrainingKernel& k : L.kernels) {
    PhaseSum& P = ph[idx(k.phase)];
    const double count = std::max(0.0, k.cost.count);
    if (k.cost.kind == OpKind::collective) {
      bool ok = true;
      const NetworkModel& net = k.all_to_all_bus ? hw.all_to_all_network() : hw.network();
      const double t = collective_time(k.cost.collective, k.cost.collective_bytes, k.cost.ranks,
                                       k.ranks_per_node > 0 ? k.ranks_per_node : k.cost.ranks, net, ok,
                                       k.inter_node_scale) *
                       count;
      if (!ok) {
        fail("interconnect bandwidth needed by '" + k.cost.name + "' is unknown on " + hw.platform().name);
        continue;
      }
      switch (k.overlap) {
        case Overlap::none:
          P.gpu += t;
          P.parts[k.part] += t;
          if (k.imbalance > 1) {
            const double extra = t * (1 - 1 / k.imbalance);
            P.parts[k.part] -= extra, P.parts["moe_imbalance"] += extra;
          }
          break;
        case Overlap::phase_compute:
        case Overlap::last_backward:
        case Overlap::first_forward:
          P.ov_phase += t, P.floor_phase += t * k.exposed_floor, P.ov_phase_parts[k.part] += t;
          break;
        case Overlap::attention:
          P.ov_attn += t, P.floor_attn += t * k.exposed_floor, P.ov_attn_parts[k.part] += t;
          break;
      }
      continue;
    }
    KernelTime kt;
    std::string why;
    if (!kernel_time(k.cost, hw, overlap, kt, &why, &k)) {
      fail("kernel '" + k.cost.name + "': " + why);
      continue;
    }
    const double t = kt.total * count, gap = hw.gap() * count;
    P.gpu += t + gap;
    P.cpu += hw.dispatch() * count;
    P.window += t;
    if (k.part == "attention") P.attention_window += t;
    P.parts[k.part] += t;
    P.parts["launch"] += gap;
    if (k.imbalance > 1) {
      const double extra = t * (1 - 1 / k.imbalance);
      P.parts[k.part] -= extra, P.parts["moe_imbalance"] += extra;
    }
  }
  return all_ok;
}

// Overlapped collectives of a phase: hidden behind `window` seconds of compute, which runs `c`
// slower while they share the chip; at least `floor` of them stays exposed.
void expose(PhaseSum& P, double c, double ov, double floor, double window,
            const std::map<std::string, double>& by_part) {
  if (ov <= 0) return;
  const double hidden_span = std::min(ov, window);
  const double exposed = std::max(ov - window, floor);
  const double slow = c * hidden_span;
  P.gpu += exposed + slow;
  P.parts["contention"] += slow;
  for (const auto& [part, t] : by_part) P.parts[part] += exposed * t / ov;
}

// The overlapped collectives exposed: per phase against its windows, and the step's own
// (gradient reduction, parameter gathers) against one micro-batch's backward or forward compute.
void expose_overlapped(const TrainingLedger& L, const Hardware& hw, PhaseSum (&ph)[4]) {
  const double c = hw.contention();
  auto idx = [](StepPhase p) { return static_cast<int>(p); };
  for (int i = 0; i < 3; ++i) {
    PhaseSum& P = ph[i];
    expose(P, c, P.ov_attn, P.floor_attn, P.attention_window, P.ov_attn_parts);
    expose(P, c, P.ov_phase, P.floor_phase, P.window, P.ov_phase_parts);
    if (P.cpu > P.gpu) P.parts["dispatch"] += P.cpu - P.gpu, P.gpu = P.cpu;  // the CPU cannot keep up
  }
  // Step-level overlapped collectives hide behind one micro-batch's backward or forward compute.
  {
    PhaseSum& S = ph[3];
    double last_bwd = 0, first_fwd = 0, floor_b = 0, floor_f = 0;
    std::map<std::string, double> pb, pf;
    for (const TrainingKernel& k : L.kernels) {
      if (k.phase != StepPhase::step || k.cost.kind != OpKind::collective) continue;
      if (k.overlap != Overlap::last_backward && k.overlap != Overlap::first_forward) continue;
      bool ok = true;
      const double t =
          collective_time(k.cost.collective, k.cost.collective_bytes, k.cost.ranks,
                          k.ranks_per_node > 0 ? k.ranks_per_node : k.cost.ranks, hw.network(), ok) *
          std::max(0.0, k.cost.count);
      if (k.overlap == Overlap::last_backward)
        last_bwd += t, floor_b += t * k.exposed_floor, pb[k.part] += t;
      else
        first_fwd += t, floor_f += t * k.exposed_floor, pf[k.part] += t;
    }
    // These were summed into ov_phase above; expose them against their own windows instead.
    S.ov_phase = 0, S.floor_phase = 0, S.ov_phase_parts.clear();
    expose(S, c, last_bwd, floor_b, ph[idx(StepPhase::backward)].window, pb);
    expose(S, c, first_fwd, floor_f, ph[idx(StepPhase::forward)].window, pf);
    if (S.cpu > S.gpu) S.parts["dispatch"] += S.cpu - S.gpu, S.gpu = S.cpu;
  }
}

}  // namespace

TrainingCost cost_training(const TrainingLedger& L, const Hardware& hw, DType linear_dtype, bool overlap) {
  TrainingCost r;
  PhaseSum ph[4];  // forward, backward, recompute, step
  r.ok = sum_phases(L, hw, overlap, ph, r.reason);
  if (!r.ok) return r;
  expose_overlapped(L, hw, ph);

  const double m = std::max(1, L.micro_batches);
  const double t_mb = ph[0].gpu + ph[1].gpu + ph[2].gpu;
  const double bubble = double(L.pp - 1) / std::max(1, L.interleave) * t_mb;
  r.step = m * t_mb + bubble + ph[3].gpu + hw.step_fixed();

  std::map<std::string, double> parts;
  for (int i = 0; i < 3; ++i)
    for (const auto& [k, v] : ph[i].parts) parts[k] += m * v;
  for (const auto& [k, v] : ph[3].parts) parts[k] += v;
  parts["bubble"] += bubble;
  parts["step_fixed"] += hw.step_fixed();
  for (const auto& kv : parts)
    if (kv.second != 0) r.parts.push_back(kv);

  // Legacy buckets (sum to the step).
  auto get = [&](const std::map<std::string, double>& mp, const char* k) {
    auto it = mp.find(k);
    return it == mp.end() ? 0.0 : it->second;
  };
  for (int i = 0; i < 2; ++i) {
    const auto& P = ph[i].parts;
    r.compute += m * (get(P, "gemm") + get(P, "attention") + get(P, "moe_imbalance") + get(P, "contention"));
    r.memory += m * (get(P, "elementwise") + get(P, "moe_permute") + get(P, "moe_router") +
                     get(P, "fp8_cast") + get(P, "dp_copy"));
    r.launch += m * (get(P, "launch") + get(P, "dispatch"));
    r.tp_comm += m * get(P, "tp_comm");
    r.cp_comm += m * get(P, "cp_comm");
    r.ep_comm += m * get(P, "moe_a2a");
    r.pp_comm += m * get(P, "pp_comm");
    r.dp_comm += m * get(P, "dp_comm");
  }
  r.recompute = m * ph[2].gpu;
  r.bubble = bubble;
  {
    const auto& S = ph[3].parts;
    r.dp_comm += get(S, "dp_comm");
    r.optimizer = ph[3].gpu - get(S, "dp_comm") + hw.step_fixed();
  }
  for (const char* k : {"tp_comm", "cp_comm", "moe_a2a", "pp_comm", "dp_comm"})
    r.exposed_comm += get(parts, k);
  hw.peak(linear_dtype, r.peak);
  return r;
}

}  // namespace xpb
