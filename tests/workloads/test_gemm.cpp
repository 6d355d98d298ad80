// tests/workloads/test_gemm.cpp — the GEMM paths (nn/gemm) and the `gemm` micro-benchmark.
// The native kernel must equal the ascending fma chain bit for bit on every ISA, execution space
// and thread count; the vendor path must agree within rounding; the workload must validate.
#include <sys/mman.h>
#include <unistd.h>
#include <Kokkos_Core.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "tests/workloads/micro_harness.hpp"
#include "workloads/nn/gemm.hpp"
#include "workloads/nn/gemm_microkernel.hpp"

using namespace xpb;
using xpb::nn::GemmIsa;

namespace {

template <class T>
struct Problem {
  int M, N, K;
  bool ta, tb;
  T alpha, beta;
  std::vector<T> A, B, C0;  // op(A) (M, K), op(B) (K, N) stored as given by ta/tb; C0 (M, N)
};

template <class T>
Problem<T> make_problem(int M, int N, int K, bool ta, bool tb, T alpha, T beta, std::uint64_t seed) {
  Problem<T> p{M, N, K, ta, tb, alpha, beta, {}, {}, {}};
  const Rng rng(seed, 1);
  p.A.resize(std::size_t(M) * K);
  p.B.resize(std::size_t(K) * N);
  p.C0.resize(std::size_t(M) * N);
  std::uint64_t i = 0;
  for (auto& x : p.A) x = T(rng.normal(i++));
  for (auto& x : p.B) x = T(rng.normal(i++));
  for (auto& x : p.C0) x = T(rng.normal(i++));
  return p;
}

// The definition of the ordering guarantee: one fma chain per element, k ascending, then the
// epilogue C = beta == 0 ? alpha·acc : fma(beta, C, alpha·acc).
template <class T>
std::vector<T> reference(const Problem<T>& p) {
  std::vector<T> C = p.C0;
  const int lda = p.ta ? p.M : p.K, ldb = p.tb ? p.K : p.N;
  for (int i = 0; i < p.M; ++i)
    for (int j = 0; j < p.N; ++j) {
      T acc = 0;
      for (int k = 0; k < p.K; ++k) {
        const T a = p.ta ? p.A[std::size_t(k) * lda + i] : p.A[std::size_t(i) * lda + k];
        const T b = p.tb ? p.B[std::size_t(j) * ldb + k] : p.B[std::size_t(k) * ldb + j];
        acc = std::fma(a, b, acc);
      }
      T& c = C[std::size_t(i) * p.N + j];
      c = p.beta == T(0) ? p.alpha * acc : std::fma(p.beta, c, p.alpha * acc);
    }
  return C;
}

template <class Space, class T>
std::vector<T> run_native(const Problem<T>& p, GemmIsa isa, const nn::GemmEpilogue<T>& ep = {}) {
  std::vector<T> C = p.C0;
  const int lda = p.ta ? p.M : p.K, ldb = p.tb ? p.K : p.N;
  nn::detail::gemm_native_host<Space, T>(Space(), "test/gemm", isa, p.ta, p.tb, p.M, p.N, p.K, p.alpha,
                                         p.A.data(), lda, p.B.data(), ldb, p.beta, C.data(), p.N, ep);
  Kokkos::fence();
  return C;
}

// An epilogue's operands on the host: bias (N), residual (M, N + 5) and gate (M, N + 3: row
// strides of their own), and which of the four steps run.
template <class T>
struct EpilogueCase {
  bool bias, residual, relu, gate;
  std::vector<T> b, r, g;
  int ldr, ldg;
  EpilogueCase(const Problem<T>& p, bool bias_, bool residual_, bool relu_, bool gate_)
      : bias(bias_), residual(residual_), relu(relu_), gate(gate_), ldr(p.N + 5), ldg(p.N + 3) {
    const Rng rng(77, 5);
    b.resize(std::size_t(p.N));
    r.resize(std::size_t(p.M) * ldr);
    g.resize(std::size_t(p.M) * ldg);
    std::uint64_t i = 0;
    for (auto& x : b) x = T(rng.normal(i++));
    for (auto& x : r) x = T(rng.normal(i++));
    // A ReLU's output has exact zeros, which must close the gate: every third value 0, the rest
    // of either sign (two thirds of the gate closed).
    for (auto& x : g) {
      x = i % 3 == 0 ? T(0) : T(rng.normal(i));
      ++i;
    }
  }
  nn::GemmEpilogue<T> on_host() const {
    nn::GemmEpilogue<T> ep;
    ep.bias = bias ? b.data() : nullptr;
    ep.residual = residual ? r.data() : nullptr;
    ep.ld_residual = ldr;
    ep.relu = relu;
    ep.gate = gate ? g.data() : nullptr;
    ep.ld_gate = ldg;
    return ep;
  }
  // The separate kernels' operations on a finished C, in their order: y += b; y = x + y (the
  // residual kernel's a + b, with the residual first); y = y > 0 ? y : 0; dx = gate > 0 ? dy : 0.
  std::vector<T> apply(std::vector<T> C, int M, int N) const {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        T& v = C[std::size_t(i) * N + j];
        if (bias) v += b[std::size_t(j)];
        if (residual) v = r[std::size_t(i) * ldr + j] + v;
        if (relu) v = v > T(0) ? v : T(0);
        if (gate) v = g[std::size_t(i) * ldg + j] > T(0) ? v : T(0);
      }
    return C;
  }
};

