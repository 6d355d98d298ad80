// workloads/ernie/ernie.cpp — the `ernie` training workload: byte encoder + knowledge masking.
// Set-up loads the corpus split, derives (or reads) the lexicon, cuts both splits into units at
// the levels it needs and fixes the held-out evaluation batches. A step masks one batch at the
// level the schedule picks, runs forward/backward, clips and applies AdamW. Evaluation (every
// eval_every steps and at the end) is inside those steps' timings; the doc string says so.
// With micro_batches M each step's B windows are M micro-batches of B/M, masked one by one, whose
// gradients are summed in the canonical order of nn/data_parallel.hpp; the cell's ranks
// (Context::group) share them, bit for bit like one rank accumulating them.
// With export_reference the cell also reports, as arrays, the initial parameters, step 0's
// gradients, every step's masked batch and the final parameters (scripts/torch_replay.py).
#include "workloads/ernie/ernie.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/base/dtype.hpp"
#include "core/base/error.hpp"
#include "core/base/mpi.hpp"
#include "core/base/sha256.hpp"
#include "core/plugin/plugin.hpp"
#include "workloads/ernie/baselines.hpp"
#include "workloads/ernie/corpus.hpp"
#include "workloads/ernie/encoder.hpp"
#include "workloads/ernie/lexicon.hpp"
#include "workloads/ernie/masking.hpp"
#include "workloads/ernie/units.hpp"
#include "workloads/nn/data_parallel.hpp"
#include "workloads/nn/nn.hpp"
#include "workloads/nn/time_to_target.hpp"

namespace xpb::workloads {

namespace {

using ernie::kAllLevels;
using ernie::UnitLevel;

// Held-out batches of one masking level, masked once at set-up with a fixed key.
struct EvalSet {
  UnitLevel level = UnitLevel::basic;
  std::vector<ernie::MaskedBatch> batches;
  std::int64_t targets = 0;
  double majority_hits = 0;  // targets whose byte is the train split's most frequent byte
  double copy_hits = 0;      // copy-or-space baseline (baselines.hpp)
  double ngram_hits = 0;     // count-based fill-in from the visible neighbours (baselines.hpp)
  double unigram_nll = 0;    // Σ −log p_train(byte) over targets (a context-free predictor)
  std::array<std::int64_t, 3> action_targets{};  // targets per MaskAction ([MASK], random, kept)
  std::array<double, 3> action_ngram_hits{};     // the fill-in's hits per MaskAction
};

struct EvalResult {
  double accuracy = 0, loss = 0;
  std::array<double, 3> action_accuracy{};  // per MaskAction; 0 where the set has none
};

// The entity cloze probe: held-out windows each centred on one entity whose bytes are all
// [MASK]ed (nothing else masked); a batch's targets are grouped by row, one entity per row.
struct ClozeSet {
  std::vector<ernie::MaskedBatch> batches;
  std::int64_t entities = 0, targets = 0;
  double ngram_hits = 0;  // the count-based fill-in on the same targets
};

struct ClozeResult {
  double byte_accuracy = 0, entity_exact = 0;  // bytes right; entities with every byte right
};

constexpr std::array<const char*, 3> kActionNames = {"mask", "random", "keep"};

// ------------------------------------------------------------------------------------------------
// Settings read from Params once.

struct Settings {
  ernie::EncoderConfig model;  // model.batch is one micro-batch: batch / micro_batches
  int batch = 0, micro = 1;    // the step's B and M
  std::int64_t steps = 0;
  double lr = 0, warmup_frac = 0, min_lr_frac = 0, weight_decay = 0, beta1 = 0, beta2 = 0, eps = 0;
  double grad_clip = 0;
  double init_std = 0;  // resolved: never 0
  ernie::MaskRule rule;
  ernie::MaskSchedule schedule;
  std::int64_t eval_every = 0, eval_batches = 0;
  bool expect_beats_baseline = false;
  bool export_reference = false;
  double target_loss = 0;
  nn::GemmPath gemm = nn::GemmPath::native;
  DType precision = DType::bf16;  // what an accelerator would use for the matrices (ledger only)
  ernie::LexiconOptions lexicon;

