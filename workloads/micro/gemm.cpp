// workloads/micro/gemm.cpp — the `gemm` micro-benchmark: C (M, N) = A (M, K) · B (K, N).
// Native Kokkos kernel or vendor BLAS (nn::gemm), fp32 or fp64, at a given size or at the GEMM
// shapes of a transformer layer derived from model dimensions (small M = few tokens, as in
// decoding). Validation recomputes sampled elements: bit for bit for `native`, within a rounding
// bound for `vendor`. It does not time itself beyond a per-step GFLOP/s for the metrics.
#include "workloads/nn/gemm.hpp"

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/plugin/registry.hpp"
#include "workloads/micro/common.hpp"
#include "workloads/micro/micro.hpp"

namespace xpb::micro {
namespace {

// The parameters, each declared once and read typed.
struct GemmParams : TypeParams {
  std::int64_t m = 0, n = 0, k = 0;
  std::string shape, path;
  std::int64_t d_model = 0, tokens = 0, ffn = 0, vocab = 0;
};

const ParamStruct<GemmParams>& gemm_params() {
  using P = GemmParams;
  static const auto s =
      ParamStruct<P>()
          .integer("m", &P::m, 1024, 1, 1 << 20, "rows of A and C (shape=custom)")
          .integer("n", &P::n, 1024, 1, 1 << 20, "columns of B and C (shape=custom)")
          .integer("k", &P::k, 1024, 1, 1 << 20, "inner dimension (shape=custom)")
          .choice("shape", &P::shape, "custom",
                  {"custom", "qkv", "attn_out", "mlp_up", "mlp_down", "lm_head"},
                  "custom (m, n, k) or a transformer GEMM from d_model, tokens, ffn, vocab")
          .integer("d_model", &P::d_model, 4096, 1, 1 << 17, "model width d (transformer shapes)")
          .integer("tokens", &P::tokens, 4096, 1, 1 << 22, "tokens per micro-batch = M (transformer shapes)")
          .integer("ffn", &P::ffn, 0, 0, 1 << 19, "MLP width (0: 4·d_model)")
          .integer("vocab", &P::vocab, 50304, 1, 1 << 20, "vocabulary size (lm_head)")
          .choice("dtype", &P::dtype, "fp32", dispatch_dtypes(), "compute type on this host")
          .choice("path", &P::path, "native", {"native", "vendor"}, "native Kokkos kernel or vendor BLAS")
          .choice("precision", &P::precision, "auto", precision_choices(),
                  "dtype charged in the ledger (auto: the compute dtype)");
  return s;
}

struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0;
};

// The (M, N, K) of one GEMM of a transformer layer: M = tokens in the micro-batch.
GemmShape shape_from(const GemmParams& q) {
  const std::string& s = q.shape;
  if (s == "custom") return {q.m, q.n, q.k};
  const std::int64_t d = q.d_model, t = q.tokens;
  const std::int64_t f = q.ffn > 0 ? q.ffn : 4 * d;
  if (s == "qkv") return {t, 3 * d, d};
  if (s == "attn_out") return {t, d, d};
  if (s == "mlp_up") return {t, f, d};
  if (s == "mlp_down") return {t, d, f};
  if (s == "lm_head") return {t, q.vocab, d};
  throw Error({{}, 0, "params.shape"}, "unknown gemm shape '" + s + "'");
}

template <class T>
class GemmBench final : public Workload {
 public:
  void setup(const Params& p, Context& ctx) override {
    const GemmParams q = gemm_params().read(p);
    m_shape = shape_from(q);
    m_path = nn::parse_gemm_path(q.path);
    m_label = m_path == nn::GemmPath::native ? "gemm/native" : "gemm/vendor";
    m_dtype = ledger_dtype(q, sizeof(T));
    const double elems =
        double(m_shape.m) * m_shape.k + double(m_shape.k) * m_shape.n + double(m_shape.m) * m_shape.n;
    ctx.require_memory(elems * sizeof(T), "m", "the gemm operands");
    if (std::max({m_shape.m, m_shape.n, m_shape.k}) > std::numeric_limits<int>::max())
      throw Error({{}, 0, "m"}, "gemm dimensions must fit in a 32-bit int");
    m_a = nn::Matrix<T>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "gemm/a"), m_shape.m,
                        m_shape.k);  // (M, K)
    m_b = nn::Matrix<T>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "gemm/b"), m_shape.k,
                        m_shape.n);                       // (K, N)
    m_c = nn::Matrix<T>("gemm/c", m_shape.m, m_shape.n);  // (M, N)
    fill_normal("gemm/init", m_a, ctx.rng("gemm/a"), 1.0);
    fill_normal("gemm/init", m_b, ctx.rng("gemm/b"), 1.0);
    m_check_rng = ctx.rng("gemm/check");
  }

  StepResult step(Context&) override {
    Kokkos::Timer timer;
    nn::gemm(m_label.c_str(), m_path, false, false, T(1), m_a, m_b, T(0), m_c);
    Kokkos::fence();
    const double t = timer.seconds();
    m_seconds.push_back(t);
    ++m_steps;
    StepResult r;
    r.value("gflops", 2.0 * m_shape.m * m_shape.n * m_shape.k / t / 1e9);
    return r;
  }

  Ledger ledger() const override { return ledger_in(m_dtype); }
  Ledger ledger_as_run() const override {
    return m_dtype == compute_dtype(sizeof(T)) ? Ledger{} : ledger_in(compute_dtype(sizeof(T)));
  }
  Ledger ledger_in(DType dtype) const {
    return {nn::gemm_cost(m_label, dtype, double(m_shape.m), double(m_shape.n), double(m_shape.k), false)};
  }

  Validation validate(Context&) override {
    if (m_steps == 0) return Validation::fail("no step ran, nothing to check");
    auto a = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_a);  // (M, K)
    auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_b);  // (K, N)
    auto c = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_c);  // (M, N)
    const std::int64_t M = m_shape.m, N = m_shape.n, K = m_shape.k;
    const int samples = 64;
    const double eps = std::numeric_limits<T>::epsilon();
    const double tol = 2.0 * double(K) * eps;  // γ_K bound relative to Σ|a·b|
    double worst = 0;
    for (int s = 0; s < samples; ++s) {
      // Corners first (edge tiles), then random elements.
      const std::int64_t i = s < 4 ? (s & 1 ? M - 1 : 0) : std::int64_t(m_check_rng.below(2 * s, M));
      const std::int64_t j = s < 4 ? (s & 2 ? N - 1 : 0) : std::int64_t(m_check_rng.below(2 * s + 1, N));
      if (m_path == nn::GemmPath::native) {
        T chain = 0;  // the ordering guarantee: one fma chain, k ascending
        for (std::int64_t k = 0; k < K; ++k) chain = std::fma(a(i, k), b(k, j), chain);
        if (!(chain == c(i, j)))
          return Validation::fail("native GEMM element (" + std::to_string(i) + ", " + std::to_string(j) +
                                      ") is not the ascending fma chain",
                                  rel_err(c(i, j), chain, 1e-30), 0);
      } else {
        double ref = 0, mag = 0;
        for (std::int64_t k = 0; k < K; ++k) {
          ref += double(a(i, k)) * double(b(k, j));
          mag += std::fabs(double(a(i, k)) * double(b(k, j)));
        }
        worst = std::max(worst, std::fabs(double(c(i, j)) - ref) / std::max(mag, 1e-300));
      }
    }
    if (m_path == nn::GemmPath::native)
      return Validation::ok("64 sampled elements equal the ascending fma chain bit for bit", 0, 0);
    if (worst > tol)
      return Validation::fail("vendor GEMM differs from the reference beyond the rounding bound", worst, tol);
    return Validation::ok("64 sampled elements within the rounding bound of a double reference", worst, tol);
  }

  Metrics finish(Context&) override {
    Metrics m;
    const double t = median(m_seconds);
    if (t > 0) m.scalar("gflops", 2.0 * m_shape.m * m_shape.n * m_shape.k / t / 1e9);
    m.attribute("kernel",
                m_path == nn::GemmPath::native ? nn::native_gemm_kernel() : nn::vendor_gemm_library());
#if defined(__linux__)
    // A pthread BLAS's workers inherit the main thread's affinity: with OMP_PROC_BIND set that
    // can be a single core, which halves the vendor path on two. Record what it could use.
    if (m_path == nn::GemmPath::vendor) {
      cpu_set_t mask;
      if (sched_getaffinity(0, sizeof(mask), &mask) == 0)
        m.attribute("vendor_affinity_cpus", std::to_string(CPU_COUNT(&mask)));
    }
#endif
    m.attribute("shape", "M=" + std::to_string(m_shape.m) + " N=" + std::to_string(m_shape.n) +
                             " K=" + std::to_string(m_shape.k));
    return m;
  }

 private:
  GemmShape m_shape;
  nn::GemmPath m_path = nn::GemmPath::native;
  std::string m_label;
  DType m_dtype = DType::fp32;
  nn::Matrix<T> m_a, m_b, m_c;  // (M, K), (K, N), (M, N)
  Rng m_check_rng;
  std::vector<double> m_seconds;
  std::int64_t m_steps = 0;
};

}  // namespace

