// workloads/gpt/gpt.cpp — the `gpt` workload: corpus, batches, schedule, evaluation, metrics.
// Each step draws B windows of T+1 bytes from the train split, runs forward, backward, clipping
// and AdamW, and reports the loss. Held-out loss is measured every eval_interval steps (and after
// the last) on fixed windows of the held-out verses. With export_reference it also reports step 0
// in full (parameters, batch, logits, loss, gradients, parameters after the update), every step's
// batch and the final parameters as arrays (a replay in another framework needs nothing else).
// With micro_batches M the B windows are cut into M micro-batches of B/M whose gradients are
// summed in the canonical order of nn/data_parallel.hpp; the cell's ranks (Context::group)
// share them, so R ranks train bit for bit like one rank accumulating M micro-batches.
#include "workloads/gpt/gpt.hpp"

#include <Kokkos_Core.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/mpi.hpp"
#include "workloads/gpt/gpt_model.hpp"
#include "workloads/gpt/lr_schedule.hpp"
#include "workloads/nn/data_parallel.hpp"
#include "workloads/nn/time_to_target.hpp"
#include "workloads/text/byte_windows.hpp"
#include "workloads/text/corpus.hpp"

namespace xpb::workloads {
namespace {

using Model = gpt::GptModel<float>;

// Copies a device buffer slice into a NamedArray (float values widen exactly).
template <class V>
NamedArray to_array(const std::string& name, const V& view, std::int64_t offset, std::int64_t size,
                    std::vector<std::size_t> shape, const std::string& dtype = "float32") {
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), view);
  NamedArray a;
  a.name = name;
  a.shape = std::move(shape);
  a.dtype = dtype;
  a.data.resize(static_cast<std::size_t>(size));
  for (std::int64_t i = 0; i < size; ++i) a.data[static_cast<std::size_t>(i)] = double(h.data()[offset + i]);
  return a;
}

// ------------------------------------------------------------------------------------------------
// The parameters, each declared once (name, type, default, range, doc) and read typed.

struct GptParams {
  std::string corpus;
  int layers = 0, width = 0, heads = 0, context = 0, batch = 0;
  std::int64_t steps = 0;
  double lr = 0;
  std::string lr_schedule;
  double lr_final_ratio = 0, warmup = 0, weight_decay = 0, beta1 = 0, beta2 = 0, grad_clip = 0;
  std::int64_t eval_interval = 0, eval_batches = 0;
  nn::GemmPath gemm = nn::GemmPath::native;
  DType precision = DType::bf16;
  bool export_reference = false;
  double target_loss = 0;
  int micro_batches = 1;
};

const ParamStruct<GptParams>& gpt_params() {
  using P = GptParams;
  static const auto s = nn::with_micro_batches(
      nn::with_target_loss(
          ParamStruct<P>()
              .string("corpus", &P::corpus, "kjv.txt",
                      "verse file (\"REF text\" lines); relative to the data dir")
              .integer("layers", &P::layers, 2, 1, 96, "transformer blocks (L)")
              .integer("width", &P::width, 32, 8, 8192, "model width (C)")
              .integer("heads", &P::heads, 2, 1, 128, "attention heads (H); width % heads == 0")
              .integer("context", &P::context, 32, 2, 4096, "sequence length (T)", "tokens")
              .integer("batch", &P::batch, 8, 1, 4096, "sequences per step (B)")
              .integer("steps", &P::steps, 300, 1, 10000000, "optimizer steps")
              .number("lr", &P::lr, 1e-2, 0, 10, "peak learning rate")
              .choice("lr_schedule", &P::lr_schedule, "cosine", {"cosine", "linear", "constant"},
                      "decay after warm-up")
              .number("lr_final_ratio", &P::lr_final_ratio, 0.1, 0, 1, "final lr as a fraction of the peak")
              .number("warmup", &P::warmup, 0.05, 0, 1, "warm-up length as a fraction of steps")
              .number("weight_decay", &P::weight_decay, 0.1, 0, 10,
                      "AdamW decoupled weight decay (matrices only)")
              .number("beta1", &P::beta1, 0.9, 0, 1, "AdamW beta1")
              .number("beta2", &P::beta2, 0.99, 0, 1, "AdamW beta2")
              .number("grad_clip", &P::grad_clip, 1.0, 0, 1e9, "global gradient-norm clip (0 = off)")
              .integer("eval_interval", &P::eval_interval, 50, 1, 10000000,
                       "steps between held-out evaluations", "steps")
              .integer("eval_batches", &P::eval_batches, 4, 1, 10000,
                       "batches of B held-out windows per evaluation")
              .choice("gemm", &P::gemm, nn::GemmPath::native, nn::gemm_path_choices(),
                      "GEMM path (native is bit-reproducible)")
              .choice(
                  "precision", &P::precision, DType::bf16,
                  dtype_choices(
                      {DType::fp32, DType::tf32, DType::bf16, DType::fp16, DType::fp8, DType::fp64}),
                  "precision an accelerator would use for the matrices (ledger only; host trains in fp32)")
              .boolean("export_reference", &P::export_reference, false,
                       "write step 0 (params, batch, logits, loss, grads) as arrays"),
          &P::target_loss, "nats/byte", "the mean held-out loss, eval_loss"),
      &P::micro_batches);
  return s;
}

