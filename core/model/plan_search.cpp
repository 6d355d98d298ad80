// core/model/plan_search.cpp — brute-force plan enumeration with a cheap memory filter first.
// Memory is computed for every valid plan; only plans that fit are timed. Ties keep the first
// plan found, so the result is deterministic for a given space.
#include "core/model/plan_search.hpp"

#include <algorithm>
#include <chrono>

namespace xpb {

SearchSpace default_space(const TrainingModel& tm) {
  SearchSpace s;
  const ModelSpec& m = tm.model();
  const int n = tm.cluster().devices;
  const int dpn = tm.devices_per_node();
  for (int t = 1; t <= std::min(n, 2 * dpn); t *= 2) s.tp.push_back(t);
  for (int p = 1; p <= std::min(n, m.layers); ++p)
    if (n % p == 0) s.pp.push_back(p);
  s.ep = {1};
  if (m.moe.enabled()) {
    s.ep.clear();
    for (int e = 1; e <= std::min(n, m.moe.experts); ++e)
      if (m.moe.experts % e == 0) s.ep.push_back(e);
  }
  s.cp = {1};
  if (m.seq_len >= 16384)
    for (int c = 2; c <= 8; c *= 2) s.cp.push_back(c);
  s.mbs = {1, 2, 4, 8, 16};
  s.interleave = {1, 2, 4, 8};
  // ZeRO-3 is left out by default: its projected cost is far too optimistic at scale (Narayanan
  // Table 2 rows in docs/validation.md), so the search would pick plans the model cannot cost.
  s.zero = {0, 1, 2};
  s.recompute = {Recompute::none, Recompute::selective, Recompute::full};
  s.seqpar = {false, true};
  s.dp_overlap = {true, false};
  return s;
}

SearchResult search_plans(const TrainingModel& tm, const SearchSpace& space, int keep) {
  const auto t0 = std::chrono::steady_clock::now();
  SearchResult r;
  if (!tm.unusable_reason().empty()) {
    r.reason = tm.unusable_reason();
    return r;
  }
  // Why plans were rejected, most informative first: the descriptor lacks a number a plan needs,
  // then memory, then structure.
  std::string last_reason, eval_reason;
  bool memory_rejected = false;
  std::vector<StepEstimate> best;  // sorted by nominal step time, at most `keep`
  const int n = tm.cluster().devices;
  const std::vector<int> cps = space.cp.empty() ? std::vector<int>{1} : space.cp;
  for (int tp : space.tp)
    for (int pp : space.pp)
     for (int cp : cps)
      for (int ep : space.ep)
        for (int mbs : space.mbs)
          for (int v : space.interleave)
            for (int zero : space.zero)
              for (Recompute rc : space.recompute)
                for (bool sp : space.seqpar)
                  for (bool ov : space.dp_overlap) {
                    ++r.candidates;
                    Plan p;
                    p.tp = tp, p.pp = pp, p.cp = cp, p.ep = ep, p.mbs = mbs, p.interleave = v;
                    p.zero = zero, p.recompute = rc, p.seqpar = sp, p.dp_overlap = ov;
                    p.dp = tp * pp * cp > 0 && n % (tp * pp * cp) == 0 ? n / (tp * pp * cp) : 0;
                    if (!tm.valid(p, &last_reason)) continue;
                    ++r.valid;
                    const MemoryEstimate mem = tm.memory(p);
                    if (mem.total > mem.usable) {
                      memory_rejected = true;
                      continue;
                    }
                    StepEstimate e = tm.evaluate(p);
                    if (!e.ok) {
                      eval_reason = e.reason;
                      continue;
                    }
                    if (!e.fits) continue;
                    ++r.fitting;
                    if ((int)best.size() < keep ||
                        e.nominal_step < best.back().nominal_step) {
                      auto at = std::upper_bound(best.begin(), best.end(), e,
                                                 [](const StepEstimate& a, const StepEstimate& b) {
                                                   return a.nominal_step < b.nominal_step;
                                                 });
                      best.insert(at, std::move(e));
                      if ((int)best.size() > keep) best.pop_back();
                    }
                  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (best.empty()) {
    if (!eval_reason.empty()) r.reason = eval_reason;
    else if (memory_rejected) r.reason = "no valid plan fits in memory";
    else r.reason = "no structurally valid plan (e.g. " + last_reason + ")";
    return r;
  }
  r.found = true;
  r.best = best.front();
  r.top = std::move(best);
  return r;
}

}  // namespace xpb