  double lr_at(std::int64_t step) const {  // linear warm-up, then linear decay (ERNIE's schedule)
    const double warm = std::max(1.0, std::round(warmup_frac * double(steps)));
    const double s = double(step);
    if (s < warm) return lr * (s + 1) / warm;
    const double rest = std::max(1.0, double(steps) - warm);
    const double f = std::max(0.0, 1.0 - (s - warm) / rest);
    return lr * (min_lr_frac + (1.0 - min_lr_frac) * f);
  }
};

// The parameters as declared (name, type, default, range, doc), read typed; Settings derives
// what the workload uses from them.
struct ErnieParams {
  std::string corpus;
  int layers = 0, width = 0, heads = 0, ffn = 0, context = 0, batch = 0;
  std::int64_t steps = 0;
  std::string norm, activation;
  double lr = 0, warmup_frac = 0, min_lr_frac = 0, weight_decay = 0, beta1 = 0, beta2 = 0, eps = 0;
  double grad_clip = 0, init_std = 0;
  std::string mask_schedule;
  double mask_word_prob = 0, select_prob = 0;
  std::string unit_selection, gazetteer;
  std::int64_t eval_every = 0, eval_batches = 0;
  bool expect_beats_baseline = false;
  bool export_reference = false;
  double target_loss = 0;
  nn::GemmPath gemm = nn::GemmPath::native;
  std::string dtype;
  DType precision = DType::bf16;
  int micro_batches = 1;
};

const ParamStruct<ErnieParams>& ernie_params() {
  using P = ErnieParams;
  static const auto s = nn::with_micro_batches(
      nn::with_target_loss(
          ParamStruct<P>()
              .choice("corpus", &P::corpus, "kjv", {"kjv", "planted"},
                      "kjv: the King James Bible from set-up data (every 10th verse held out); planted: "
                      "generated text with planted names and phrases (tests)")
              .integer("layers", &P::layers, 2, 1, 48, "encoder layers (L)")
              .integer("width", &P::width, 32, 8, 4096, "model width (C)")
              .integer("heads", &P::heads, 2, 1, 64, "attention heads (H); width must be a multiple")
              .integer("ffn", &P::ffn, 0, 0, 16384, "FFN width (F); 0 means 4·width")
              .integer("context", &P::context, 32, 4, 1024, "tokens per sequence (T): [CLS] + T-1 bytes",
                       "tokens")
              .integer("batch", &P::batch, 16, 1, 4096, "sequences per batch (B)")
              .integer("steps", &P::steps, 300, 1, 10000000, "optimizer steps", "steps")
              .choice("norm", &P::norm, "pre", {"pre", "post"},
                      "LayerNorm placement: pre-LN, or post-LN as ERNIE 1.0")
              .choice("activation", &P::activation, "relu", {"relu", "gelu"},
                      "FFN and MLM-head activation (ERNIE 1.0: relu)")
              .number("lr", &P::lr, 5e-3, 0, 1, "peak learning rate")
              .number("warmup_frac", &P::warmup_frac, 0.1, 0, 1,
                      "linear warm-up over this fraction of the steps")
              .number("min_lr_frac", &P::min_lr_frac, 0.0, 0, 1,
                      "learning rate at the end, as a fraction of lr (linear decay)")
              .number("weight_decay", &P::weight_decay, 0.01, 0, 1, "AdamW weight decay on matrices")
              .number("beta1", &P::beta1, 0.9, 0, 1, "AdamW beta1")
              .number("beta2", &P::beta2, 0.999, 0, 1, "AdamW beta2")
              .number("eps", &P::eps, 1e-8, 0, 1, "AdamW epsilon")
              .number("grad_clip", &P::grad_clip, 1.0, 0, 1e6, "global gradient-norm clip (0: off)")
              .number("init_std", &P::init_std, 0, 0, 1,
                      "std of the normal init of matrices; 0 means 0.5/sqrt(width) (0.018 at width 768, "
                      "near BERT/ERNIE's 0.02; 0.088 at width 32, where 0.02 stalls on the unigram plateau)")
              .choice("mask_schedule", &P::mask_schedule, "stages",
                      {"basic", "phrase", "entity", "probability", "stages"},
                      "unit level per batch: one level throughout; probability (entity level with "
                      "mask_word_prob, else basic); or stages (thirds of the steps: basic; phrase with "
                      "mask_word_prob else basic; entity with mask_word_prob else basic)")
              .number("mask_word_prob", &P::mask_word_prob, 0.5, 0, 1,
                      "ERNIE's mask_word_prob: share of knowledge-masked batches")
              .number("select_prob", &P::select_prob, 0.15, 0.01, 0.9, "probability that a unit is selected")
              .choice("unit_selection", &P::unit_selection, "bernoulli", {"bernoulli", "exact"},
                      "bernoulli: each unit independently (batching.py); exact: floor(units·select_prob) "
                      "units per batch (the dygraph demo)")
              .choice("gazetteer", &P::gazetteer, "debian", {"debian", "none"},
                      "debian: names from WordNet and miscfiles confirm rarer capitalised names "
                      "(docs/ernie.md); none: the capitalisation statistics alone")
              .integer("eval_every", &P::eval_every, 100, 0, 10000000,
                       "held-out evaluation interval (0: only at the end)", "steps")
              .integer("eval_batches", &P::eval_batches, 4, 1, 1000, "held-out batches per masking level")
              .boolean("expect_beats_baseline", &P::expect_beats_baseline, false,
                       "validation fails unless held-out accuracy beats the most-frequent-byte baseline at "
                       "every level")
              .boolean("export_reference", &P::export_reference, false,
                       "write the initial and final parameters, step 0's gradients and every step's masked "
                       "batch as arrays (for a replay in another framework)")
              .choice("gemm", &P::gemm, nn::GemmPath::native, nn::gemm_path_choices(),
                      "GEMM path (native is bit-reproducible)")
              .choice("dtype", &P::dtype, "fp32", dispatch_dtypes(), "scalar type the host trains in")
              .choice("precision", &P::precision, DType::bf16,
                      dtype_choices(
                          {DType::fp32, DType::tf32, DType::bf16, DType::fp16, DType::fp8, DType::fp64}),
                      "precision an accelerator would use for the matrices (ledger only)"),
          &P::target_loss, "nats", "the held-out masked-LM loss at the basic level"),
      &P::micro_batches);
  return s;
}

Settings read_settings(const ErnieParams& p, const Context& ctx) {
  Settings s;
  s.model.layers = p.layers;
  s.model.width = p.width;
  s.model.heads = p.heads;
  s.model.ffn = p.ffn > 0 ? p.ffn : 4 * s.model.width;
  s.model.context = p.context;
  s.batch = p.batch;
  s.micro = nn::check_micro_batches(p.micro_batches, s.batch, ctx.group);
  s.model.batch = s.batch / s.micro;
  s.model.pre_ln = p.norm == "pre";
  s.model.gelu = p.activation == "gelu";
  if (s.model.width % s.model.heads != 0)
    throw Error({"", 0, "params.width"}, "width " + std::to_string(s.model.width) +
                                             " is not a multiple of heads " + std::to_string(s.model.heads));
  s.steps = p.steps;
  s.lr = p.lr;
  s.warmup_frac = p.warmup_frac;
  s.min_lr_frac = p.min_lr_frac;
  s.weight_decay = p.weight_decay;
  s.beta1 = p.beta1;
  s.beta2 = p.beta2;
  s.eps = p.eps;
  s.grad_clip = p.grad_clip;
  // BERT's 0.02 suits d≈768; at d=32 it leaves attention logits near 0 and masked-LM sits on the
  // unigram plateau for thousands of steps. 0.5/√C gives 0.018 at C=768 and 0.088 at C=32.
  s.init_std = p.init_std;
  if (s.init_std <= 0) s.init_std = 0.5 / std::sqrt(double(s.model.width));
  s.rule.select_prob = p.select_prob;
  s.rule.selection = ernie::parse_unit_selection(p.unit_selection);
  s.schedule.kind = ernie::parse_schedule_kind(p.mask_schedule);
  s.schedule.word_prob = p.mask_word_prob;
  s.eval_every = p.eval_every;
  s.eval_batches = p.eval_batches;
  s.expect_beats_baseline = p.expect_beats_baseline;
  s.export_reference = p.export_reference;
  s.target_loss = p.target_loss;
  if (s.export_reference && s.micro != 1)
    throw Error({"", 0, "params.export_reference"}, "the reference export needs micro_batches: 1");
  s.gemm = p.gemm;
  if (s.gemm == nn::GemmPath::vendor && !nn::vendor_gemm_available())
    throw Error({"", 0, "params.gemm"}, "no vendor BLAS in this build", "use gemm: native");
  s.precision = p.precision;
  s.lexicon.gazetteer = p.gazetteer == "debian";
  return s;
}

// ================================================================================================
// The workload

template <class T>
class Ernie final : public Workload {
 public:
  void setup(const Params& params, Context& ctx) override {
    const ErnieParams p = ernie_params().read(params);
    m_s = read_settings(p, ctx);
    const int B = m_s.batch, b = m_s.model.batch, M = m_s.micro, TT = m_s.model.context;
    // The encoder, its AdamW moments and the data-parallel buffers, before anything is allocated.
    const std::int64_t np = ernie::param_count(m_s.model);
    ctx.require_memory(ernie::encoder_bytes(m_s.model, sizeof(T)) + 2.0 * double(np) * sizeof(T) +
                           nn::GradientReducer<T>::bytes(np, M, ctx.group.size()),
                       "batch",
                       "the ernie encoder's parameters, gradients, AdamW moments, activations (" +
                           std::to_string(m_s.model.layers) + " layers x " + std::to_string(b) + " x " +
                           std::to_string(TT) + " positions) and logits");

    // --- Corpus, lexicon and units.
    m_corpus = ernie::load_corpus(p.corpus, ctx);
    if (static_cast<std::int64_t>(m_corpus.heldout.size()) < TT * 4)
      throw Error({"", 0, "params.context"}, "held-out split is shorter than four windows");
    ctx.log("ernie: corpus " + m_corpus.name + " train " + std::to_string(m_corpus.train.size()) +
            " bytes, held-out " + std::to_string(m_corpus.heldout.size()) + " bytes");
    m_lexicon = ernie::build_or_load_lexicon(m_corpus.train, m_s.lexicon, ctx.cache_dir);
    ctx.log("ernie: lexicon " + m_lexicon.path + " (" + std::to_string(m_lexicon.entities.size()) +
            " entities, " + std::to_string(m_lexicon.phrases.size()) + " phrases)");
    for (UnitLevel lv : kAllLevels) {
      const int i = static_cast<int>(lv);
      if (level_used(lv)) m_train_units[i] = ernie::segment_units(m_corpus.train, m_lexicon, lv);
      m_heldout_units[i] = ernie::segment_units(m_corpus.heldout, m_lexicon, lv);
    }

    // --- Byte statistics of the train split: majority byte, unigram log-probabilities and the
    // counts of the fill-in baseline.
    std::array<double, 256> hist{};
    for (unsigned char c : m_corpus.train) hist[c] += 1;
    const ernie::NgramFillIn fill_in(m_corpus.train);
    m_majority = fill_in.majority();
    const double n = double(m_corpus.train.size());
    for (int v = 0; v < 256; ++v) m_unigram_logp[v] = std::log(std::max(hist[v], 0.5) / n);

    // --- Held-out evaluation sets: evenly spaced windows, masked once per level, in micro-batches.
    const std::int64_t windows = m_s.eval_batches * B;
    const std::int64_t span = static_cast<std::int64_t>(m_corpus.heldout.size()) - (TT - 1);
    const Rng eval_rng = ctx.rng("ernie/eval_mask");
    for (UnitLevel lv : kAllLevels) {
      EvalSet e;
      e.level = lv;
      for (std::int64_t k = 0; k < m_s.eval_batches; ++k)
        for (int m = 0; m < M; ++m) {
          std::vector<std::int64_t> offsets(b);
          for (int i = 0; i < b; ++i) offsets[i] = ((k * B + m * b + i) * span) / windows;
          std::vector<std::int32_t> tokens;
          std::vector<std::int8_t> seg;
          ernie::window_inputs(m_corpus.heldout, m_heldout_units[static_cast<int>(lv)], offsets, TT, tokens,
                               seg);
          ernie::MaskedBatch mb;
          const std::uint64_t base =
              ((static_cast<std::uint64_t>(lv) * m_s.eval_batches + k) * B + std::uint64_t(m) * b) * TT;
          ernie::apply_mask(tokens, seg, b, TT, m_s.rule, eval_rng, base, mb);
          score_baselines(mb, fill_in, e);
          e.targets += static_cast<std::int64_t>(mb.labels.size());
          e.batches.push_back(std::move(mb));
        }
      m_eval.push_back(std::move(e));
    }

    m_cloze = build_cloze(fill_in);

    // --- Model and optimizer state.
    m_model = std::make_unique<ernie::Encoder<T>>(m_s.model, m_s.gemm);
    m_model->init(ctx.rng("ernie/init"), m_s.init_std);
    if (m_s.export_reference) capture_params("reference/params/", m_model->params());
    m_reducer = nn::GradientReducer<T>(ctx.group, np, M);
    m_m = nn::Vec<T>("ernie/adam_m", np);  // (params)
    m_v = nn::Vec<T>("ernie/adam_v", np);  // (params)
    m_batch_rng = ctx.rng("ernie/batch");
    m_mask_rng = ctx.rng("ernie/mask");
    m_level_rng = ctx.rng("ernie/mask_level");
    m_step = 0;
  }

