// tests/workloads/test_nn_layers.cpp — every nn/ layer's backward against central finite
// differences in double precision (relative error <= 1e-6), the GEMM paths of linear, AdamW
// against a scalar replay, gradient-norm clipping, and the fixed-order sum across backends.
#include <catch2/catch_test_macros.hpp>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "tests/workloads/grad_check.hpp"
#include "workloads/nn/nn.hpp"

using namespace xpb;
using xpb::test::fill_normal;
using xpb::test::grad_check;
using Exec = Kokkos::DefaultExecutionSpace;
using M = nn::Matrix<double>;
using V = nn::Vec<double>;

namespace {

constexpr double kTol = 1e-6;

// The views live in the default memory space (a GPU's on a device build: the device check runs
// these tests there); the host fills, perturbs and reads them through mirrors.
template <class View>
auto on_host(const View& v) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
}

// Σ y ⊙ r: a scalar loss whose gradient with respect to y is r.
double dot(const M& y, const M& r) {
  const auto hy = on_host(y), hr = on_host(r);
  double s = 0;
  for (std::size_t i = 0; i < hy.span(); ++i) s += hy.data()[i] * hr.data()[i];
  return s;
}

template <class View>
void fill_view(const View& v, std::uint64_t stream, double scale = 1.0) {
  auto h = Kokkos::create_mirror_view(v);
  fill_normal(h.data(), std::int64_t(h.span()), stream, scale);
  Kokkos::deep_copy(v, h);
}

M normal_matrix(const char* name, int rows, int cols, std::uint64_t stream, double scale = 1.0) {
  M m(std::string(name), rows, cols);
  fill_view(m, stream, scale);
  return m;
}

// grad_check on a view: the elements are perturbed in a host copy, which each loss evaluation
// copies to the view first; the analytic gradient is read from a host copy of `grad`, minus
// `offset` (for gradients added into a buffer that held it).
template <class View, class GView>
xpb::test::GradCheck grad_check_view(const View& x, const std::function<double()>& loss, const GView& grad,
                                     int count = 20, double offset = 0.0,
                                     const std::function<bool(double)>& skip_value = {}) {
  auto hx = Kokkos::create_mirror_view(x);
  Kokkos::deep_copy(hx, x);
  const auto hg = on_host(grad);
  const auto n = std::int64_t(hx.span());
  std::function<bool(std::int64_t)> skip;
  if (skip_value) skip = [&](std::int64_t i) { return skip_value(hx.data()[i]); };
  const auto r = grad_check(
      hx.data(), n,
      [&] {
        Kokkos::deep_copy(x, hx);
        return loss();
      },
      [&](std::int64_t i) { return hg.data()[i] - offset; }, count, 7, 1e-6, 1e-3, skip);
  Kokkos::deep_copy(x, hx);
  return r;
}

}  // namespace

TEST_CASE("nn linear: backward matches finite differences on both GEMM paths", "[nn][linear]") {
  for (const auto path : {nn::GemmPath::native, nn::GemmPath::vendor}) {
    const int N = 6, IC = 5, OC = 7;
    M x = normal_matrix("x", N, IC, 1), w = normal_matrix("w", OC, IC, 2), r = normal_matrix("r", N, OC, 3);
    V b("b", OC);
    fill_view(b, 4);
    M y("y", N, OC), dx("dx", N, IC), dw("dw", OC, IC);
    V db("db", OC);
    Exec exec;
    auto loss = [&] {
      nn::linear_forward(exec, "t/lin", path, y, x, w, b);
      return dot(y, r);
    };
    loss();
    nn::linear_backward(exec, "t/lin", path, dx, dw, db, r, x, w);
    Kokkos::fence();
    CHECK(grad_check_view(x, loss, dx).worst < kTol);
    CHECK(grad_check_view(w, loss, dw).worst < kTol);
    CHECK(grad_check_view(b, loss, db).worst < kTol);
  }
}

// The bias gradient is each column's rows summed in ascending order, bit for bit, whatever the
// column blocks (64 wide on the host, 16 on a device): widths with whole blocks, a ragged last
// block, and fewer columns than one block.
TEST_CASE("nn linear: the bias gradient is each column's ascending row sum, bit for bit", "[nn][linear]") {
  const int N = 37, IC = 3;
  for (const int OC : {5, 64, 85, 128, 200}) {
    CAPTURE(OC);
    M x = normal_matrix("x", N, IC, 1), w = normal_matrix("w", OC, IC, 2), r = normal_matrix("r", N, OC, 3);
    M dx("dx", N, IC), dw("dw", OC, IC);
    V db("db", OC);
    nn::linear_backward(Exec(), "t/lin", nn::GemmPath::native, dx, dw, db, r, x, w);
    Kokkos::fence();
    const auto hr = on_host(r);
    const auto hdb = on_host(db);
    int differ = 0;
    for (int o = 0; o < OC; ++o) {
      double sum = 0;
      for (int n = 0; n < N; ++n) sum += hr(n, o);
      differ += std::memcmp(&sum, &hdb(o), sizeof(double)) != 0;
    }
    CHECK(differ == 0);
  }
}