template <class T>
bool bit_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

std::vector<GemmIsa> isas_here() {
  std::vector<GemmIsa> v = {GemmIsa::scalar};
  if (nn::detail::host_isa_supported(GemmIsa::avx2)) v.push_back(GemmIsa::avx2);
  if (nn::detail::host_isa_supported(GemmIsa::avx512)) v.push_back(GemmIsa::avx512);
  return v;
}

struct Shape {
  int M, N, K;
  bool ta, tb;
  double alpha, beta;
};
// Edge tiles in every dimension, K across several KC blocks, transposes, alpha/beta, K = 0, and
// small M (B read in place instead of packed: up to two micro-rows, or up to one packed A block
// of 192 rows with AVX-512, so 150 and 192 rows read it in place there and 200 packs it; there,
// a last panel of at most 4 live rows runs on the 4-row tail kernel: M = 1, 13, 16, 64), and
// alpha = 1, beta = 0 on tiles of whole micro-tiles, whose sums stay in C (96 × 64, 48 × 640), and
// few rows with B packed (transposed), which splits the columns one tile per thread on 2 or more
// threads (50 × 41, 128 × 128 as the MLP's first layer with K over three KC blocks, 100 × 200).
const Shape kShapes[] = {{128, 128, 600, false, true, 1, 0},  {100, 200, 300, true, true, 1, 0.5},
                         {1, 1, 1, false, false, 1, 0},       {13, 37, 300, false, false, 1, 0},
                         {200, 70, 513, false, false, 1, 0},  {33, 290, 129, true, false, 0.5, 0},
                         {50, 41, 260, false, true, 1, 0.25}, {29, 31, 270, true, true, -2, 1},
                         {7, 5, 0, false, false, 1, 0.5},     {20, 100, 300, false, false, 1, 0.5},
                         {5, 64, 600, false, false, 1, 0},    {150, 1100, 530, false, false, 1, 0.5},
                         {192, 520, 257, true, false, 2, 0},  {16, 200, 530, false, false, 1, 0},
                         {64, 96, 270, true, false, 1, 0.5},  {96, 64, 300, false, false, 1, 0},
                         {48, 640, 600, true, false, 1, 0}};

template <class T>
void check_all_isas() {
  for (const Shape& s : kShapes) {
    const auto p = make_problem<T>(s.M, s.N, s.K, s.ta, s.tb, T(s.alpha), T(s.beta), 11);
    const auto ref = reference(p);
    for (GemmIsa isa : isas_here()) {
      INFO("M=" << s.M << " N=" << s.N << " K=" << s.K << " ta=" << s.ta << " tb=" << s.tb
                << " isa=" << nn::to_string(isa) << " bytes=" << sizeof(T));
      CHECK(bit_equal(run_native<Kokkos::DefaultHostExecutionSpace, T>(p, isa), ref));
    }
  }
}