  std::int64_t planned_steps() const override { return m_s.steps; }

  StepResult step(Context&) override {
    const int B = m_s.batch, b = m_s.model.batch, TT = m_s.model.context;
    const UnitLevel lv = ernie::level_for_step(m_s.schedule, m_step, m_s.steps, m_level_rng);
    // A batch: B random windows of the train split at this level, masked micro-batch by
    // micro-batch (rows m·b … m·b + b − 1). This rank computes its micro-batches round by round.
    const std::int64_t span = static_cast<std::int64_t>(m_corpus.train.size()) - (TT - 1) + 1;
    std::vector<std::int64_t> offsets(b);
    std::vector<std::vector<double>> mine;  // per round: loss, targets, 3 actions, units, selected
    Kokkos::fence();
    Kokkos::Timer timer;  // the training step: batches, masking, forward, backward, exchange, AdamW
    m_reducer.reset_timer();
    for (int j = 0; j < m_reducer.rounds(); ++j) {
      const int m = m_reducer.micro_batch(j);
      const std::int64_t row0 = m_step * B + std::int64_t(m) * b;
      for (int i = 0; i < b; ++i)
        offsets[i] = static_cast<std::int64_t>(
            m_batch_rng.below(static_cast<std::uint64_t>(row0 + i), static_cast<std::uint64_t>(span)));
      ernie::window_inputs(m_corpus.train, m_train_units[static_cast<int>(lv)], offsets, TT, m_tokens, m_seg);
      ernie::apply_mask(m_tokens, m_seg, b, TT, m_s.rule, m_mask_rng, static_cast<std::uint64_t>(row0) * TT,
                        m_batch);
      const double l = m_model->forward(m_batch.input, m_batch.positions, m_batch.labels);
      m_model->backward(m_s.micro);
      if (m_s.export_reference) capture_batch();
      m_reducer.add(m_model->grads(), j);
      const auto& st = m_batch.stats;
      // Targets by the kind of unit they are in (byte, word, phrase, entity).
      std::array<double, ernie::kUnitKinds> kinds{};
      const ernie::UnitLabels& lab = m_train_units[static_cast<int>(lv)];
      for (std::int32_t pos : m_batch.positions)
        kinds[static_cast<int>(lab.kind[static_cast<std::size_t>(offsets[pos / TT] + pos % TT - 1)])] += 1;
      mine.push_back({l, double(m_batch.positions.size()), double(st.actions[0]), double(st.actions[1]),
                      double(st.actions[2]), double(st.units), double(st.selected_units), kinds[0], kinds[1],
                      kinds[2], kinds[3]});
    }
    m_reducer.finish(m_model->grads());
    constexpr int kValues = 7 + ernie::kUnitKinds;
    const std::vector<double> all = m_reducer.gather(mine, kValues);
    double loss = 0, targets = 0;
    for (int m = 0; m < m_s.micro; ++m) {
      const double* v = &all[std::size_t(m) * kValues];
      loss += v[0];
      targets += v[1];
      for (int a = 0; a < 3; ++a) m_actions[a] += static_cast<std::int64_t>(v[2 + a]);
      m_units += static_cast<std::int64_t>(v[5]);
      m_selected_units += static_cast<std::int64_t>(v[6]);
      for (int k = 0; k < ernie::kUnitKinds; ++k)
        m_target_kinds[static_cast<int>(lv)][k] += static_cast<std::int64_t>(v[7 + k]);
    }
    loss /= double(m_s.micro);

    // Clip, AdamW.
    const Kokkos::DefaultExecutionSpace ex;
    const double norm =
        nn::grad_norm<Kokkos::DefaultExecutionSpace, T>(ex, "ernie/grad_norm", m_model->grads());
    const double lr = m_s.lr_at(m_step);
    nn::AdamWConfig cfg;
    cfg.lr = lr;
    cfg.beta1 = m_s.beta1;
    cfg.beta2 = m_s.beta2;
    cfg.eps = m_s.eps;
    cfg.weight_decay = m_s.weight_decay;
    nn::adamw_update<Kokkos::DefaultExecutionSpace, T>(ex, "ernie/adamw", m_model->params(), m_model->grads(),
                                                       m_m, m_v, ernie::decayed_count(m_s.model), cfg,
                                                       m_step + 1, T(nn::clip_factor(norm, m_s.grad_clip)));
    ex.fence();
    m_train_seconds += timer.seconds();
    m_losses.push_back(loss);
    ++m_step;
    if (m_s.eval_every > 0 && m_step % m_s.eval_every == 0 && m_step < m_s.steps) evaluate(m_step);
    if (m_step == m_s.steps) evaluate(m_step);

    StepResult r;
    r.value("loss", loss);
    r.value("lr", lr);
    r.value("grad_norm", norm);
    r.value("mask_level", double(static_cast<int>(lv)));
    r.value("targets", targets);
    m_reducer.report(r);
    return r;
  }