class Gpt final : public Workload {
 public:
  void setup(const Params& params, Context& ctx) override {
    const GptParams p = gpt_params().read(params);
    m_cfg.layers = p.layers;
    m_cfg.width = p.width;
    m_cfg.heads = p.heads;
    m_cfg.context = p.context;
    m_cfg.batch = p.batch;
    m_micro = nn::check_micro_batches(p.micro_batches, m_cfg.batch, ctx.group);
    if (m_cfg.width % m_cfg.heads != 0)
      throw Error({"", 0, "params.width"}, "width must be a multiple of heads",
                  "e.g. width 128 with heads 4 (head size 32)");
    gpt::GptConfig micro = m_cfg;
    micro.batch = m_cfg.batch / m_micro;  // the model holds one micro-batch
    ctx.require_memory(
        gpt::model_bytes(micro, sizeof(float)) +
            nn::GradientReducer<float>::bytes(gpt::param_count(m_cfg), m_micro, ctx.group.size()),
        "batch",
        "the gpt model's parameters, gradients, AdamW moments, activations (" + std::to_string(m_cfg.layers) +
            " layers x " + std::to_string(micro.batch) + " x " + std::to_string(m_cfg.context) +
            " positions) and logits");
    m_steps = p.steps;
    m_sched.lr = p.lr;
    m_sched.final_ratio = p.lr_final_ratio;
    m_sched.kind = p.lr_schedule;
    m_sched.steps = m_steps;
    m_sched.warmup = static_cast<std::int64_t>(std::llround(p.warmup * double(m_steps)));
    m_opt.weight_decay = p.weight_decay;
    m_opt.beta1 = p.beta1;
    m_opt.beta2 = p.beta2;
    m_opt.eps = 1e-8;
    m_clip = p.grad_clip;
    m_eval_interval = p.eval_interval;
    m_eval_batches = p.eval_batches;
    m_export = p.export_reference;
    m_target_loss = p.target_loss;
    if (m_export && m_micro != 1)
      throw Error({"", 0, "params.export_reference"}, "the reference export needs micro_batches: 1");
    m_precision = p.precision;
    const nn::GemmPath path = p.gemm;

    m_corpus = text::load_corpus(text::resolve_corpus_path(p.corpus, ctx.data_dir));
    m_split = text::split_text(m_corpus, 10);
    const std::size_t need = static_cast<std::size_t>(m_cfg.context) + 2;
    if (m_split.train.size() < need || m_split.heldout.size() < need)
      throw Error({m_corpus.path, 0, "params.corpus"}, "the corpus is too short for one window",
                  "use a longer corpus or a shorter context");
    m_train = std::make_unique<text::ByteWindows>(&m_split.train, m_cfg.batch, m_cfg.context);
    m_heldout = std::make_unique<text::ByteWindows>(&m_split.heldout, m_cfg.batch, m_cfg.context);
    m_batch_rng = ctx.rng("gpt/batch");
    m_eval_rng = ctx.rng("gpt/eval");
    m_model = std::make_unique<Model>(micro, path);
    m_model->init(ctx.rng("gpt/init"));
    m_reducer = nn::GradientReducer<float>(ctx.group, gpt::param_count(m_cfg), m_micro);
    ctx.log("gpt: " + std::to_string(gpt::param_count(m_cfg)) + " parameters, corpus " +
            std::to_string(m_split.train.size()) + " train / " + std::to_string(m_split.heldout.size()) +
            " held-out bytes");
  }

