// workloads/stream/stream.cpp — BabelStream-style copy / mul / add / triad / dot.
// Each step runs the five kernels once, each fenced and timed on its own, so per-kernel bandwidth
// is reported next to the step time. Validation replays the step arithmetic on scalars, as
// BabelStream does. Arrays: a, b, c, each (n). The element-wise kernels run in
// nn::for_each_assign's launch shape (a RangePolicy on hosts, wide teams on GPUs, each thread loading all
// its elements before it stores one).
#include "workloads/stream/stream.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/plugin/plugin.hpp"
#include "workloads/nn/for_each.hpp"
#include "workloads/nn/reduce.hpp"

namespace xpb::workloads {
namespace {

// Initial values as BabelStream's. The scalar is not its 0.4: with 0.4 a step maps a to 0.96·a
// (c = a; b = s·c; c = a + b; a = b + s·c gives a' = (2s + s²)·a), so the thousands of calls of a
// min_time cell drove fp32 values subnormal (about 2,100 calls) and the dot check failed. With
// s = √2 − 1, 2s + s² = 1: the values keep their magnitude for any number of calls (up to the
// rounding of each call). Bytes and FLOPs do not depend on it.
constexpr double kInitA = 0.1, kInitB = 0.2, kInitC = 0.0, kScalar = 0.41421356237309504880;
const char* const kKernels[] = {"copy", "mul", "add", "triad", "dot"};

// The parameters, each declared once (name, type, default, range, doc) and read typed.
struct StreamParams {
  std::int64_t n = 0;
  std::string dtype;
};

const ParamStruct<StreamParams>& stream_params() {
  static const auto s =
      ParamStruct<StreamParams>()
          .integer("n", &StreamParams::n, 1 << 24, 1024, double(1LL << 34), "elements per array", "elements")
          .choice("dtype", &StreamParams::dtype, "fp64", dispatch_dtypes(), "element type");
  return s;
}

// dst(i) = f(i) for i in [0, n). With handoff on a host backend: a P-long range (P threads, one
// index each), index t working on chunk (t + shift) mod P of P contiguous chunks. Whichever thread
// Kokkos gives each index, a chunk runs with shift 1 on another thread than with shift 0. Otherwise
// (and on GPUs) nn::for_each_assign's launch shape.
template <class View, class F>
void assign(const std::string& label, std::int64_t n, const View& dst, const F& f, bool handoff, int shift) {
  using Exec = Kokkos::DefaultExecutionSpace;
  const Exec exec;
  if constexpr (nn::kHostExec<Exec>) {
    if (handoff) {
      const int chunks = exec.concurrency();
      Kokkos::parallel_for(
          label, Kokkos::RangePolicy<Exec>(exec, 0, chunks), KOKKOS_LAMBDA(const int t) {
            const std::int64_t c = (t + shift) % chunks, lo = n * c / chunks, hi = n * (c + 1) / chunks;
            for (std::int64_t i = lo; i < hi; ++i) dst(i) = f(i);
          });
      return;
    }
  }
  nn::for_each_assign(exec, label, n, dst, f);
}

// ------------------------------------------------------------------------------------------------
// The kernels, templated on the element type; Handoff: the `handoff` workload (one chunk per
// thread, triad on the chunk another thread wrote), else `stream`. Labels "<workload>/<kernel>".

template <class T, bool Handoff>
class StreamKernels final : public Workload {
 public:
  static std::string label(const char* kernel) {
    return std::string(Handoff ? "handoff/" : "stream/") + kernel;
  }