// The in-place micro-kernel (nn/attention_kernels.hpp reads score tiles with it): A element
// (k, r) at A[k·ak + r·ar], row-major (ak = 1) and transposed (ar = 1), strided B, continuing or
// starting the chains: each W element must be the ascending fma chain.
template <class T>
void check_in_place_micro_kernels() {
  const Rng rng(5, 2);
  std::uint64_t n = 0;
  for (GemmIsa isa : isas_here()) {
    const auto& mk = nn::detail::micro_kernel<T>(isa);
    const int MR = mk.mr, NR = mk.nr, kc = 37, ldb = NR + 7, ldw = NR + 3;
    std::vector<T> B(std::size_t(kc) * ldb), W0(std::size_t(MR) * ldw), A(std::size_t(kc + 3) * (MR + 5) * 3);
    for (auto& x : B) x = T(rng.normal(n++));
    for (auto& x : W0) x = T(rng.normal(n++));
    for (auto& x : A) x = T(rng.normal(n++));
    // Rows (ak = 1), columns (ar = 1) and neither: the three addressings of the kernels (ALayout).
    const int layouts[3][2] = {{1, kc + 3}, {MR + 5, 1}, {2, 2 * kc + 1}};  // {ak, ar}
    for (const auto& [ak, ar] : layouts)
      for (const bool first : {false, true}) {
        INFO("isa=" << nn::to_string(isa) << " bytes=" << sizeof(T) << " ak=" << ak << " ar=" << ar
                    << " first=" << first);
        std::vector<T> W = W0, ref = W0;
        mk.run_in_place(kc, A.data(), ak, ar, B.data(), ldb, W.data(), ldw, first);
        for (int r = 0; r < MR; ++r)
          for (int c = 0; c < NR; ++c) {
            T acc = first ? T(0) : W0[std::size_t(r) * ldw + c];
            for (int k = 0; k < kc; ++k)
              acc = std::fma(A[std::size_t(k) * ak + std::size_t(r) * ar], B[std::size_t(k) * ldb + c], acc);
            ref[std::size_t(r) * ldw + c] = acc;
          }
        CHECK(bit_equal(W, ref));
      }
  }
}

// n elements that end where an unreadable page begins: a kernel that reads past the last one
// faults instead of reading whatever follows.
template <class T>
class GuardedArray {
 public:
  explicit GuardedArray(const std::vector<T>& v) {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t used = (v.size() * sizeof(T) + page - 1) / page * page;
    m_bytes = used + page;
    m_base = mmap(nullptr, m_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m_base != MAP_FAILED);
    REQUIRE(mprotect(static_cast<char*>(m_base) + used, page, PROT_NONE) == 0);
    m_data = reinterpret_cast<T*>(static_cast<char*>(m_base) + used) - v.size();
    std::memcpy(m_data, v.data(), v.size() * sizeof(T));
  }
  GuardedArray(const GuardedArray&) = delete;
  GuardedArray& operator=(const GuardedArray&) = delete;
  ~GuardedArray() { munmap(m_base, m_bytes); }
  const T* data() const { return m_data; }

 private:
  void* m_base = nullptr;
  std::size_t m_bytes = 0;
  T* m_data = nullptr;
};

}  // namespace

// A tile of C at most four micro-columns wide reads A's full MR-row panels in place; a last panel
// of fewer rows must still be packed (its missing rows are not A's). With A ending at an
// unreadable page, reading rows past M faults; the result is the fma chain as everywhere.
TEST_CASE("native GEMM reads nothing past A's end where it reads A in place", "[gemm]") {
  const Shape shapes[] = {{29, 64, 300, false, false, 1, 0},
                          {29, 100, 270, true, false, 1, 0},
                          {13, 32, 40, false, true, 1, 0.5},
                          {100, 128, 513, true, false, 1, 0}};
  for (const Shape& s : shapes) {
    const auto p = make_problem<float>(s.M, s.N, s.K, s.ta, s.tb, float(s.alpha), float(s.beta), 3);
    const GuardedArray<float> A(p.A);
    for (GemmIsa isa : isas_here()) {
      INFO("M=" << s.M << " N=" << s.N << " K=" << s.K << " ta=" << s.ta << " isa=" << nn::to_string(isa));
      std::vector<float> C = p.C0;
      nn::detail::gemm_native_host<Kokkos::DefaultHostExecutionSpace, float>(
          Kokkos::DefaultHostExecutionSpace(), "test/gemm", isa, p.ta, p.tb, p.M, p.N, p.K, p.alpha, A.data(),
          p.ta ? p.M : p.K, p.B.data(), p.tb ? p.K : p.N, p.beta, C.data(), p.N);
      Kokkos::fence();
      CHECK(bit_equal(C, reference(p)));
    }
  }
}