  Ledger ledger() const override { return ledger_in(m_s.precision); }
  // What ran here: every tensor in the element type computed and exp_fixed's operations per
  // exponential (the host self-check's ledger).
  Ledger ledger_as_run() const override {
    const DType here = sizeof(T) == 8 ? DType::fp64 : DType::fp32;
    return ledger_in(here, nn::detail::kExpFixedOps<T>);
  }
  Ledger ledger_in(DType dtype, double exp_ops = 1) const {
    const double P = m_s.rule.select_prob * m_s.model.batch * (m_s.model.context - 1);
    Ledger l = m_model ? m_model->ledger(P, dtype, exp_ops) : Ledger{};
    for (auto& k : l) k.count *= m_reducer.rounds();  // this rank's micro-batches
    const Ledger dp = m_reducer.ledger();
    l.insert(l.end(), dp.begin(), dp.end());
    const double np = double(ernie::param_count(m_s.model));
    nn::append(l, nn::grad_norm_cost("ernie/grad_norm", np));
    nn::append(l, nn::adamw_cost("ernie/adamw", np));
    return l;
  }

  Validation validate(Context&) override {
    for (std::size_t i = 0; i < m_losses.size(); ++i)
      if (!std::isfinite(m_losses[i]))
        return Validation::fail("loss is not finite at step " + std::to_string(i));
    if (m_curve_step.empty() || m_curve_step.back() != m_step) evaluate(m_step);
    if (m_s.expect_beats_baseline) {
      for (const auto& e : m_eval) {
        const double base = e.targets ? e.majority_hits / double(e.targets) : 0.0;
        const double acc = m_curve[static_cast<int>(e.level)].back().accuracy;
        if (!(acc > base))
          return Validation::fail(std::string("held-out masked accuracy at level ") +
                                  ernie::to_string(e.level) + " (" + std::to_string(acc) +
                                  ") does not beat the most-frequent-byte "
                                  "baseline (" +
                                  std::to_string(base) + ")");
      }
      return Validation::ok(
          "losses finite; held-out masked accuracy beats the most-frequent-byte "
          "baseline at every masking level");
    }
    return Validation::ok("losses finite");
  }

