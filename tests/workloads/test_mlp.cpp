// tests/workloads/test_mlp.cpp — the MLP classifier: gradients against finite differences
// (double), book groups, n-gram features, and the workload beating the majority class on a
// generated corpus, bit for bit on repeat.
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <vector>

#include "tests/workloads/grad_check.hpp"
#include "tests/workloads/workload_harness.hpp"
#include "workloads/mlp/book_groups.hpp"
#include "workloads/mlp/mlp.hpp"
#include "workloads/mlp/mlp_model.hpp"
#include "workloads/mlp/ngram_features.hpp"

using namespace xpb;

TEST_CASE("mlp model: gradients match finite differences in double", "[mlp][gradcheck]") {
  const int D = 16, H = 5, K = 6, B = 4;
  mlp::MlpModel<double> m(D, H, K, B, nn::GemmPath::native);
  m.init(Rng(1, 2));
  double* p = m.params().data();
  test::fill_normal(p, m.param_count(), 5, 0.5);
  std::vector<double> x(B * D);
  test::fill_normal(x.data(), B * D, 6);
  const std::vector<int> y = {0, 5, 2, -1};
  m.forward(x, y);
  m.backward();
  std::vector<double> g(m.grads().data(), m.grads().data() + m.param_count());
  const auto r = test::grad_check(p, m.param_count(), [&] { return m.forward(x, y); },
                                  [&](std::int64_t i) { return g[std::size_t(i)]; }, 60);
  CHECK(r.checked == 60);
  CHECK(r.worst < 1e-6);
}

TEST_CASE("mlp book groups and n-gram features", "[mlp]") {
  CHECK(mlp::book_group("Ge") == 0);
  CHECK(mlp::book_group("Est") == 1);
  CHECK(mlp::book_group("SSol") == 2);
  CHECK(mlp::book_group("Rev") == 3);
  CHECK(mlp::book_group("Acts") == 4);
  CHECK(mlp::book_group("Jude") == 5);
  CHECK(mlp::book_group("Nope") == -1);
  const auto f = mlp::ngram_features("In the beginning", 3, 64);
  double n2 = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    n2 += double(f[i].second) * f[i].second;
    if (i) CHECK(f[i - 1].first < f[i].first);
  }
  CHECK(std::fabs(n2 - 1.0) < 1e-6);
}

TEST_CASE("mlp workload: beats the majority class on a generated corpus, repeats bit for bit",
          "[mlp][workload][determinism]") {
  test::TempDir dir;
  test::write_synthetic_corpus(dir, "synthetic.txt", 1200);
  const std::map<std::string, ParamValue> p = {{"corpus", std::string("synthetic.txt")},
                                               {"features", std::int64_t(512)},
                                               {"hidden", std::int64_t(32)},
                                               {"batch", std::int64_t(32)},
                                               {"epochs", std::int64_t(3)},
                                               {"lr", 3e-3}};
  const auto a = test::run_training(workloads::register_mlp, "mlp", p, dir.path().string());
  const auto b = test::run_training(workloads::register_mlp, "mlp", p, dir.path().string());
  CHECK(a.losses == b.losses);
  const double acc = test::find_scalar(a.metrics, "accuracy"), base = test::find_scalar(a.metrics, "majority_baseline");
  INFO("accuracy " << acc << " baseline " << base);
  CHECK(acc > base + 0.3);
  CHECK(a.validation.passed);
}
