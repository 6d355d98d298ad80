// bench/plan_search.cpp — speed of the plan search (issue 4: >= 10,000 plans in < 1 s, one core).
// Searches GPT-3 175B on 1024 devices of a platform (default: the built-in micro-calibrated A100;
// pass a descriptor name or path to use another) several times and prints the best wall time.
// It measures the search only: loading files is outside the timed region.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "core/base/error.hpp"
#include "core/base/paths.hpp"
#include "core/model/model_validation.hpp"
#include "core/model/plan_search.hpp"

int main(int argc, char** argv) {
  try {
    const std::string platform = argc > 1 ? argv[1] : "builtin:nvidia-a100-sxm-80gb";
    const int devices = argc > 2 ? std::stoi(argv[2]) : 1024;
    const std::string model_file = argc > 3 ? argv[3] : xpb::paths().models_dir() + "/gpt3-175b.yaml";
    const int reps = 5;

    const xpb::Platform p = platform.rfind("builtin:", 0) == 0
                                ? xpb::micro_calibrated_platform(platform.substr(8))
                                : xpb::resolve_platform(platform);
    const xpb::ModelSpec m = xpb::load_model_file(model_file);
    xpb::Cluster c;
    c.devices = devices;
    xpb::TrainingModel tm(m, p, c);
    const xpb::SearchSpace space = xpb::default_space(tm);

    double best = 1e30;
    xpb::SearchResult r;
    for (int i = 0; i < reps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      r = xpb::search_plans(tm, space);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::min(best, s);
    }
    std::printf("model %s on %d x %s\n", m.name.c_str(), devices, p.name.c_str());
    std::printf("candidates %ld, valid %ld, fitting (fully timed) %ld\n", r.candidates, r.valid,
                r.fitting);
    std::printf("search time: best of %d = %.4f s (%.2f us per candidate)\n", reps, best,
                1e6 * best / std::max(1L, r.candidates));
    if (r.found)
      std::printf("best plan %s: step %.3f s, MFU %.1f%%\n", xpb::to_string(r.best.plan).c_str(),
                  r.best.step_seconds.nominal, 100 * r.best.mfu.nominal);
    else
      std::printf("no plan: %s\n", r.reason.c_str());
    const bool pass = r.candidates >= 10000 && best < 1.0;
    std::printf("target (>= 10000 candidates, < 1 s): %s\n", pass ? "met" : "NOT met");
    return pass ? 0 : 1;
  } catch (const xpb::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.located().c_str());
    return 2;
  }
}