  Metrics finish(Context&) override {
    Metrics m;
    if (m_curve_step.empty() || m_curve_step.back() != m_step) evaluate(m_step);
    if (m_s.export_reference) {
      capture_params("reference/final/", m_model->params());
      const std::size_t S = m_ref_count.size(), B = m_s.batch, TT = m_s.model.context;
      auto ints = [&](const std::string& name, std::vector<std::size_t> shape, const auto& v) {
        m_reference.push_back({name, std::move(shape), std::vector<double>(v.begin(), v.end()), "int32"});
      };
      ints("reference/steps/input", {S, B, TT}, m_ref_input);
      ints("reference/steps/positions", {m_ref_pos.size()}, m_ref_pos);
      ints("reference/steps/labels", {m_ref_labels.size()}, m_ref_labels);
      ints("reference/steps/targets", {S}, m_ref_count);
      m.arrays = std::move(m_reference);
    }
    const double chance = 1.0 / double(ernie::kVocab);
    m.scalar("chance_acc", chance);
    for (const auto& e : m_eval) {
      const char* name = ernie::to_string(e.level);
      const int i = static_cast<int>(e.level);
      const EvalResult& last = m_curve[i].back();
      const double base = e.targets ? e.majority_hits / double(e.targets) : 0.0;
      m.scalar(std::string("heldout_acc_") + name, last.accuracy);
      m.scalar(std::string("heldout_loss_") + name, last.loss);
      m.scalar(std::string("baseline_majority_acc_") + name, base);
      const double n = std::max<double>(1.0, double(e.targets));
      m.scalar(std::string("baseline_copy_acc_") + name, e.copy_hits / n);
      m.scalar(std::string("baseline_ngram_acc_") + name, e.ngram_hits / n);
      for (int a = 0; a < 3; ++a)
        if (e.action_targets[a] > 0) {
          m.scalar(std::string("heldout_") + kActionNames[a] + "_acc_" + name, last.action_accuracy[a]);
          m.scalar(std::string("baseline_ngram_") + kActionNames[a] + "_acc_" + name,
                   e.action_ngram_hits[a] / double(e.action_targets[a]));
          m.scalar(std::string("heldout_") + kActionNames[a] + "_targets_" + name,
                   double(e.action_targets[a]));
        }
      m.scalar(std::string("baseline_unigram_loss_") + name,
               e.targets ? e.unigram_nll / double(e.targets) : 0.0);
      m.scalar(std::string("heldout_targets_") + name, double(e.targets));
      m.scalar(std::string("beats_baseline_") + name, last.accuracy > base ? 1.0 : 0.0);
      Series acc{std::string("eval_acc_") + name, "", {}, {}},
          loss{std::string("eval_loss_") + name, "nats", {}, {}};
      for (std::size_t k = 0; k < m_curve_step.size(); ++k) {
        acc.values.push_back(m_curve[i][k].accuracy);
        loss.values.push_back(m_curve[i][k].loss);
        acc.index.push_back(double(m_curve_step[k]));
        loss.index.push_back(double(m_curve_step[k]));
      }
      m.series.push_back(std::move(acc));
      m.series.push_back(std::move(loss));
    }
    // Training loss at the end: mean over the last tenth of the steps.
    if (!m_losses.empty()) {
      const std::size_t k = std::max<std::size_t>(1, m_losses.size() / 10);
      double s = 0;
      for (std::size_t i = m_losses.size() - k; i < m_losses.size(); ++i) s += m_losses[i];
      m.scalar("final_train_loss", s / double(k));
    }
    const double targets = double(m_actions[0] + m_actions[1] + m_actions[2]);
    if (targets > 0) {
      m.scalar("mask_share", double(m_actions[0]) / targets);
      m.scalar("random_share", double(m_actions[1]) / targets);
      m.scalar("keep_share", double(m_actions[2]) / targets);
      m.scalar("selected_unit_share", double(m_selected_units) / double(std::max<std::int64_t>(1, m_units)));
      m.scalar("targets_per_step", targets / double(std::max<std::int64_t>(1, m_step)));
    }
    const double tokens = double(m_step) * m_s.batch * m_s.model.context;
    m.scalar("tokens_per_second", m_train_seconds > 0 ? tokens / m_train_seconds : 0);
    // ERNIE's knowledge levels: how many of their targets lie inside phrase or entity units.
    for (UnitLevel lv : {UnitLevel::phrase, UnitLevel::entity}) {
      const auto& c = m_target_kinds[static_cast<int>(lv)];
      const double n = double(c[0] + c[1] + c[2] + c[3]);
      if (n > 0)
        m.scalar(std::string("knowledge_target_share_") + ernie::to_string(lv),
                 double(c[static_cast<int>(ernie::UnitKind::phrase)] +
                        c[static_cast<int>(ernie::UnitKind::entity)]) /
                     n);
    }
    if (m_cloze.entities > 0) {
      const ClozeResult cz = evaluate_cloze();
      m.scalar("cloze_entity_acc", cz.byte_accuracy);
      m.scalar("cloze_entity_exact", cz.entity_exact);
      m.scalar("baseline_ngram_cloze_entity_acc", m_cloze.ngram_hits / double(m_cloze.targets));
      m.scalar("cloze_entities", double(m_cloze.entities));
    }
    m.scalar("parameters", double(ernie::param_count(m_s.model)));
    std::vector<double> eval_steps(m_curve_step.begin(), m_curve_step.end()), basic_loss;
    for (const EvalResult& r : m_curve[static_cast<int>(UnitLevel::basic)]) basic_loss.push_back(r.loss);
    nn::report_time_to_target(m, m_s.target_loss, eval_steps, basic_loss);
    m_reducer.describe(m);
    m.scalar("lexicon_entities", double(m_lexicon.entities.size()));
    m.scalar("lexicon_phrases", double(m_lexicon.phrases.size()));
    m.scalar("lexicon_gazetteer_entities", double(m_lexicon.gazetteer_entities));
    for (UnitLevel lv : kAllLevels)
      for (int k = 0; k < ernie::kUnitKinds; ++k)
        m.scalar(std::string("heldout_units_") + ernie::to_string(lv) + "_" +
                     ernie::to_string(static_cast<ernie::UnitKind>(k)),
                 double(m_heldout_units[static_cast<int>(lv)].units[k]));
    m.attribute("lexicon_sha256", m_lexicon.sha256);
    m.attribute("lexicon_path", m_lexicon.path);
    m.attribute("lexicon_options", m_s.lexicon.describe());
    m.attribute("corpus", m_corpus.name);
    m.attribute("corpus_train_sha256", m_corpus.train_sha256);
    m.attribute("corpus_heldout_sha256", m_corpus.heldout_sha256);
    m.attribute("majority_byte", std::to_string(m_majority));
    m.attribute("mask_schedule", ernie::to_string(m_s.schedule.kind));
    return m;
  }