  std::int64_t planned_steps() const override { return m_steps; }

  StepResult step(Context&) override {
    if (m_step % m_eval_interval == 0) evaluate();
    std::vector<int> in, tg;
    m_train->draw(m_batch_rng, static_cast<std::uint64_t>(m_step), in, tg);
    const double lr = m_sched.at(m_step);
    Kokkos::fence();
    Kokkos::Timer timer;
    m_reducer.reset_timer();
    // This rank's micro-batches, round by round; the reducer folds them across ranks in order.
    std::vector<std::vector<double>> mine;
    for (int j = 0; j < m_reducer.rounds(); ++j) {
      const int m = m_reducer.micro_batch(j);
      slice(in, m, m_in);
      slice(tg, m, m_tg);
      mine.push_back({m_model->forward(m_in, m_tg)});
      m_model->backward(m_micro);
      m_reducer.add(m_model->grads(), j);
    }
    m_reducer.finish(m_model->grads());
    const std::vector<double> losses = m_reducer.gather(mine, 1);
    double loss = 0;
    for (double l : losses) loss += l;
    loss /= double(m_micro);
    if (m_export && m_step == 0) capture_reference(in, tg, loss, lr);
    if (m_export) {
      m_steps_in.insert(m_steps_in.end(), in.begin(), in.end());
      m_steps_tg.insert(m_steps_tg.end(), tg.begin(), tg.end());
    }
    nn::AdamWConfig opt = m_opt;
    opt.lr = lr;
    const double norm = m_model->update(opt, m_clip, m_step + 1);
    Kokkos::fence();
    m_train_seconds += timer.seconds();
    if (m_export && m_step == 0) capture_updated();
    m_losses.push_back(loss);
    ++m_step;
    StepResult r;
    r.values = {{"loss", loss}, {"lr", lr}, {"grad_norm", norm}};
    m_reducer.report(r);
    return r;
  }

  Ledger ledger() const override { return ledger_in(m_precision); }
  // What ran here: every tensor in fp32 (the host self-check's ledger); empty when that is charged.
  Ledger ledger_as_run() const override { return ledger_in(DType::fp32, nn::detail::kExpFixedOps<float>); }
  Ledger ledger_in(DType dtype, double exp_ops = 1) const {
    Ledger l = m_model->ledger(dtype, m_reducer.rounds(), exp_ops);
    const Ledger dp = m_reducer.ledger();
    l.insert(l.end() - 2, dp.begin(), dp.end());  // before grad_norm and adamw
    return l;
  }

  Validation validate(Context&) override {
    final_evaluation();
    for (double l : m_losses)
      if (!std::isfinite(l)) return Validation::fail("a training loss is not finite");
    const double first = m_eval.front(), last = m_eval.back();
    if (!std::isfinite(last)) return Validation::fail("the held-out loss is not finite");
    if (m_step > 0 && !(last < first))
      return Validation::fail(
          "held-out loss did not fall (" + std::to_string(first) + " -> " + std::to_string(last) + ")", last,
          first);
    return Validation::ok("held-out loss " + std::to_string(first) + " -> " + std::to_string(last), last,
                          first);
  }