  void setup(const Params& p, Context& ctx) override {
    const StreamParams q = stream_params().read(p);
    m_n = q.n;
    for (std::size_t k = 0; k < 5; ++k) m_labels[k] = label(kKernels[k]);
    ctx.require_memory(3.0 * double(m_n) * sizeof(T), "n", "the three stream arrays");
    m_a = Kokkos::View<T*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, label("a")), m_n);  // (n)
    m_b = Kokkos::View<T*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, label("b")), m_n);  // (n)
    m_c = Kokkos::View<T*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, label("c")), m_n);  // (n)
    auto a = m_a, b = m_b, c = m_c;
    // First touch in parallel, with the same policy as the kernels (NUMA placement).
    const Kokkos::DefaultExecutionSpace exec;
    nn::for_each_element(
        exec, label("init"), m_n, KOKKOS_LAMBDA(const std::int64_t i) {
          a(i) = T(kInitA);
          b(i) = T(kInitB);
          c(i) = T(kInitC);
        });
    m_partial = Kokkos::View<T*>(label("dot_partial"), nn::ordered_sum_blocks(m_n));  // (blocks)
    Kokkos::fence();
  }

  StepResult step(Context&) override {
    StepResult r;
    const std::int64_t n = m_n;
    auto a = m_a, b = m_b, c = m_c;
    const T scalar = T(kScalar);
    Kokkos::Timer timer;
    auto lap = [&](const char* name) {
      Kokkos::fence();
      const double t = timer.seconds();
      r.value(std::string(name) + "_seconds", t);
      m_times[name].push_back(t);
      timer.reset();
    };
    timer.reset();
    assign(
        m_labels[0], n, c, KOKKOS_LAMBDA(const std::int64_t i) { return a(i); }, Handoff, 0);
    lap("copy");
    assign(
        m_labels[1], n, b, KOKKOS_LAMBDA(const std::int64_t i) { return scalar * c(i); }, Handoff, 0);
    lap("mul");
    assign(
        m_labels[2], n, c, KOKKOS_LAMBDA(const std::int64_t i) { return a(i) + b(i); }, Handoff, 0);
    lap("add");
    assign(
        m_labels[3], n, a, KOKKOS_LAMBDA(const std::int64_t i) { return b(i) + scalar * c(i); }, Handoff, 1);
    lap("triad");
    // dot in a fixed order that depends on n alone (nn::ordered_sum: lanes within fixed blocks,
    // a fixed tree, blocks in order; a plain parallel_reduce would round by thread partition),
    // accumulated in the element type, as BabelStream does.
    const T sum = nn::ordered_sum(
        Kokkos::DefaultExecutionSpace(), m_labels[4], n,
        KOKKOS_LAMBDA(const std::int64_t i) { return a(i) * b(i); }, m_partial);
    lap("dot");
    m_sum = static_cast<double>(sum);
    ++m_steps;
    return r;
  }

  Ledger ledger() const override {
    const double n = static_cast<double>(m_n), s = sizeof(T);
    const DType d = sizeof(T) == 8 ? DType::fp64 : DType::fp32;
    return {
        {m_labels[0], OpKind::vector, d, 0, 2 * n * s},
        {m_labels[1], OpKind::vector, d, n, 2 * n * s},
        {m_labels[2], OpKind::vector, d, n, 3 * n * s},
        {m_labels[3], OpKind::vector, d, 2 * n, 3 * n * s},
        {m_labels[4], OpKind::vector, d, 2 * n, 2 * n * s},
    };
  }

  Validation validate(Context&) override {
    // Replay every step on scalars, in the element type.
    T ga = T(kInitA), gb = T(kInitB), gc = T(kInitC);
    const T scalar = T(kScalar);
    for (std::int64_t k = 0; k < m_steps; ++k) {
      gc = ga;
      gb = scalar * gc;
      gc = ga + gb;
      ga = gb + scalar * gc;
    }
    const double gsum = static_cast<double>(ga) * static_cast<double>(gb) * static_cast<double>(m_n);
    auto ha = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_a);
    auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_b);
    auto hc = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_c);
    double err = 0;
    auto rel = [](double x, double g) { return std::fabs(x - g) / std::max(std::fabs(g), 1e-300); };
    for (std::int64_t i = 0; i < m_n; ++i) {
      err = std::max({err, rel(ha(i), ga), rel(hb(i), gb), rel(hc(i), gc)});
    }
    const double tol_arr = sizeof(T) == 8 ? 1e-13 : 1e-6;
    // The dot product sums n terms in fixed blocks and lanes: allow rounding growth with sqrt(n).
    const double eps = sizeof(T) == 8 ? 2.2e-16 : 1.2e-7;
    const double tol_dot = std::max(1e-8, 8.0 * eps * std::sqrt(static_cast<double>(m_n)) * 16);
    const double err_dot = m_steps > 0 ? rel(m_sum, gsum) : 0.0;
    if (err > tol_arr) return Validation::fail("array values differ from the analytic result", err, tol_arr);
    if (err_dot > tol_dot)
      return Validation::fail("dot product differs from the analytic result", err_dot, tol_dot);
    const double err_cover = coverage();
    if (err_cover > tol_arr)
      return Validation::fail("a kernel left elements out or wrote them wrongly (sentinel check)", err_cover,
                              tol_arr);
    return Validation::ok("arrays and dot match the analytic result", std::max(err, err_dot), tol_arr);
  }

  // The replay above cannot see a triad that leaves elements out: a call maps a onto itself
  // (2s + s² = 1), so a stale element holds the right value. So mul (shift 0) and triad (shift 1,
  // with handoff) run once more, each into its array filled with a sentinel, and every element is
  // checked against its inputs. Returns the largest relative error.
  double coverage() {
    const std::int64_t n = m_n;
    auto a = m_a, b = m_b, c = m_c;
    const T scalar = T(kScalar), sentinel = T(-7);
    Kokkos::deep_copy(b, sentinel);
    assign(
        m_labels[1], n, b, KOKKOS_LAMBDA(const std::int64_t i) { return scalar * c(i); }, Handoff, 0);
    Kokkos::deep_copy(a, sentinel);
    assign(
        m_labels[3], n, a, KOKKOS_LAMBDA(const std::int64_t i) { return b(i) + scalar * c(i); }, Handoff, 1);
    Kokkos::fence();
    auto ha = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_a);
    auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_b);
    auto hc = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_c);
    double err = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double want_b = double(scalar) * double(hc(i)),
                   want_a = double(hb(i)) + double(scalar) * double(hc(i));
      err = std::max({err, std::fabs(hb(i) - want_b) / std::max(std::fabs(want_b), 1e-30),
                      std::fabs(ha(i) - want_a) / std::max(std::fabs(want_a), 1e-30)});
    }
    return err;
  }

  Metrics finish(Context&) override {
    Metrics m;
    const Ledger l = ledger();
    for (std::size_t k = 0; k < 5; ++k) {
      const double t = median(m_times[kKernels[k]]);
      if (t > 0) m.scalar(std::string(kKernels[k]) + "_bandwidth", l[k].bytes / t / 1e9);
    }
    return m;
  }

 private:
  std::int64_t m_n = 0;
  std::string m_labels[5];         // "<workload>/<kernel>", in kKernels' order
  Kokkos::View<T*> m_a, m_b, m_c;  // (n)
  Kokkos::View<T*> m_partial;      // (ordered_sum_blocks(n)): the dot's block partials
  double m_sum = 0;
  std::int64_t m_steps = 0;
  std::map<std::string, std::vector<double>> m_times;
};