TEST_CASE("micro-kernels reading A in place are the ascending fma chain on every ISA", "[gemm]") {
  check_in_place_micro_kernels<float>();
  check_in_place_micro_kernels<double>();
}

TEST_CASE("native GEMM is the ascending fma chain on every ISA (fp32)", "[gemm]") { check_all_isas<float>(); }

TEST_CASE("native GEMM is the ascending fma chain on every ISA (fp64)", "[gemm]") {
  check_all_isas<double>();
}

TEST_CASE("native GEMM is bit-identical on Serial and OpenMP", "[gemm][determinism]") {
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
  const auto p = make_problem<float>(300, 257, 401, false, false, 1.f, 0.f, 5);
  const auto serial = run_native<Kokkos::Serial, float>(p, GemmIsa::automatic);
  const auto omp = run_native<Kokkos::OpenMP, float>(p, GemmIsa::automatic);
  CHECK(bit_equal(serial, omp));
  const auto pd = make_problem<double>(130, 190, 300, true, false, 1.0, 0.5, 6);
  CHECK(bit_equal(run_native<Kokkos::Serial, double>(pd, GemmIsa::automatic),
                  run_native<Kokkos::OpenMP, double>(pd, GemmIsa::automatic)));
  // And against a run whose result is known independently of either space.
  CHECK(bit_equal(serial, reference(p)));
#else
  SKIP("needs both the Serial and the OpenMP backend");
#endif
}

// The kernel device spaces run (register-blocked team tiles), pinned on the host: every
// transpose, fp32 and fp64, shapes with ragged tiles and k tiles, each tile size and the one the
// backend picks, team sizes AUTO (1 on OpenMP) and 2; each element must be the reference chain.
// Space may be a device (the device check runs this on a GPU): inputs go through host mirrors.
template <class T, class Space, class Kernel>
std::vector<T> run_on_space(const Problem<T>& p, const Kernel& kernel) {
  using DView = Kokkos::View<T**, Kokkos::LayoutRight, typename Space::memory_space>;
  DView A("A", p.ta ? p.K : p.M, p.ta ? p.M : p.K), B("B", p.tb ? p.N : p.K, p.tb ? p.K : p.N),
      C("C", p.M, p.N);
  const auto to_space = [](const DView& d, const std::vector<T>& v) {
    auto h = Kokkos::create_mirror_view(Kokkos::HostSpace(), d);
    std::memcpy(h.data(), v.data(), v.size() * sizeof(T));
    Kokkos::deep_copy(d, h);
  };
  to_space(A, p.A);
  to_space(B, p.B);
  to_space(C, p.C0);
  kernel(typename DView::const_type(A), typename DView::const_type(B), C);
  Kokkos::fence();
  const auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), C);
  return std::vector<T>(h.data(), h.data() + h.span());
}

// ep: host pointers; these kernels run on the host here (the default device's test passes none).
template <class T, class Space = Kokkos::DefaultHostExecutionSpace>
std::vector<T> run_portable(const Problem<T>& p, int tile, bool wide, const nn::GemmEpilogue<T>& ep = {}) {
  using CView = Kokkos::View<const T**, Kokkos::LayoutRight, typename Space::memory_space>;
  using View = Kokkos::View<T**, Kokkos::LayoutRight, typename Space::memory_space>;
  return run_on_space<T, Space>(p, [&](const CView& A, const CView& B, const View& C) {
    if (wide && Space().concurrency() >= 2) {
      // Two threads per team share the staged tiles (AUTO gives one on OpenMP).
      nn::detail::gemm_portable_tiles<32, Space, T>(Space(), "test/gemm_portable", p.ta, p.tb, p.alpha, A, B,
                                                    p.beta, C, 2, ep);
    } else {
      nn::detail::gemm_portable<Space, T>(Space(), "test/gemm_portable", p.ta, p.tb, p.alpha, A, B, p.beta, C,
                                          tile, ep);
    }
  });
}

