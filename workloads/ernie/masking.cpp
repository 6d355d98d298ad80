// workloads/ernie/masking.cpp — windows, unit selection, the per-token 80/10/10 rule, schedule.
// The bernoulli path reproduces batching.py::mask() decision for decision: the first token of a
// selected unit reuses its selection uniform p <= 0.15, so its thresholds are scaled by 0.15.
#include "workloads/ernie/masking.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/error.hpp"
#include "workloads/ernie/vocab.hpp"

namespace xpb::ernie {

// ------------------------------------------------------------------------------------------------
// Inputs

void window_inputs(std::string_view text, const UnitLabels& labels,
                   const std::vector<std::int64_t>& offsets, int T,
                   std::vector<std::int32_t>& tokens, std::vector<std::int8_t>& seg) {
  const std::size_t B = offsets.size();
  tokens.assign(B * static_cast<std::size_t>(T), kPad);
  seg.assign(B * static_cast<std::size_t>(T), kSegSpecial);
  for (std::size_t b = 0; b < B; ++b) {
    const std::int64_t off = offsets[b];
    XPB_ASSERT(off >= 0 && off + T - 1 <= static_cast<std::int64_t>(text.size()),
               "window outside the text");
    std::int32_t* tok = &tokens[b * T];
    std::int8_t* sg = &seg[b * T];
    tok[0] = kCls;
    for (int t = 1; t < T; ++t) {
      const std::size_t j = static_cast<std::size_t>(off + t - 1);
      tok[t] = static_cast<unsigned char>(text[j]);
      sg[t] = labels.seg[j];
    }
    if (T > 1) sg[1] = kSegStart;
  }
}

// ------------------------------------------------------------------------------------------------
// Selection and the 80/10/10 rule

UnitSelection parse_unit_selection(const std::string& s) {
  if (s == "bernoulli") return UnitSelection::bernoulli;
  XPB_ASSERT(s == "exact", "unknown unit selection");
  return UnitSelection::exact;
}

void apply_mask(const std::vector<std::int32_t>& tokens, const std::vector<std::int8_t>& seg,
                int B, int T, const MaskRule& rule, const Rng& rng, std::uint64_t draw_base,
                MaskedBatch& out) {
  const std::size_t n = static_cast<std::size_t>(B) * static_cast<std::size_t>(T);
  XPB_ASSERT(tokens.size() == n && seg.size() == n, "tokens and seg must be (B, T)");
  out.B = B;
  out.T = T;
  out.input = tokens;
  out.positions.clear();
  out.labels.clear();
  out.actions.clear();
  out.stats = MaskStats{};

  auto key = [&](std::size_t i, std::uint64_t which) { return 3 * (draw_base + i) + which; };
  std::vector<double> p(n);  // (B, T) the selection / decision uniform of each token
  for (std::size_t i = 0; i < n; ++i) p[i] = rng.uniform(key(i, 0));

  // Units as [begin, end) over the flattened batch; a unit never crosses a sequence.
  struct Unit { std::size_t begin, end; };
  std::vector<Unit> units;
  for (std::size_t i = 0; i < n; ++i) {
    if (seg[i] == kSegSpecial) continue;
    const bool starts = seg[i] == kSegStart || i % T == 0 || seg[i - 1] == kSegSpecial;
    if (starts) units.push_back({i, i + 1});
    else units.back().end = i + 1;
  }
  out.stats.units = static_cast<std::int64_t>(units.size());

  std::vector<char> selected(units.size(), 0);
  if (rule.selection == UnitSelection::bernoulli) {
    for (std::size_t u = 0; u < units.size(); ++u) selected[u] = p[units[u].begin] <= rule.select_prob;
  } else if (!units.empty()) {
    // The k units with the smallest first-token uniform: a uniformly random k-subset.
    const std::size_t k = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::floor(static_cast<double>(units.size()) * rule.select_prob)));
    std::vector<std::size_t> order(units.size());
    for (std::size_t u = 0; u < order.size(); ++u) order[u] = u;
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k - 1), order.end(),
                     [&](std::size_t a, std::size_t b) {
                       const double pa = p[units[a].begin], pb = p[units[b].begin];
                       return pa != pb ? pa < pb : a < b;
                     });
    for (std::size_t j = 0; j < k; ++j) selected[order[j]] = 1;
  }

  const double keep_share = 1.0 - rule.mask_prob - rule.random_prob;  // 0.1 with the defaults
  for (std::size_t u = 0; u < units.size(); ++u) {
    if (!selected[u]) continue;
    ++out.stats.selected_units;
    for (std::size_t i = units[u].begin; i < units[u].end; ++i) {
      // batching.py: at the first token p is already known to be <= 0.15, so scale by it.
      double base = 1.0, q = p[i];
      if (i == units[u].begin) {
        if (rule.selection == UnitSelection::bernoulli) base = rule.select_prob;
        else q = rng.uniform(key(i, 2));  // exact mode: p ranked the unit, draw afresh
      }
      MaskAction a;
      if (q > (1.0 - rule.mask_prob) * base) a = MaskAction::mask;                 // (0.2·b, b]
      else if (q > keep_share * base) a = MaskAction::random;                     // (0.1·b, 0.2·b]
      else a = MaskAction::keep;                                                   // [0, 0.1·b]
      if (a == MaskAction::mask) out.input[i] = kMask;
      if (a == MaskAction::random)
        out.input[i] = static_cast<std::int32_t>(rng.below(key(i, 1), kNumBytes));
      out.positions.push_back(static_cast<std::int32_t>(i));
      out.labels.push_back(tokens[i]);
      out.actions.push_back(a);
      ++out.stats.actions[static_cast<int>(a)];
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Schedule

ScheduleKind parse_schedule_kind(const std::string& s) {
  if (s == "basic") return ScheduleKind::basic;
  if (s == "phrase") return ScheduleKind::phrase;
  if (s == "entity") return ScheduleKind::entity;
  if (s == "probability") return ScheduleKind::probability;
  XPB_ASSERT(s == "stages", "unknown mask schedule");
  return ScheduleKind::stages;
}

const char* to_string(ScheduleKind k) {
  switch (k) {
    case ScheduleKind::basic: return "basic";
    case ScheduleKind::phrase: return "phrase";
    case ScheduleKind::entity: return "entity";
    case ScheduleKind::probability: return "probability";
    case ScheduleKind::stages: return "stages";
  }
  return "?";
}

UnitLevel level_for_step(const MaskSchedule& s, std::int64_t step, std::int64_t total_steps,
                         const Rng& rng) {
  const bool knowledge = rng.uniform(static_cast<std::uint64_t>(step)) < s.word_prob;
  switch (s.kind) {
    case ScheduleKind::basic: return UnitLevel::basic;
    case ScheduleKind::phrase: return UnitLevel::phrase;
    case ScheduleKind::entity: return UnitLevel::entity;
    case ScheduleKind::probability: return knowledge ? UnitLevel::entity : UnitLevel::basic;
    case ScheduleKind::stages: {
      const double f = total_steps > 0 ? static_cast<double>(step) / static_cast<double>(total_steps) : 0.0;
      if (f < s.stage2_start) return UnitLevel::basic;
      if (f < s.stage3_start) return knowledge ? UnitLevel::phrase : UnitLevel::basic;
      return knowledge ? UnitLevel::entity : UnitLevel::basic;
    }
  }
  return UnitLevel::basic;
}

}  // namespace xpb::ernie