void register_micro_gemm(Registry& r) {
  WorkloadInfo info;
  info.name = "gemm";
  info.summary = "dense matrix multiply, native Kokkos kernel or vendor BLAS";
  info.kind = WorkloadKind::benchmark;
  info.doc =
      "C (M, N) = A (M, K) · B (K, N), row-major, alpha 1, beta 0. path=native runs the Kokkos "
      "kernel (team tiles packed in scratch, register-blocked micro-kernel picked at run time: "
      "AVX-512, AVX2 or scalar; every element is one ascending fma chain, so results are "
      "bit-identical for any thread count and backend); path=vendor calls CBLAS (cuBLAS with "
      "CUDA). shape=custom uses m, n, k; the other shapes are the GEMMs of a transformer layer "
      "with M = tokens: qkv (3d, d), attn_out (d, d), mlp_up (ffn, d), mlp_down (d, ffn), "
      "lm_head (vocab, d) as (N, K). `precision` is the dtype the ledger charges (the host "
      "computes in `dtype`).";
  info.params = gemm_params().schema();
  // Per step: this step's rate; at the end: the median over steps.
  info.metrics = {
      {"gflops", "GFLOP/s", MetricKind::rate, "median over steps of 2·M·N·K / step time (self-timed)", true}};
  // `xpubench calibrate`: fp64/fp32 ceilings over square sizes, both paths; the efficiency table
  // from the first (native).
  info.capabilities.push_back(CapabilitySpec(Capability::matmul_peak)
                                  .size({"m", "n", "k"})
                                  .dtype("dtype", {DType::fp64, DType::fp32})
                                  .variant("path", {"native", "vendor"})
                                  .set("shape", "custom"));
  r.add(std::move(info), [] { return std::make_unique<DTypeDispatch<GemmBench>>(); });
}

}  // namespace xpb::micro