TEST_CASE("nn layernorm: backward matches finite differences and adds into dx", "[nn][layernorm]") {
  const int N = 5, C = 8;
  M x = normal_matrix("x", N, C, 1), r = normal_matrix("r", N, C, 2), y("y", N, C), dx("dx", N, C);
  V w("w", C), b("b", C), dw("dw", C), db("db", C), mean("mean", N), rstd("rstd", N);
  fill_view(w, 3);
  fill_view(b, 4);
  Exec exec;
  auto loss = [&] {
    nn::layernorm_forward(exec, "t/ln", y, mean, rstd, x, w, b);
    return dot(y, r);
  };
  loss();
  Kokkos::deep_copy(dx, 0.5);  // backward adds: the result must be 0.5 + gradient
  nn::layernorm_backward(exec, "t/ln", dx, dw, db, r, x, w, mean, rstd);
  Kokkos::fence();
  CHECK(grad_check_view(x, loss, dx, 20, 0.5).worst < kTol);
  CHECK(grad_check_view(w, loss, dw).worst < kTol);
  CHECK(grad_check_view(b, loss, db).worst < kTol);
}

TEST_CASE("nn gelu and relu: backward matches finite differences", "[nn][gelu][relu]") {
  const int N = 4, C = 9;
  M x = normal_matrix("x", N, C, 1, 2.0), r = normal_matrix("r", N, C, 2), y("y", N, C), dx("dx", N, C);
  Exec exec;
  auto gelu = [&] {
    nn::gelu_forward(exec, "t/gelu", y, x);
    return dot(y, r);
  };
  gelu();
  nn::gelu_backward(exec, "t/gelu", dx, x, r);
  Kokkos::fence();
  CHECK(grad_check_view(x, gelu, dx, 36).worst < kTol);
  auto relu = [&] {
    nn::relu_forward(exec, "t/relu", y, x);
    return dot(y, r);
  };
  relu();
  nn::relu_backward(exec, "t/relu", dx, x, r);
  Kokkos::fence();
  auto near_kink = [](double xi) { return std::fabs(xi) < 1e-4; };
  CHECK(grad_check_view(x, relu, dx, 36, 0.0, near_kink).worst < kTol);
}

TEST_CASE("nn attention: causal and bidirectional backward match finite differences", "[nn][attention]") {
  for (const bool causal : {true, false}) {
    const nn::AttentionShape s{2, 4, 2, 6, causal};
    const int N = s.B * s.T;
    M qkv = normal_matrix("qkv", N, 3 * s.C, 1), r = normal_matrix("r", N, s.C, 2);
    M out("out", N, s.C), dqkv("dqkv", N, 3 * s.C);
    nn::Tensor4<double> att("att", s.B, s.H, s.T, s.T), ds("ds", s.B, s.H, s.T, s.T);
    Exec exec;
    auto loss = [&] {
      nn::attention_forward(exec, "t/attn", s, out, att, qkv);
      return dot(out, r);
    };
    loss();
    nn::attention_backward(exec, "t/attn", s, dqkv, ds, r, qkv, att);
    Kokkos::fence();
    CHECK(grad_check_view(qkv, loss, dqkv, 144).worst < kTol);
    if (causal) {  // row t must not see t2 > t
      auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), att);
      CHECK(h(1, 1, 0, 3) == 0.0);
      CHECK(h(1, 1, 3, 0) > 0.0);
    }
  }
}

