// workloads/mlp/mlp_model.hpp — a two-layer perceptron classifier on the nn/ layers:
// x (B, D) → Linear(D, H) → ReLU → Linear(H, K) → softmax cross-entropy, trained with AdamW.
// Templated on the scalar type (double for finite-difference tests) and execution space.
// It knows nothing about text; the workload feeds it dense feature rows.
#pragma once

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/rng.hpp"
#include "core/plugin/ledger.hpp"
#include "workloads/nn/nn.hpp"

namespace xpb::mlp {

// Dimension letters: B batch, D features, H hidden, K classes.

// Bytes an MlpModel of these sizes allocates with scalars of `scalar` bytes, plus the blocks of
// the ordered sum its loss allocates in a step. This follows the constructor below view by view;
// tests/workloads/test_memory_estimate.cpp checks it against what the model really allocates.
inline double model_bytes(int D, int H, int K, int B, std::size_t scalar) {
  const double d = D, h = H, k = K, b = B;
  const double P = h * d + k * h + h + k;  // W1 (H, D), W2 (K, H), b1 (H), b2 (K)
  // params, grads, AdamW moments (P); x (B, D); h_relu, dh (B, H); logits, probs (B, K); losses (B)
  const double elems = 4 * P + b * d + 2 * b * h + 2 * b * k + b;
  const double sums = 8.0 * std::ceil(b / double(nn::kReduceBlock));  // doubles
  return elems * double(scalar) + b * sizeof(int) + sums;             // + targets (B)
}

template <class T, class Exec = Kokkos::DefaultExecutionSpace>
class MlpModel {
 public:
  using Mat = nn::Matrix<T>;
  using Vec = nn::Vec<T>;

  MlpModel(int D, int H, int K, int B, nn::GemmPath path) : m_D(D), m_H(H), m_K(K), m_B(B), m_path(path) {
    const std::int64_t P = param_count();
    m_params = Vec("mlp/params", P);                  // (P): W1 (H, D), W2 (K, H), b1 (H), b2 (K)
    m_grads = Vec("mlp/grads", P);                    // (P)
    m_m = Vec("mlp/adam_m", P);                       // (P)
    m_v = Vec("mlp/adam_v", P);                       // (P)
    m_x = Mat(std::string("mlp/x"), B, D);            // (B, D)
    m_hr = Mat(std::string("mlp/h_relu"), B, H);      // (B, H) relu(fc1), one GEMM (epilogue)
    m_logits = Mat(std::string("mlp/logits"), B, K);  // (B, K)
    m_probs = Mat(std::string("mlp/probs"), B, K);    // (B, K); dlogits in backward
    m_dh = Mat(std::string("mlp/dh"), B, H);          // (B, H) ∂L/∂(fc1 output), through the ReLU
    m_losses = Vec("mlp/losses", B);                  // (B)
    m_targets = nn::Tokens("mlp/targets", B);         // (B)
  }

  std::int64_t param_count() const { return std::int64_t(m_H) * m_D + std::int64_t(m_K) * m_H + m_H + m_K; }
  std::int64_t decayed_count() const { return std::int64_t(m_H) * m_D + std::int64_t(m_K) * m_H; }

  // He-normal for W1, N(0, 1/H) for W2, zero biases; element i uses index i of the stream.
  void init(const Rng& rng) {
    auto h = Kokkos::create_mirror_view(Kokkos::HostSpace(), m_params);
    const std::int64_t n1 = std::int64_t(m_H) * m_D, n2 = n1 + std::int64_t(m_K) * m_H;
    const double s1 = std::sqrt(2.0 / m_D), s2 = std::sqrt(1.0 / m_H);
    for (std::int64_t i = 0; i < param_count(); ++i)
      h(i) = i < n1   ? T(s1 * rng.normal(std::uint64_t(i)))
             : i < n2 ? T(s2 * rng.normal(std::uint64_t(i)))
                      : T(0);
    Kokkos::deep_copy(m_params, h);
    Kokkos::deep_copy(m_m, T(0));
    Kokkos::deep_copy(m_v, T(0));
  }