 private:
  bool level_used(UnitLevel lv) const {
    switch (m_s.schedule.kind) {
      case ernie::ScheduleKind::basic: return lv == UnitLevel::basic;
      case ernie::ScheduleKind::phrase: return lv == UnitLevel::phrase;
      case ernie::ScheduleKind::entity: return lv == UnitLevel::entity;
      case ernie::ScheduleKind::probability: return lv != UnitLevel::phrase;
      case ernie::ScheduleKind::stages: return true;
    }
    return true;
  }

  // The export (micro_batches 1): parameters as arrays named prefix + tensor; each step's masked
  // input (S, B, T), its targets' positions and labels (concatenated) and their count (S);
  // step 0's gradients (before clipping).
  void capture_params(const std::string& prefix, const nn::Vec<T>& buf) {
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), buf);
    for (const auto& t : m_model->layout()) {
      NamedArray a{prefix + t.name, {}, std::vector<double>(std::size_t(t.size)), "float32"};
      for (std::int64_t d : t.shape) a.shape.push_back(static_cast<std::size_t>(d));
      if (sizeof(T) == 8) a.dtype = "float64";
      for (std::int64_t i = 0; i < t.size; ++i) a.data[std::size_t(i)] = double(h(t.offset + i));
      m_reference.push_back(std::move(a));
    }
  }
  void capture_batch() {
    if (m_step == 0) capture_params("reference/grads/", m_model->grads());
    m_ref_input.insert(m_ref_input.end(), m_batch.input.begin(), m_batch.input.end());
    m_ref_pos.insert(m_ref_pos.end(), m_batch.positions.begin(), m_batch.positions.end());
    m_ref_labels.insert(m_ref_labels.end(), m_batch.labels.begin(), m_batch.labels.end());
    m_ref_count.push_back(double(m_batch.positions.size()));
  }

  // The baselines' hits and the unigram loss on one held-out batch's targets, and its targets per
  // mask action.
  void score_baselines(const ernie::MaskedBatch& mb, const ernie::NgramFillIn& fill_in, EvalSet& e) const {
    for (std::size_t k = 0; k < mb.labels.size(); ++k) {
      const std::int32_t y = mb.labels[k], pos = mb.positions[k];
      const int TT = mb.T, row = pos / TT, t = pos % TT;
      e.majority_hits += (y == m_majority) ? 1 : 0;
      e.copy_hits += ernie::copy_or_fallback(mb.input[std::size_t(pos)], m_majority) == y ? 1 : 0;
      const double ngram_hit = fill_in.predict(&mb.input[std::size_t(row) * TT], TT, t) == y ? 1 : 0;
      e.ngram_hits += ngram_hit;
      e.unigram_nll -= m_unigram_logp[y];
      e.action_targets[static_cast<int>(mb.actions[k])] += 1;
      e.action_ngram_hits[static_cast<int>(mb.actions[k])] += ngram_hit;
    }
  }