TEST_CASE("nn cross-entropy: backward matches finite differences; negative targets are ignored",
          "[nn][cross_entropy]") {
  const int N = 5, Vv = 7;
  M logits = normal_matrix("logits", N, Vv, 1, 2.0), probs("probs", N, Vv), dl("dl", N, Vv);
  V losses("losses", N);
  nn::Tokens y("y", N);
  const int ty[N] = {3, 0, -1, 6, 2};
  {
    auto hy = Kokkos::create_mirror_view(y);
    for (int n = 0; n < N; ++n) hy(n) = ty[n];
    Kokkos::deep_copy(y, hy);
  }
  Exec exec;
  int valid = 0;
  auto loss = [&] {
    nn::cross_entropy_forward(exec, "t/ce", losses, probs, logits, y);
    return nn::cross_entropy_mean(exec, "t/ce", losses, y, &valid);
  };
  const double l0 = loss();
  CHECK(valid == 4);
  CHECK(std::isfinite(l0));
  nn::cross_entropy_backward(exec, "t/ce", dl, probs, y, 1.0 / valid);
  Kokkos::fence();
  CHECK(grad_check_view(logits, loss, dl, 35).worst < kTol);
  const auto hdl = on_host(dl);
  for (int v = 0; v < Vv; ++v) CHECK(hdl(2, v) == 0.0);
}

TEST_CASE("nn embedding: backward gathers in a fixed order and matches finite differences",
          "[nn][embedding]") {
  const int Vv = 5, C = 4, T = 3, B = 2, N = B * T;
  M wte = normal_matrix("wte", Vv, C, 1), wpe = normal_matrix("wpe", T, C, 2),
    r = normal_matrix("r", N, C, 3);
  M out("out", N, C), dwte("dwte", Vv, C), dwpe("dwpe", T, C);
  nn::Tokens tok("tok", N);
  const int tt[N] = {1, 4, 1, 0, 1, 4};  // repeated tokens: the gather must sum them
  {
    auto ht = Kokkos::create_mirror_view(tok);
    for (int n = 0; n < N; ++n) ht(n) = tt[n];
    Kokkos::deep_copy(tok, ht);
  }
  Exec exec;
  auto loss = [&] {
    nn::embedding_forward(exec, "t/emb", out, tok, wte, wpe, T);
    return dot(out, r);
  };
  loss();
  nn::embedding_backward(exec, "t/emb", dwte, dwpe, r, tok, T);
  Kokkos::fence();
  CHECK(grad_check_view(wte, loss, dwte).worst < kTol);
  CHECK(grad_check_view(wpe, loss, dwpe).worst < kTol);
}

TEST_CASE("nn embedding: the host's column walk gives the vocabulary scan's bits", "[nn][embedding]") {
  // float, so that the order of the additions shows in the bits; C = 40 spans three column blocks
  // (the last ragged), 300 rows over 17 tokens repeat each about 18 times, token -1 and 17 (out of
  // range) are skipped by both, and dwte starts non-zero (the tied head writes it first).
  using F = nn::Matrix<float>;
  const int Vv = 17, C = 40, N = 300;
  F dout("dout", N, C), a("a", Vv, C), b("b", Vv, C);
  nn::Tokens tok("tok", N);
  {
    auto hd = Kokkos::create_mirror_view(dout);
    auto ha = Kokkos::create_mirror_view(a);
    auto ht = Kokkos::create_mirror_view(tok);
    for (int n = 0; n < N; ++n) {
      ht(n) = n == 7 ? -1 : (n == 8 ? Vv : int((n * 7919u) % Vv));
      for (int c = 0; c < C; ++c) hd(n, c) = float(std::sin(0.37 * n + 1.3 * c)) * float(1 + n % 5);
    }
    for (int v = 0; v < Vv; ++v)
      for (int c = 0; c < C; ++c) ha(v, c) = float(std::cos(v + 0.1 * c));
    Kokkos::deep_copy(dout, hd);
    Kokkos::deep_copy(tok, ht);
    Kokkos::deep_copy(a, ha);
    Kokkos::deep_copy(b, ha);
  }
  Exec exec;
  nn::detail::embed_bwd_tokens_columns(exec, "t/cols", a, dout, tok);
  nn::detail::embed_bwd_tokens_scan(exec, "t/scan", b, dout, tok);
  Kokkos::fence();
  auto ha = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), a);
  auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), b);
  int same = 0;
  for (int v = 0; v < Vv; ++v)
    for (int c = 0; c < C; ++c) same += std::memcmp(&ha(v, c), &hb(v, c), sizeof(float)) == 0;
  CHECK(same == Vv * C);
}

