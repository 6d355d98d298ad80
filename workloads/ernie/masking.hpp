// workloads/ernie/masking.hpp — ERNIE 1.0 knowledge masking, as Baidu's batching.py does it.
// Units are read from seg labels; a unit is selected when the uniform drawn at its first token
// is <= 0.15 (or, as a switch, an exact 15% of the batch's units), and every token of a selected
// unit gets its own 80% [MASK] / 10% random byte / 10% keep decision. Which level a batch uses
// follows a stage schedule. Host code: a batch is a few KB and is built before the step's kernels.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/rng.hpp"
#include "workloads/ernie/units.hpp"

namespace xpb::ernie {

// Dimension letters: B sequences per batch, T tokens per sequence, P prediction targets.

// ------------------------------------------------------------------------------------------------
// Inputs: windows of the corpus as [CLS] + T-1 bytes with their unit labels.

// tokens (B, T) and seg (B, T) for windows starting at text offsets `offsets` (B). [CLS] is
// kSegSpecial; the first byte of a window always starts a unit (a unit cut by the window edge
// is a shorter unit). Asserts that every window fits in the text.
void window_inputs(std::string_view text, const UnitLabels& labels,
                   const std::vector<std::int64_t>& offsets, int T,
                   std::vector<std::int32_t>& tokens, std::vector<std::int8_t>& seg);

// ------------------------------------------------------------------------------------------------
// Selection and the 80/10/10 rule

enum class UnitSelection {
  bernoulli,  // each unit independently with probability select_prob (batching.py, default)
  exact       // exactly max(1, floor(units·select_prob)) units of the batch (dygraph demo)
};
UnitSelection parse_unit_selection(const std::string& s);  // asserts on unknown names

struct MaskRule {
  double select_prob = 0.15;
  double mask_prob = 0.8;    // share of selected tokens replaced by [MASK]
  double random_prob = 0.1;  // share replaced by a random byte (0..255; never a special)
  UnitSelection selection = UnitSelection::bernoulli;
};

enum class MaskAction : std::uint8_t { mask = 0, random = 1, keep = 2 };

struct MaskStats {
  std::int64_t units = 0;           // units in the batch (specials excluded)
  std::int64_t selected_units = 0;
  std::array<std::int64_t, 3> actions{};  // targets per MaskAction
};

struct MaskedBatch {
  int B = 0, T = 0;
  std::vector<std::int32_t> input;      // (B, T) ids fed to the encoder
  std::vector<std::int32_t> positions;  // (P) b·T + t of each target, ascending
  std::vector<std::int32_t> labels;     // (P) original id at each target
  std::vector<MaskAction> actions;      // (P) what was done to the input at each target
  MaskStats stats;
};

// Masks tokens (B, T) given seg (B, T). Random draws are keyed by draw_base + b·T + t, three per
// token (selection/decision uniform, random byte, exact-mode decision), so a batch depends only
// on (rng, draw_base) and never on threads or on other batches.
void apply_mask(const std::vector<std::int32_t>& tokens, const std::vector<std::int8_t>& seg,
                int B, int T, const MaskRule& rule, const Rng& rng, std::uint64_t draw_base,
                MaskedBatch& out);

// ------------------------------------------------------------------------------------------------
// Stage schedule: which unit level a batch is masked at.

enum class ScheduleKind {
  basic, phrase, entity,  // every batch at this level
  probability,            // per batch: entity level (knowledge) with word_prob, else basic
  stages                  // ERNIE's three stages by step: basic only; then phrase with word_prob
                          // else basic; then entity with word_prob else basic
};
ScheduleKind parse_schedule_kind(const std::string& s);  // asserts on unknown names
const char* to_string(ScheduleKind k);

struct MaskSchedule {
  ScheduleKind kind = ScheduleKind::stages;
  double word_prob = 0.5;              // ERNIE's mask_word_prob
  double stage2_start = 1.0 / 3.0;     // fractions of the planned steps where stages 2 and 3 begin
  double stage3_start = 2.0 / 3.0;
};

// The level of batch `step` of `total_steps`; `rng` draws the per-batch coin at index `step`.
UnitLevel level_for_step(const MaskSchedule& s, std::int64_t step, std::int64_t total_steps,
                         const Rng& rng);

}  // namespace xpb::ernie