  // The entity cloze set: up to eval_batches·B held-out entities, evenly spaced over those that fit
  // a window with a byte of context on each side, each in its own window, every byte [MASK]ed.
  ClozeSet build_cloze(const ernie::NgramFillIn& fill_in) const {
    const int b = m_s.model.batch, TT = m_s.model.context;
    const std::string& text = m_corpus.heldout;
    const ernie::UnitLabels& lab = m_heldout_units[static_cast<int>(UnitLevel::entity)];
    std::vector<std::pair<std::int64_t, std::int64_t>> spans;  // [begin, end) of each entity
    const auto n = static_cast<std::int64_t>(text.size());
    for (std::int64_t i = 0; i < n;) {
      std::int64_t e = i + 1;
      while (e < n && lab.seg[std::size_t(e)] == ernie::kSegContinue) ++e;
      if (lab.kind[std::size_t(i)] == ernie::UnitKind::entity && e - i <= TT - 3 && i >= 1 && e < n)
        spans.push_back({i, e});
      i = e;
    }
    ClozeSet c;
    // Whole micro-batches of b windows (the encoder's batch shape).
    const std::int64_t want =
        std::min<std::int64_t>(m_s.eval_batches * m_s.batch, std::int64_t(spans.size())) / b * b;
    for (std::int64_t k0 = 0; k0 < want; k0 += b) {
      std::vector<std::int64_t> offsets(b);
      std::vector<std::pair<std::int64_t, std::int64_t>> mine(b);
      for (int r = 0; r < b; ++r) {
        mine[r] = spans[std::size_t(((k0 + r) * std::int64_t(spans.size())) / want)];
        const std::int64_t len = mine[r].second - mine[r].first;
        offsets[r] = std::clamp<std::int64_t>(mine[r].first - (TT - 1 - len) / 2, 0, n - (TT - 1));
      }
      std::vector<std::int32_t> tokens;
      std::vector<std::int8_t> seg;
      ernie::window_inputs(text, lab, offsets, TT, tokens, seg);
      ernie::MaskedBatch mb;
      mb.B = b;
      mb.T = TT;
      mb.input = tokens;
      for (int r = 0; r < b; ++r)
        for (std::int64_t i = mine[r].first; i < mine[r].second; ++i) {
          const auto pos = static_cast<std::int32_t>(r * TT + 1 + (i - offsets[r]));
          mb.positions.push_back(pos);
          mb.labels.push_back(tokens[std::size_t(pos)]);
          mb.actions.push_back(ernie::MaskAction::mask);
          mb.input[std::size_t(pos)] = ernie::kMask;
        }
      for (std::size_t k = 0; k < mb.positions.size(); ++k) {
        const int row = mb.positions[k] / TT, t = mb.positions[k] % TT;
        c.ngram_hits += fill_in.predict(&mb.input[std::size_t(row) * TT], TT, t) == mb.labels[k] ? 1 : 0;
      }
      c.entities += b;
      c.targets += static_cast<std::int64_t>(mb.positions.size());
      c.batches.push_back(std::move(mb));
    }
    return c;
  }

  // Accuracy on the cloze set: per byte, and per entity (every byte right).
  ClozeResult evaluate_cloze() {
    double hits = 0, exact = 0;
    for (const auto& mb : m_cloze.batches) {
      m_model->forward(mb.input, mb.positions, mb.labels);
      const std::vector<std::int32_t> pred = m_model->predictions();
      std::vector<int> wrong(std::size_t(mb.B), 0);
      for (std::size_t k = 0; k < pred.size(); ++k) {
        const bool hit = pred[k] == mb.labels[k];
        hits += hit ? 1 : 0;
        wrong[std::size_t(mb.positions[k] / mb.T)] += hit ? 0 : 1;
      }
      for (int w : wrong) exact += w == 0 ? 1 : 0;
    }
    ClozeResult r;
    r.byte_accuracy = m_cloze.targets ? hits / double(m_cloze.targets) : 0.0;
    r.entity_exact = m_cloze.entities ? exact / double(m_cloze.entities) : 0.0;
    return r;
  }

  // Held-out accuracy (overall and per mask action) and loss at every level; appended to the
  // curve at `step`.
  void evaluate(std::int64_t step) {
    for (const auto& e : m_eval) {
      double hits = 0, nll = 0;
      std::array<double, 3> action_hits{};
      for (const auto& mb : e.batches) {
        if (mb.positions.empty()) continue;
        const double loss = m_model->forward(mb.input, mb.positions, mb.labels);
        nll += loss * double(mb.positions.size());
        const std::vector<std::int32_t> pred = m_model->predictions();
        for (std::size_t k = 0; k < pred.size(); ++k) {
          const double hit = pred[k] == mb.labels[k] ? 1 : 0;
          hits += hit;
          action_hits[static_cast<int>(mb.actions[k])] += hit;
        }
      }
      const double n = std::max<double>(1.0, double(e.targets));
      EvalResult r{hits / n, nll / n, {}};
      for (int a = 0; a < 3; ++a)
        r.action_accuracy[a] = e.action_targets[a] ? action_hits[a] / double(e.action_targets[a]) : 0.0;
      m_curve[static_cast<int>(e.level)].push_back(r);
    }
    m_curve_step.push_back(step);
  }

  Settings m_s;
  ernie::Corpus m_corpus;
  ernie::Lexicon m_lexicon;
  std::array<ernie::UnitLabels, 3> m_train_units, m_heldout_units;  // per level, (bytes) each
  int m_majority = ' ';
  std::array<double, 256> m_unigram_logp{};
  std::vector<EvalSet> m_eval;
  ClozeSet m_cloze;
  std::unique_ptr<ernie::Encoder<T>> m_model;
  nn::Vec<T> m_m, m_v;  // (params) AdamW moments
  nn::GradientReducer<T> m_reducer;

  Rng m_batch_rng, m_mask_rng, m_level_rng;
  std::int64_t m_step = 0;
  std::vector<std::int32_t> m_tokens;  // (B, T)
  std::vector<std::int8_t> m_seg;      // (B, T)
  ernie::MaskedBatch m_batch;
  std::vector<double> m_losses;
  double m_train_seconds = 0;  // the steps' training time, evaluation excluded
  std::array<std::int64_t, 3> m_actions{};
  std::int64_t m_units = 0, m_selected_units = 0;
  std::array<std::array<std::int64_t, ernie::kUnitKinds>, 3> m_target_kinds{};  // [level][kind]
  std::array<std::vector<EvalResult>, 3> m_curve;  // per level, one per evaluation
  std::vector<std::int64_t> m_curve_step;
  std::vector<NamedArray> m_reference;  // export_reference only
  std::vector<std::int32_t> m_ref_input, m_ref_pos, m_ref_labels;
  std::vector<double> m_ref_count;
};

}  // namespace

// ================================================================================================
// Registration (the parameters are declared once, in ernie_params() above).