// The register-tiled kernel at a BM × BN tile (team of (BM/8)·(BN/8) threads).
template <int BM, int BN, class T, class Space = Kokkos::DefaultHostExecutionSpace>
std::vector<T> run_register(const Problem<T>& p, const nn::GemmEpilogue<T>& ep = {}) {
  using CView = Kokkos::View<const T**, Kokkos::LayoutRight, typename Space::memory_space>;
  using View = Kokkos::View<T**, Kokkos::LayoutRight, typename Space::memory_space>;
  return run_on_space<T, Space>(p, [&](const CView& A, const CView& B, const View& C) {
    nn::detail::gemm_register_tiles<BM, BN, Space, T>(Space(), "test/gemm_register", p.ta, p.tb, p.alpha, A,
                                                      B, p.beta, C, ep);
  });
}

TEMPLATE_TEST_CASE("portable GEMM kernel gives the same bits as the host kernel", "[gemm]", float, double) {
  using T = TestType;
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      const auto p = make_problem<T>(130, 70, 83, ta, tb, T(1), T(0.5), 9);
      const auto ref = reference(p);
      for (const int tile : {0, 16, 32, 64}) {
        INFO("ta " << ta << ", tb " << tb << ", tile " << tile << ", bytes " << sizeof(T));
        CHECK(bit_equal(run_portable(p, tile, false), ref));
      }
      INFO("ta " << ta << ", tb " << tb << ", team size 2");
      CHECK(bit_equal(run_portable(p, 32, true), ref));
    }
  // beta = 0 overwrites C (no read of it), alpha scales after the chain.
  const auto p = make_problem<T>(45, 70, 17, false, true, T(-2), T(0), 4);
  CHECK(bit_equal(run_portable(p, 0, false), reference(p)));
}

// The register-tiled kernel (GPUs run it at 128 × 128 with 256 threads) at the tiles a host team
// can run: 8 × 8 (one thread), 16 × 8 and 8 × 16 (two threads share the staged k tiles, with two
// row groups or two column groups each). Shapes with ragged tiles, a k tail, k shorter than one
// k tile; every transpose, fp32 and fp64.
TEMPLATE_TEST_CASE("register-tiled GEMM kernel gives the same bits as the host kernel", "[gemm]", float,
                   double) {
  using T = TestType;
  const bool two = Kokkos::DefaultHostExecutionSpace().concurrency() >= 2;
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const int K : {83, 5, 16}) {
        const auto p = make_problem<T>(37, 29, K, ta, tb, T(1), T(0.5), 11);
        const auto ref = reference(p);
        INFO("ta " << ta << ", tb " << tb << ", K " << K << ", bytes " << sizeof(T));
        CHECK(bit_equal(run_register<8, 8>(p), ref));
        if (two) {
          CHECK(bit_equal(run_register<16, 8>(p), ref));
          CHECK(bit_equal(run_register<8, 16>(p), ref));
        }
      }
  const auto p = make_problem<T>(21, 19, 30, true, false, T(-2), T(0), 4);
  CHECK(bit_equal(run_register<8, 8>(p), reference(p)));
}

// On a device build (the device check runs the packed tests on a GPU), the same kernel on the
// device against the same host chain: explicit fma, so nvcc's contraction cannot change a bit.
TEMPLATE_TEST_CASE("portable GEMM kernel on the default device gives the host chain's bits",
                   "[gemm][determinism]", float, double) {
  using T = TestType;
  using Device = Kokkos::DefaultExecutionSpace;
  if (std::is_same<Device, Kokkos::DefaultHostExecutionSpace>::value)
    SKIP("the default execution space is the host one: the test above covers it");
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      const auto p = make_problem<T>(130, 70, 83, ta, tb, T(1), T(0.5), 9);
      const auto ref = reference(p);
      for (const int tile : {0, 32}) {
        INFO("ta " << ta << ", tb " << tb << ", tile " << tile << ", bytes " << sizeof(T));
        CHECK(bit_equal(run_portable<T, Device>(p, tile, false), ref));
      }
      // The register kernel at the GPU's tile, ragged in every dimension (two tiles each way).
      const auto q = make_problem<T>(200, 150, 83, ta, tb, T(1), T(0.5), 12);
      INFO("ta " << ta << ", tb " << tb << ", register tile 128");
      CHECK(bit_equal(run_portable<T, Device>(q, 128, false), reference(q)));
    }
}