  Metrics finish(Context&) override {
    final_evaluation();
    Metrics m;
    Series ev;
    ev.name = "eval_loss";
    ev.unit = "nats/byte";
    ev.values = m_eval;
    ev.index = m_eval_steps;
    m.series.push_back(ev);
    const double tokens = double(m_step) * m_cfg.batch * m_cfg.context;
    m.scalar("tokens_per_second", m_train_seconds > 0 ? tokens / m_train_seconds : 0);
    m.scalar("initial_eval_loss", m_eval.empty() ? 0 : m_eval.front());
    m.scalar("final_eval_loss", m_eval.empty() ? 0 : m_eval.back());
    m.scalar("parameters", double(gpt::param_count(m_cfg)));
    nn::report_time_to_target(m, m_target_loss, m_eval_steps, m_eval);
    m_reducer.describe(m);
    m.attribute("corpus_sha256", m_corpus.sha256);
    m.attribute("corpus_path", m_corpus.path);
    m.attribute("corpus_split", "every 10th verse held out: " + std::to_string(m_split.train_verses) +
                                    " train / " + std::to_string(m_split.heldout_verses) +
                                    " held-out verses");
    if (m_export) capture_steps();
    m.arrays = std::move(m_reference);
    return m;
  }

 private:
  // Mean held-out loss over eval_batches fixed batches (the same windows at every evaluation),
  // micro-batch by micro-batch. Every rank evaluates everything (the same numbers everywhere).
  void evaluate() {
    std::vector<int> in, tg;
    double sum = 0;
    for (std::int64_t k = 0; k < m_eval_batches; ++k) {
      m_heldout->draw(m_eval_rng, static_cast<std::uint64_t>(k), in, tg);
      for (int m = 0; m < m_micro; ++m) {
        slice(in, m, m_in);
        slice(tg, m, m_tg);
        sum += m_model->forward(m_in, m_tg);
      }
    }
    m_eval.push_back(sum / double(m_eval_batches * m_micro));
    m_eval_steps.push_back(double(m_step));
  }

  // The held-out loss after the last step, unless the last step already had one.
  void final_evaluation() {
    if (m_eval_steps.empty() || m_eval_steps.back() != double(m_step)) evaluate();
  }

  // Rows of micro-batch m of a (B, T) batch.
  void slice(const std::vector<int>& all, int m, std::vector<int>& out) const {
    const std::size_t n = all.size() / static_cast<std::size_t>(m_micro);
    out.assign(all.begin() + static_cast<std::ptrdiff_t>(n * m),
               all.begin() + static_cast<std::ptrdiff_t>(n * (m + 1)));
  }

  void capture_reference(const std::vector<int>& in, const std::vector<int>& tg, double loss, double lr) {
    const std::size_t B = m_cfg.batch, T = m_cfg.context, V = m_cfg.vocab;
    auto ints = [&](const std::string& name, const std::vector<int>& v) {
      NamedArray a{name, {B, T}, std::vector<double>(v.begin(), v.end()), "int32"};
      m_reference.push_back(std::move(a));
    };
    ints("reference/inputs", in);
    ints("reference/targets", tg);
    m_reference.push_back(
        to_array("reference/logits", m_model->logits(), 0, std::int64_t(B * T * V), {B, T, V}));
    m_reference.push_back({"reference/loss", {1}, {loss}, "float64"});
    const double cfg[] = {double(m_cfg.vocab),
                          double(m_cfg.layers),
                          double(m_cfg.width),
                          double(m_cfg.heads),
                          double(m_cfg.context),
                          double(m_cfg.batch),
                          lr,
                          m_opt.weight_decay,
                          m_opt.beta1,
                          m_opt.beta2,
                          m_opt.eps,
                          m_clip};
    m_reference.push_back(
        {"reference/config", {12}, std::vector<double>(std::begin(cfg), std::end(cfg)), "float64"});
    for (const auto& p : m_model->layout()) {
      m_reference.push_back(
          to_array("reference/params/" + p.name, m_model->params(), p.offset, p.size, p.shape));
      m_reference.push_back(
          to_array("reference/grads/" + p.name, m_model->grads(), p.offset, p.size, p.shape));
    }
  }
  void capture_updated() {
    for (const auto& p : m_model->layout())
      m_reference.push_back(
          to_array("reference/updated/" + p.name, m_model->params(), p.offset, p.size, p.shape));
  }