void register_ernie(Registry& r) {
  WorkloadInfo info;
  info.name = "ernie";
  info.summary = "ERNIE-style MLM pretraining of a byte encoder with knowledge masking";
  info.kind = WorkloadKind::training;
  info.doc =
      "A bidirectional Transformer encoder over bytes (V=260 with [PAD] [CLS] [SEP] [MASK]) "
      "trained with masked-LM on the train split. Each batch is masked at one unit level chosen "
      "by mask_schedule: basic (bytes), phrase (words and dictionary phrases) or entity (entities "
      "first, then phrases and words). Units are selected as in Baidu's batching.py (Bernoulli "
      "0.15 per unit) and every token of a selected unit gets its own 80% [MASK] / 10% random "
      "byte / 10% keep decision. The loss is the cross-entropy on the targets only (their hidden "
      "rows are gathered before the head). Phrase and entity lists are derived from the train "
      "split into the cache folder; their SHA-256 is an attribute. Metrics: loss per step; "
      "held-out masked accuracy and loss per level (every eval_every steps and at the end; those "
      "steps' times include the evaluation) against chance (1/260) and the most-frequent-byte "
      "baseline.";
  info.params = ernie_params().schema();
  // {level}: basic, phrase or entity (the masking levels evaluated); {kind}: a unit kind.
  info.metrics = {
      {"loss", "nats", MetricKind::quantity, "masked-LM loss of the step (mean over its micro-batches)"},
      {"lr", "", MetricKind::quantity, "learning rate of the step"},
      {"grad_norm", "", MetricKind::quantity, "global gradient norm before clipping"},
      {"mask_level", "", MetricKind::quantity,
       "unit level of the step's masking (0 basic, 1 phrase, 2 entity)"},
      {"targets", "", MetricKind::quantity, "masked-LM targets in the step's batch"},
      {"chance_acc", "", MetricKind::quantity, "uniform guess over the 260-token vocabulary"},
      {"heldout_acc_{level}", "", MetricKind::quantity,
       "held-out masked-token accuracy, targets masked at this level", true},
      {"heldout_loss_{level}", "nats", MetricKind::quantity, "held-out masked cross-entropy"},
      {"baseline_majority_acc_{level}", "", MetricKind::quantity,
       "accuracy of always predicting the train split's most frequent byte"},
      {"baseline_copy_acc_{level}", "", MetricKind::quantity,
       "accuracy of predicting the input byte at the target when it is not [MASK], else the most "
       "frequent byte (copy-or-space; no training)"},
      {"baseline_ngram_acc_{level}", "", MetricKind::quantity,
       "accuracy of a count-based fill-in from the visible neighbour bytes (train-split trigram, "
       "then bigram counts; no training)"},
      {"heldout_{action}_acc_{level}", "", MetricKind::quantity,
       "held-out accuracy on the targets of one mask action: mask ([MASK] in the input), random "
       "(a random byte) or keep (the byte itself)"},
      {"baseline_ngram_{action}_acc_{level}", "", MetricKind::quantity,
       "the count-based fill-in's accuracy on the targets of one mask action (the model's "
       "heldout_{action}_acc_{level} targets)"},
      {"heldout_{action}_targets_{level}", "", MetricKind::quantity,
       "held-out targets of one mask action at this level"},
      {"cloze_entity_acc", "", MetricKind::quantity,
       "entity cloze probe: held-out windows each centred on one entity, all its bytes [MASK]ed; "
       "share of those bytes predicted right (after the last step)",
       true},
      {"cloze_entity_exact", "", MetricKind::quantity,
       "entity cloze probe: share of entities with every byte right"},
      {"baseline_ngram_cloze_entity_acc", "", MetricKind::quantity,
       "the count-based fill-in on the entity cloze targets (no training)"},
      {"cloze_entities", "", MetricKind::quantity, "entities in the cloze probe (up to eval_batches·batch)"},
      {"baseline_unigram_loss_{level}", "nats", MetricKind::quantity,
       "cross-entropy of the train split's byte unigram on the same targets"},
      {"heldout_targets_{level}", "", MetricKind::quantity, "held-out targets at this level"},
      {"beats_baseline_{level}", "", MetricKind::quantity,
       "1 when held-out accuracy beats the majority baseline"},
      {"final_train_loss", "nats", MetricKind::quantity, "mean MLM loss over the last tenth of the steps",
       true},
      {"mask_share", "", MetricKind::quantity, "targets replaced by [MASK] (expect 0.8)"},
      {"random_share", "", MetricKind::quantity, "targets replaced by a random byte (0.1)"},
      {"keep_share", "", MetricKind::quantity, "targets left unchanged (0.1)"},
      {"selected_unit_share", "", MetricKind::quantity,
       "selected units / units over all training batches (expect select_prob)"},
      {"targets_per_step", "", MetricKind::quantity, "masked-LM targets per step, mean over the steps"},
      {"tokens_per_second", "tokens/s", MetricKind::rate,
       "input tokens (B·T per step) over the steps' training time: batch windows, masking, forward, "
       "backward, gradient exchange, clipping and AdamW; held-out evaluation excluded"},
      {"parameters", "", MetricKind::quantity, "trainable parameters"},
      {"lexicon_entities", "", MetricKind::quantity, "entities in the derived lexicon"},
      {"lexicon_phrases", "", MetricKind::quantity, "phrases in the derived lexicon"},
      {"lexicon_gazetteer_entities", "", MetricKind::quantity, "entities added from the gazetteer"},
      {"heldout_units_{level}_{kind}", "", MetricKind::quantity,
       "units of this kind in the held-out split at this level"},
      {"knowledge_target_share_{level}", "", MetricKind::quantity,
       "training targets inside phrase or entity units, batches masked at this level"},
  };
  nn::declare_data_parallel_metrics(info);
  nn::declare_time_to_target_metrics(info);
  info.ranks = [](const Params& p, int world) {
    return nn::ranks_for(ernie_params().read(p).micro_batches, world);
  };
  // fp32 trains; fp64 is for checks.
  r.add(std::move(info), [] { return std::make_unique<DTypeDispatch<Ernie>>(); });
}

}  // namespace xpb::workloads