  // x: B·D values row-major; targets: B labels (< 0 = padding row). Returns the mean loss.
  double forward(const std::vector<T>& x, const std::vector<int>& targets) {
    XPB_ASSERT(x.size() == std::size_t(m_B) * m_D && targets.size() == std::size_t(m_B), "batch shape");
    using HostMat = Kokkos::View<const T**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
    using HostIds = Kokkos::View<const int*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
    Kokkos::deep_copy(m_x, HostMat(x.data(), m_B, m_D));         // (B, D)
    Kokkos::deep_copy(m_targets, HostIds(targets.data(), m_B));  // (B)
    // The bias and the ReLU in fc1's GEMM epilogue.
    nn::linear_forward(m_exec, "mlp/fc1", m_path, m_hr, m_x, w1(), b1(), true);
    nn::linear_forward(m_exec, "mlp/fc2", m_path, m_logits, m_hr, w2(), b2());
    nn::cross_entropy_forward(m_exec, "mlp/loss", m_losses, m_probs, m_logits, m_targets);
    const double loss = nn::cross_entropy_mean(m_exec, "mlp/loss", m_losses, m_targets, &m_valid);
    m_exec.fence();
    return loss;
  }

  void backward() {
    nn::cross_entropy_backward(m_exec, "mlp/loss", m_probs, m_probs, m_targets,
                               T(1) / T(m_valid > 0 ? m_valid : 1));
    // fc2's data gradient through the ReLU (m_hr > 0) in the GEMM's epilogue.
    nn::linear_backward(m_exec, "mlp/fc2", m_path, m_dh, gw2(), gb2(), m_probs, m_hr, w2(), true);
    nn::linear_backward(m_exec, "mlp/fc1", m_path, Mat(), gw1(), gb1(), m_dh, m_x, w1());
    m_exec.fence();
  }

  void update(const nn::AdamWConfig& opt, std::int64_t step) {
    nn::adamw_update(m_exec, "mlp/adamw", m_params, m_grads, m_m, m_v, decayed_count(), opt, step, T(1));
    m_exec.fence();
  }

  // exp_ops: operations per exponential of the loss (1 charged, kExpFixedOps<T> as run).
  Ledger ledger(DType dtype, double exp_ops = 1) const {
    const double B = m_B, D = m_D, H = m_H, K = m_K;
    Ledger l;
    // The batch's features and labels, made on the host each step (forward).
    l.push_back(nn::transfer_cost("mlp/upload_features", dtype_bytes(nn::vector_dtype(dtype)) * B * D));
    l.push_back(nn::transfer_cost("mlp/upload_targets", sizeof(int) * B));
    nn::append(l, nn::linear_forward_cost("mlp/fc1", dtype, B, D, H, true, m_path, true));
    nn::append(l, nn::linear_forward_cost("mlp/fc2", dtype, B, H, K, true, m_path));
    nn::append(l, nn::cross_entropy_forward_cost("mlp/loss", dtype, B, K, exp_ops));
    nn::append(l, nn::cross_entropy_backward_cost("mlp/loss", dtype, B, K));
    nn::append(l, nn::linear_backward_cost("mlp/fc2", dtype, B, H, K, true, true, m_path, true));
    nn::append(l, nn::linear_backward_cost("mlp/fc1", dtype, B, D, H, true, false, m_path));
    nn::append(l, nn::adamw_cost("mlp/adamw", double(param_count())));
    return l;
  }

  const Vec& params() const { return m_params; }
  const Vec& grads() const { return m_grads; }
  const Mat& logits() const { return m_logits; }

 private:
  Mat w1() const { return Mat(m_params.data(), m_H, m_D); }
  Mat w2() const { return Mat(m_params.data() + std::int64_t(m_H) * m_D, m_K, m_H); }
  Vec b1() const { return Vec(m_params.data() + decayed_count(), m_H); }
  Vec b2() const { return Vec(m_params.data() + decayed_count() + m_H, m_K); }
  Mat gw1() const { return Mat(m_grads.data(), m_H, m_D); }
  Mat gw2() const { return Mat(m_grads.data() + std::int64_t(m_H) * m_D, m_K, m_H); }
  Vec gb1() const { return Vec(m_grads.data() + decayed_count(), m_H); }
  Vec gb2() const { return Vec(m_grads.data() + decayed_count() + m_H, m_K); }

  int m_D, m_H, m_K, m_B;
  nn::GemmPath m_path;
  Exec m_exec;
  Vec m_params, m_grads, m_m, m_v;  // (P)
  Mat m_x;                          // (B, D)
  Mat m_hr, m_dh;                   // (B, H)
  Mat m_logits, m_probs;            // (B, K)
  Vec m_losses;                     // (B)
  nn::Tokens m_targets;             // (B)
  int m_valid = 0;
};

}  // namespace xpb::mlp