// The epilogues (bias, residual, ReLU, ReLU gate, and all four) on every kernel: the host kernel on every
// ISA, with its sums kept in C (alpha 1, beta 0, whole micro-tiles: 96 x 64) or passed through its
// scratch (ragged, beta != 0), over several KC blocks (K = 600), B read in place by several row
// tiles (400 x 64), B transposed; the portable and register kernels; each must give the bits of
// the plain GEMM followed by the separate kernels' operations.
TEMPLATE_TEST_CASE(
    "GEMM epilogues give the bits of the separate bias, residual, ReLU and ReLU-backward kernels", "[gemm]",
    float, double) {
  using T = TestType;
  struct Case {
    int M, N, K;
    bool ta, tb;
    double alpha, beta;
  };
  const Case shapes[] = {{96, 64, 600, false, true, 1, 0},
                         {130, 70, 83, false, false, 1, 0.5},
                         {400, 64, 40, false, false, 1, 0},
                         {37, 29, 300, true, false, -2, 0}};
  // {bias, residual, relu, gate}
  const bool flags[][4] = {{true, false, false, false}, {true, false, true, false},
                           {false, false, false, true}, {true, true, false, false},
                           {false, true, false, false}, {true, true, true, true}};
  for (const Case& c : shapes)
    for (const auto& f : flags) {
      const auto p = make_problem<T>(c.M, c.N, c.K, c.ta, c.tb, T(c.alpha), T(c.beta), 13);
      const EpilogueCase<T> e(p, f[0], f[1], f[2], f[3]);
      const auto want = e.apply(reference(p), p.M, p.N);
      INFO("M=" << c.M << " N=" << c.N << " K=" << c.K << " bias " << f[0] << " residual " << f[1] << " relu "
                << f[2] << " gate " << f[3] << " bytes " << sizeof(T));
      for (GemmIsa isa : isas_here()) {
        INFO("isa " << nn::to_string(isa));
        CHECK(bit_equal(run_native<Kokkos::DefaultHostExecutionSpace, T>(p, isa, e.on_host()), want));
      }
      CHECK(bit_equal(run_portable(p, 16, false, e.on_host()), want));
      CHECK(bit_equal(run_portable(p, 32, true, e.on_host()), want));
      CHECK(bit_equal(run_register<8, 8>(p, e.on_host()), want));
    }
}

// The epilogue through nn::gemm on both paths (vendor: a kernel of its own after the library's
// GEMM): native bit for bit as above, vendor within the library's rounding.
TEST_CASE("nn::gemm applies the epilogue on the native and the vendor path", "[gemm]") {
  const auto p = make_problem<float>(100, 48, 70, false, true, 1.f, 0.f, 21);
  using Host = Kokkos::View<float**, Kokkos::LayoutRight, Kokkos::HostSpace>;
  nn::Matrix<float> A("A", p.M, p.K), B("B", p.N, p.K), C("C", p.M, p.N), G("G", p.M, p.N + 3),
      R("R", p.M, p.N + 5);
  nn::Matrix<float> bias_m("b", 1, p.N);
  const EpilogueCase<float> e(p, true, true, true, true);
  const auto copy_in = [](const nn::Matrix<float>& d, const std::vector<float>& v) {
    Host h(const_cast<float*>(v.data()), d.extent(0), d.extent(1));
    Kokkos::deep_copy(d, h);
  };
  copy_in(A, p.A);
  copy_in(B, p.B);
  copy_in(G, e.g);
  copy_in(R, e.r);
  copy_in(bias_m, e.b);
  const auto want = e.apply(reference(p), p.M, p.N);
  for (const auto path : {nn::GemmPath::native, nn::GemmPath::vendor}) {
    nn::GemmEpilogue<float> ep;
    ep.bias = bias_m.data();
    ep.residual = R.data();
    ep.ld_residual = p.N + 5;
    ep.relu = true;
    ep.gate = G.data();
    ep.ld_gate = p.N + 3;
    nn::gemm("test/epilogue", path, false, true, 1.f, A, B, 0.f, C, ep);
    Kokkos::fence();
    const auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), C);
    const std::vector<float> got(h.data(), h.data() + h.span());
    INFO((path == nn::GemmPath::native ? "native" : "vendor"));
    if (path == nn::GemmPath::native) {
      CHECK(bit_equal(got, want));
      continue;
    }
    double worst = 0;
    int closed = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      worst = std::max(worst, double(std::fabs(got[i] - want[i])));
      closed += got[i] == 0.f && want[i] == 0.f;
    }
    CHECK(worst < 1e-3);  // entries O(sqrt(K)); a sign flip at the ReLU moves an entry by < 1e-3 too
    CHECK(closed > int(got.size()) / 2);  // gate and ReLU together close about five sixths
  }
}