  // Every step's batch (S, B, T) and the parameters after the last step.
  void capture_steps() {
    const std::size_t S = static_cast<std::size_t>(m_step), B = m_cfg.batch, T = m_cfg.context;
    auto ints = [&](const std::string& name, const std::vector<int>& v) {
      m_reference.push_back({name, {S, B, T}, std::vector<double>(v.begin(), v.end()), "int32"});
    };
    ints("reference/steps/inputs", m_steps_in);
    ints("reference/steps/targets", m_steps_tg);
    for (const auto& p : m_model->layout())
      m_reference.push_back(
          to_array("reference/final/" + p.name, m_model->params(), p.offset, p.size, p.shape));
  }

  gpt::GptConfig m_cfg;  // batch is the whole step's B; the model holds B / micro_batches
  int m_micro = 1;
  nn::GradientReducer<float> m_reducer;
  std::vector<int> m_in, m_tg;  // one micro-batch
  std::int64_t m_steps = 0, m_step = 0, m_eval_interval = 50, m_eval_batches = 4;
  gpt::LrSchedule m_sched;
  nn::AdamWConfig m_opt;
  double m_clip = 1.0;
  bool m_export = false;
  DType m_precision = DType::bf16;
  text::Corpus m_corpus;
  text::TextSplit m_split;
  std::unique_ptr<text::ByteWindows> m_train, m_heldout;
  Rng m_batch_rng, m_eval_rng;
  std::unique_ptr<Model> m_model;
  std::vector<double> m_losses, m_eval, m_eval_steps;
  double m_target_loss = 0;
  std::vector<NamedArray> m_reference;
  std::vector<int> m_steps_in, m_steps_tg;  // every step's batch, with export_reference
  double m_train_seconds = 0;
};

}  // namespace

void register_gpt(Registry& r) {
  WorkloadInfo info;
  info.name = "gpt";
  info.summary = "small-model training: a byte-level GPT-2-style decoder on the KJV text";
  info.kind = WorkloadKind::training;
  info.doc =
      "GPT-2 block (pre-LN, GELU-tanh, learned positions, tied wte, biases) over bytes (V=256), "
      "trained with AdamW (weight decay on matrices, global-norm clipping) under a warm-up + "
      "cosine/linear schedule. Train on 9 of every 10 verses, held-out loss on the 10th every "
      "eval_interval steps. Bit-reproducible with gemm=native: no atomics, fixed-order sums. "
      "export_reference writes step 0 in full for cross-checks with other frameworks. "
      "micro_batches splits each step's batch (gradient accumulation in a fixed order); run "
      "under mpirun the cell takes the largest rank count that divides it (data parallelism).";
  info.params = gpt_params().schema();
  info.metrics = {
      {"loss", "nats/byte", MetricKind::quantity, "training loss of the step (mean over its micro-batches)"},
      {"lr", "", MetricKind::quantity, "learning rate of the step"},
      {"grad_norm", "", MetricKind::quantity, "global gradient norm before clipping"},
      {"tokens_per_second", "tokens/s", MetricKind::rate,
       "training tokens (B·T per step) over the time of forward+backward+update, evaluation excluded", true},
      {"initial_eval_loss", "nats/byte", MetricKind::quantity, "held-out loss before the first step"},
      {"final_eval_loss", "nats/byte", MetricKind::quantity, "held-out loss after the last step", true},
      {"parameters", "", MetricKind::quantity, "trainable parameters"},
  };
  nn::declare_data_parallel_metrics(info);
  nn::declare_time_to_target_metrics(info);
  info.ranks = [](const Params& p, int world) {
    return nn::ranks_for(gpt_params().read(p).micro_batches, world);
  };
  r.add(std::move(info), [] { return std::make_unique<Gpt>(); });
}

}  // namespace xpb::workloads