TEST_CASE("nn adamw: matches a scalar replay, decays only the prefix", "[nn][adamw]") {
  // Three host spans of 4,096 elements, the last one ragged, the decayed prefix ending inside the
  // second: an element skipped or decayed by the wrong span shows up.
  const int P = 2 * 4096 + 7, n_decay = 4100;
  V p("p", P), g("g", P), m("m", P), v("v", P);
  auto hp = Kokkos::create_mirror_view(p), hg = Kokkos::create_mirror_view(g);
  std::vector<double> rp(P), rm(P, 0.0), rv(P, 0.0);
  for (int i = 0; i < P; ++i) rp[i] = hp(i) = 0.1 * (i % 7 + 1);
  Kokkos::deep_copy(p, hp);
  nn::AdamWConfig cfg;
  cfg.lr = 0.01;
  cfg.weight_decay = 0.1;
  const double scale = 0.5;
  for (int step = 1; step <= 3; ++step) {
    for (int i = 0; i < P; ++i) hg(i) = std::sin(double(i + step));
    Kokkos::deep_copy(g, hg);
    nn::adamw_update(Exec(), "t/adamw", p, g, m, v, n_decay, cfg, step, scale);
    Kokkos::fence();
    for (int i = 0; i < P; ++i) {
      const double gi = std::sin(double(i + step)) * scale;
      rm[i] = 0.9 * rm[i] + 0.1 * gi;
      rv[i] = 0.99 * rv[i] + 0.01 * gi * gi;
      if (i < n_decay) rp[i] *= 1 - cfg.lr * cfg.weight_decay;
      rp[i] -=
          cfg.lr / (1 - std::pow(0.9, step)) * rm[i] / (std::sqrt(rv[i] / (1 - std::pow(0.99, step))) + 1e-8);
    }
  }
  double worst = 0;
  Kokkos::deep_copy(hp, p);
  for (int i = 0; i < P; ++i) worst = std::max(worst, std::fabs(hp(i) - rp[i]));
  CHECK(worst < 1e-14);
}

TEST_CASE("nn grad clip: global norm and PyTorch's clip factor", "[nn][grad_clip]") {
  V g("g", 10000);
  {
    auto hg = Kokkos::create_mirror_view(g);
    for (int i = 0; i < 10000; ++i) hg(i) = (i % 2 ? 3.0 : 4.0) / 100.0;
    Kokkos::deep_copy(g, hg);
  }
  const double norm = nn::grad_norm(Exec(), "t/norm", g);
  CHECK(std::fabs(norm - 5.0 / 100.0 * 100.0 / std::sqrt(2.0)) < 1e-12);
  CHECK(nn::clip_factor(0.5, 1.0) == 1.0);
  CHECK(std::fabs(nn::clip_factor(4.0, 1.0) - 1.0 / (4.0 + 1e-6)) < 1e-15);
  CHECK(nn::clip_factor(4.0, 0.0) == 1.0);
}

// The order ordered_sum promises, written out in plain C++ from its description (blocks of
// kReduceBlock; lane l sums the block's terms l, l + L, ... ascending; lanes folded pairwise,
// p[l] += p[l + s] for s = L/2 .. 1; blocks added in order).
namespace {
double ordered_sum_reference(const std::vector<double>& t) {
  const std::int64_t n = std::int64_t(t.size()), B = nn::kReduceBlock, L = nn::kReduceLanes;
  double total = 0;
  for (std::int64_t lo = 0; lo < n; lo += B) {
    std::vector<double> p(L, 0.0);
    for (std::int64_t i = lo; i < std::min(n, lo + B); ++i) p[(i - lo) % L] += t[i];
    for (std::int64_t s = L / 2; s >= 1; s /= 2)
      for (std::int64_t l = 0; l < s; ++l) p[l] += p[l + s];
    total += p[0];
  }
  return total;
}
}  // namespace