template <class T>
using Stream = StreamKernels<T, false>;
template <class T>
using Handoff = StreamKernels<T, true>;

// What both workloads declare: parameters and per-kernel metrics.
WorkloadInfo stream_info(const std::string& name) {
  WorkloadInfo info;
  info.name = name;
  info.kind = WorkloadKind::benchmark;
  info.params = stream_params().schema();
  for (const char* k : kKernels) {
    const std::string kernel(k);
    info.metrics.push_back(
        {kernel + "_seconds", "s", MetricKind::time, "fenced time of the " + kernel + " kernel"});
    info.metrics.push_back({kernel + "_bandwidth", "GB/s", MetricKind::rate,
                            "median over steps of bytes moved / kernel time", kernel == "triad"});
  }
  return info;
}

}  // namespace

// Registers `stream` and `handoff` (the stream folder's two workloads).
void register_stream(Registry& r) {
  WorkloadInfo info = stream_info("stream");
  info.summary = "BabelStream-style copy/mul/add/triad/dot memory bandwidth";
  info.doc =
      "Three arrays of n elements; each step runs copy (c=a), mul (b=s*c), add (c=a+b), "
      "triad (a=b+s*c) and dot (sum a*b), each fenced and timed. Validation replays the "
      "arithmetic on scalars. Bytes per kernel follow BabelStream (2n or 3n elements).";
  // `xpubench calibrate` takes the host's memory bandwidth from triad.
  info.capabilities.push_back(CapabilitySpec(Capability::memory_bandwidth)
                                  .size({"n"})
                                  .dtype("dtype", {DType::fp64, DType::fp32})
                                  .headline_kernel("triad"));
  r.add(std::move(info), [] { return std::make_unique<DTypeDispatch<Stream>>(); });

  WorkloadInfo h = stream_info("handoff");
  h.summary = "stream's kernels with triad on data another core wrote (host caches between cores)";
  h.doc =
      "stream's five kernels and arithmetic, but on host backends copy, mul and add run one "
      "contiguous chunk per thread and triad runs each thread on the chunk the next thread wrote: "
      "everything triad reads and writes was last touched by another core, as in a training step, "
      "whose kernels split their data differently. On GPU backends it runs as stream does. "
      "`xpubench calibrate` takes memory.handoff_bandwidth from its triad (docs/projection.md).";
  h.capabilities.push_back(CapabilitySpec(Capability::handoff_bandwidth)
                               .size({"n"})
                               .dtype("dtype", {DType::fp64, DType::fp32})
                               .headline_kernel("triad"));
  r.add(std::move(h), [] { return std::make_unique<DTypeDispatch<Handoff>>(); });
}

}  // namespace xpb::workloads