TEST_CASE("nn::gemm native and vendor agree; native is reproducible", "[gemm]") {
  const int M = 96, N = 130, K = 257;
  nn::Matrix<float> A("A", M, K), B("B", K, N), C1("C1", M, N), C2("C2", M, N), C3("C3", M, N);
  auto hA = Kokkos::create_mirror_view(Kokkos::HostSpace(), A);
  auto hB = Kokkos::create_mirror_view(Kokkos::HostSpace(), B);
  const Rng rng(3, 3);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k) hA(i, k) = float(rng.normal(std::uint64_t(i) * K + k));
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) hB(k, j) = float(rng.normal(1000000 + std::uint64_t(k) * N + j));
  Kokkos::deep_copy(A, hA);
  Kokkos::deep_copy(B, hB);
  nn::gemm("test/native", nn::GemmPath::native, false, false, 1.f, A, B, 0.f, C1);
  nn::gemm("test/native", nn::GemmPath::native, false, false, 1.f, A, B, 0.f, C3);
  nn::gemm("test/vendor", nn::GemmPath::vendor, false, false, 1.f, A, B, 0.f, C2);
  Kokkos::fence();
  const auto h1 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), C1);
  const auto h2 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), C2);
  const auto h3 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), C3);
  double worst = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      worst = std::max(worst, double(std::fabs(h1(i, j) - h2(i, j))));
      REQUIRE(std::memcmp(&h1(i, j), &h3(i, j), sizeof(float)) == 0);
    }
  CHECK(worst < 1e-3);  // entries are O(sqrt(K)) = O(16); fp32 rounding differences only
}

TEST_CASE("gemm workload validates on both paths and charges 2·M·N·K", "[gemm][workload]") {
  for (const char* path : {"native", "vendor"}) {
    for (const char* dtype : {"fp32", "fp64"}) {
      INFO(path << " " << dtype);
      const auto r = test::run_micro("gemm", {{"m", std::int64_t(70)},
                                              {"n", std::int64_t(90)},
                                              {"k", std::int64_t(300)},
                                              {"path", std::string(path)},
                                              {"dtype", std::string(dtype)}});
      CHECK(r.validation.passed);
      REQUIRE(r.ledger.size() == 1);
      CHECK(r.ledger[0].flops == 2.0 * 70 * 90 * 300);
      CHECK(r.ledger[0].kind == OpKind::gemm);
      CHECK(r.ledger[0].name == std::string("gemm/") + path);
      CHECK(test::find_scalar(r.metrics, "gflops") != nullptr);
    }
  }
}

TEST_CASE("gemm transformer shapes come from model dimensions", "[gemm][workload]") {
  const auto r = test::run_micro("gemm",
                                 {{"shape", std::string("mlp_down")},
                                  {"d_model", std::int64_t(64)},
                                  {"tokens", std::int64_t(8)},
                                  {"precision", std::string("bf16")}},
                                 1);
  CHECK(r.validation.passed);
  REQUIRE(r.ledger.size() == 1);
  CHECK(r.ledger[0].flops == 2.0 * 8 * 64 * 256);  // M = tokens, N = d, K = 4d
  CHECK(r.ledger[0].dtype == DType::bf16);
  CHECK(r.ledger[0].bytes == 2.0 * (8 * 256 + 256 * 64 + 8 * 64));
}