TEST_CASE("nn ordered_sum: the documented order, in both forms, on any team size and backend",
          "[nn][reduce][determinism]") {
  // Terms of mixed sign and magnitude, so that a different order changes the bits (checked below
  // against a plain ascending sum, which rounds differently).
  for (const std::int64_t n : {std::int64_t(1), std::int64_t(31), std::int64_t(4096), std::int64_t(100003)}) {
    CAPTURE(n);
    nn::Vec<double> x("x", n);
    auto hx = Kokkos::create_mirror_view(x);
    std::vector<double> t(std::size_t(n), 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
      hx(i) = std::sin(0.37 * double(i)) * std::pow(10.0, double(i % 7) - 3.0);
      t[std::size_t(i)] = hx(i) * hx(i) * (i % 3 ? 1.0 : -1.0);
    }
    Kokkos::deep_copy(x, hx);
    auto term = KOKKOS_LAMBDA(const std::int64_t i) { return x(i) * x(i) * (i % 3 ? 1.0 : -1.0); };
    const double want = ordered_sum_reference(t);
    CHECK(nn::ordered_sum(Exec(), "t/sum", n, term) == want);
    Kokkos::View<double*> part("part", nn::ordered_sum_blocks(n) + 5);  // a longer, reused buffer
    CHECK(nn::detail::ordered_sum_host(Exec(), "t/sum", n, term, part) == want);
    // The device form (one team per block, lanes over the team's threads) run on the host.
    const int max_team = Kokkos::TeamPolicy<Exec>(1, 1).team_size_max(
        KOKKOS_LAMBDA(const Kokkos::TeamPolicy<Exec>::member_type&){}, Kokkos::ParallelForTag());
    for (int ts = 1; ts <= std::min(max_team, 4); ts *= 2) {
      CAPTURE(ts);
      CHECK(nn::detail::ordered_sum_team(Exec(), "t/sum", n, term, part, ts) == want);
    }
#if defined(KOKKOS_ENABLE_SERIAL)
    if (Kokkos::SpaceAccessibility<Kokkos::Serial, Exec::memory_space>::accessible) {
      CHECK(nn::ordered_sum(Kokkos::Serial(), "t/sum", n, term) == want);
    }
#endif
    if (n == 100003) {
      double plain = 0;
      for (double v : t) plain += v;
      CHECK(plain != want);  // the terms are order-sensitive: the checks above can tell orders apart
    }
  }
}

TEST_CASE("nn ledgers: label names and GEMM FLOPs", "[nn][ledger]") {
  // Native: the bias (and ReLU) in the GEMM's epilogue, one entry; bf16 is 2 bytes an element.
  const Ledger f =
      nn::linear_forward_cost("gpt/qkv", DType::bf16, 1024, 128, 384, true, nn::GemmPath::native);
  REQUIRE(f.size() == 1);
  CHECK(f[0].name == "gpt/qkv_fwd");
  CHECK(f[0].kind == OpKind::gemm);
  CHECK(f[0].flops == 2.0 * 1024 * 128 * 384 + 1024 * 384);
  CHECK(f[0].bytes == 2.0 * (1024 * 128 + 128 * 384 + 1024 * 384 + 384));
  const Ledger fr =
      nn::linear_forward_cost("mlp/fc1", DType::fp32, 64, 32, 16, true, nn::GemmPath::native, true);
  REQUIRE(fr.size() == 1);
  CHECK(fr[0].flops == 2.0 * 64 * 32 * 16 + 2.0 * 64 * 16);
  // Vendor: the library's GEMM, then the epilogue kernel reading and writing C and the bias.
  const Ledger fv =
      nn::linear_forward_cost("gpt/qkv", DType::bf16, 1024, 128, 384, true, nn::GemmPath::vendor);
  REQUIRE(fv.size() == 2);
  CHECK(fv[0].flops == 2.0 * 1024 * 128 * 384);
  CHECK(fv[0].bytes == 2.0 * (1024 * 128 + 128 * 384 + 1024 * 384));
  CHECK(fv[1].name == "gpt/qkv_fwd_epilogue");
  CHECK(fv[1].kind == OpKind::vector);
  CHECK(fv[1].flops == 1024.0 * 384);
  CHECK(fv[1].bytes == 2.0 * (2 * 1024 * 384 + 384));
  const Ledger b =
      nn::linear_backward_cost("gpt/qkv", DType::bf16, 1024, 128, 384, true, true, nn::GemmPath::native);
  CHECK(b.size() == 3);
  // The data gradient through the input's ReLU: the gate (N, IC) read, one operation an element.
  const Ledger bg =
      nn::linear_backward_cost("mlp/fc2", DType::fp32, 64, 16, 10, true, true, nn::GemmPath::native, true);
  REQUIRE(bg.size() == 3);
  CHECK(bg[0].name == "mlp/fc2_bwd_data");
  CHECK(bg[0].flops == 2.0 * 64 * 16 * 10 + 64 * 16);
  CHECK(bg[0].bytes == 4.0 * (64 * 10 + 10 * 16 + 64 * 16 + 64 * 16));
  const Ledger bv =
      nn::linear_backward_cost("mlp/fc2", DType::fp32, 64, 16, 10, true, true, nn::GemmPath::vendor, true);
  REQUIRE(bv.size() == 4);
  CHECK(bv[1].name == "mlp/fc2_bwd_data_epilogue");
  CHECK(bv[1].bytes == 4.0 * 3 * 64 * 16);
  const Ledger a = nn::attention_forward_cost("gpt/attn", DType::bf16, {2, 8, 2, 16, true});
  CHECK(a[0].name == "gpt/attn_softmax_fwd");
}
