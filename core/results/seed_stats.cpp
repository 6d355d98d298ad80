// core/results/seed_stats.cpp — mean, sd and 95% intervals over the seeds of a cell group.
#include "core/results/seed_stats.hpp"

#include <cmath>

#include "core/base/sha256.hpp"
#include "core/plugin/params.hpp"
#include "core/results/schema_io.hpp"

namespace xpb {

double student_t95(long long df) {
  // t(0.975, df) for df = 1..30 (any table of Student's t, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
  static const double table[30] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                   2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                   2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return std::nan("");
  if (df <= 30) return table[df - 1];
  // Cornish–Fisher expansion of the t quantile about the normal one (Abramowitz & Stegun 26.7.5).
  const double z = 1.959963984540054, z2 = z * z, v = static_cast<double>(df);
  const double g1 = (z2 + 1) * z / 4;
  const double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
  const double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
  const double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

std::string seed_group_id(const std::string& workload, const std::string& canonical_params) {
  const std::string canon =
      "{\"params\":" + canonical_params + ",\"workload\":\"" + json_escape(workload) + "\"}";
  return sha256_hex(canon).substr(0, 12);
}

namespace {

struct Acc {
  SeedStatRow row;
  std::vector<double> values;
};

void finish(Acc& a) {
  SeedStatRow& r = a.row;
  const auto& v = a.values;
  r.n = static_cast<long long>(v.size());
  double sum = 0;
  for (double x : v) sum += x;  // cell order: deterministic
  r.mean = sum / static_cast<double>(v.size());
  double ss = 0;
  r.min = r.max = v.front();
  for (double x : v) {
    ss += (x - r.mean) * (x - r.mean);
    r.min = std::min(r.min, x);
    r.max = std::max(r.max, x);
  }
  r.sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
  const double half = v.size() > 1 ? student_t95(r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n)) : 0.0;
  r.ci95_low = r.mean - half;
  r.ci95_high = r.mean + half;
}

}  // namespace

std::vector<SeedStatRow> seed_statistics(const std::vector<SummaryRow>& rows,
                                         const std::map<std::string, std::uint64_t>& cell_seeds) {
  // Groups first: which cells share {workload, params}.
  std::map<std::string, std::vector<std::string>> group_cells;  // group id -> cell ids (distinct)
  std::map<std::string, std::string> cell_group;
  for (const auto& r : rows) {
    if (cell_group.count(r.cell) || !cell_seeds.count(r.cell)) continue;
    const std::string g = seed_group_id(r.workload, r.params);
    cell_group[r.cell] = g;
    group_cells[g].push_back(r.cell);
  }
  std::vector<std::string> order;  // group/kind/metric keys, first appearance
  std::map<std::string, Acc> accs;
  for (const auto& r : rows) {
    const auto g = cell_group.find(r.cell);
    if (g == cell_group.end() || group_cells[g->second].size() < 2) continue;
    if (r.kind != "metric" && r.kind != "measured") continue;
    if (r.status != CellStatus::ok && r.status != CellStatus::invalid) continue;
    const double x = r.kind == "metric" ? r.last : r.median;
    if (!std::isfinite(x)) continue;
    const std::string key = g->second + "\n" + r.kind + "\n" + r.metric;
    auto [it, fresh] = accs.try_emplace(key);
    Acc& a = it->second;
    if (fresh) {
      order.push_back(key);
      a.row.group = g->second;
      a.row.workload = r.workload, a.row.params = r.params, a.row.kind = r.kind, a.row.metric = r.metric;
      a.row.unit = r.unit, a.row.value_kind = r.value_kind;
    }
    a.values.push_back(x);
    const std::string sep = a.row.seeds.empty() ? "" : ",";
    a.row.seeds += sep + std::to_string(cell_seeds.at(r.cell));
    a.row.cells += sep + r.cell;
  }
  std::vector<SeedStatRow> out;
  for (const auto& key : order) {
    Acc& a = accs.at(key);
    finish(a);
    out.push_back(std::move(a.row));
  }
  return out;
}

std::vector<SeedStatRow> read_seed_statistics(hid_t file) {
  std::vector<SeedStatRow> out;
  const schema::TableReader t(schema::Reader(file, "/"), "seed_statistics");
  for (std::size_t i = 0; i < t.rows(); ++i) {
    SeedStatRow r;
    r.group = t.text(i, "group"), r.workload = t.text(i, "workload"), r.params = t.text(i, "params");
    r.kind = t.text(i, "kind"), r.metric = t.text(i, "metric"), r.unit = t.text(i, "unit");
    r.value_kind = t.text(i, "value_kind"), r.seeds = t.text(i, "seeds"), r.cells = t.text(i, "cells");
    r.n = t.integer(i, "n");
    r.mean = t.number(i, "mean"), r.sd = t.number(i, "sd");
    r.ci95_low = t.number(i, "ci95_low"), r.ci95_high = t.number(i, "ci95_high");
    r.min = t.number(i, "min"), r.max = t.number(i, "max");
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace xpb
