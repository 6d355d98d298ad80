// analysis/result_set.cpp — reading a result set into analysis::ResultSet.
#include "analysis/result_set.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"

namespace xpb::analysis {

// ------------------------------------------------------------------------------------------------
// Small accessors

const ProjectionRecord* CellResult::projection(const std::string& platform) const {
  for (const auto& p : projections)
    if (p.platform == platform) return &p;
  return nullptr;
}

const ScalarRecord* CellResult::metric(const std::string& name) const {
  for (const auto& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

double CellResult::median_step_seconds() const {
  auto it = measured.find("step_seconds");
  if (it == measured.end() || it->second.empty()) return std::nan("");
  return describe(it->second).median;
}

std::string ResultSet::root(const std::string& key) const {
  auto it = root_strings.find(key);
  return it == root_strings.end() ? std::string{} : it->second;
}

const PlatformRecord* ResultSet::platform(const std::string& name) const {
  for (const auto& p : platforms)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> ResultSet::platform_order() const {
  std::vector<std::string> out;
  for (const auto& c : cells)
    for (const auto& p : c.projections)
      if (std::find(out.begin(), out.end(), p.platform) == out.end()) out.push_back(p.platform);
  for (const auto& p : platforms)
    if (std::find(out.begin(), out.end(), p.name) == out.end()) out.push_back(p.name);
  std::stable_partition(out.begin(), out.end(), [&](const std::string& p) { return !is_host(p); });
  return out;
}

bool ResultSet::is_host(const std::string& name) const {
  const PlatformRecord* p = platform(name);
  return p && p->kind == "host";
}

std::string ResultSet::self_check_platform() const {
  for (const auto& p : platforms)
    if (p.kind == "host") return p.name;
  return "host";
}

OpKind parse_op_kind(const std::string& s) {
  for (OpKind k : {OpKind::gemm, OpKind::vector, OpKind::collective, OpKind::other})
    if (to_string(k) == s) return k;
  return OpKind::other;
}

Collective parse_collective(const std::string& s) {
  for (Collective c : {Collective::none, Collective::all_reduce, Collective::reduce_scatter,
                       Collective::all_gather, Collective::all_to_all, Collective::p2p})
    if (to_string(c) == s) return c;
  return Collective::none;
}

// ------------------------------------------------------------------------------------------------
// Reading

namespace {

// Column accessors of an h5::Table by name (absent columns give "" / NaN / 0).
struct TableView {
  const h5::Table& t;
  std::size_t col(const std::vector<std::string>& cols, const char* n) const {
    return static_cast<std::size_t>(std::find(cols.begin(), cols.end(), n) - cols.begin());
  }
  std::string s(std::size_t row, const char* n) const {
    const auto c = col(t.string_columns, n);
    return c < t.strings[row].size() ? t.strings[row][c] : std::string{};
  }
  double d(std::size_t row, const char* n) const {
    const auto c = col(t.double_columns, n);
    if (c < t.doubles[row].size()) return t.doubles[row][c];
    const auto ci = col(t.int_columns, n);
    return ci < t.ints[row].size() ? static_cast<double>(t.ints[row][ci]) : std::nan("");
  }
  long long i(std::size_t row, const char* n) const {
    const auto c = col(t.int_columns, n);
    return c < t.ints[row].size() ? t.ints[row][c] : 0;
  }
};

bool is_dataset(hid_t loc, const std::string& name) {
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info_by_name3(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
#else
  if (H5Oget_info_by_name2(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
#endif
  return info.type == H5O_TYPE_DATASET;
}

std::string dataset_unit(hid_t loc, const std::string& name) {
  h5::Handle d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
  return d.valid() ? h5::read_attr_string(d, "unit").value_or("") : std::string{};
}

Range read_range(hid_t g, const char* name) {
  const auto v = h5::read_doubles(g, name);
  if (v.size() != 3) return Range{std::nan(""), std::nan(""), std::nan("")};
  return {v[0], v[1], v[2]};
}

CellResult read_cell(hid_t cells, const std::string& id) {
  CellResult c;
  h5::Handle g = h5::open_group(cells, id);
  c.id = id;
  c.workload = h5::read_attr_string(g, "workload").value_or("");
  c.params = h5::read_attr_string(g, "params").value_or("{}");
  c.label = h5::read_attr_string(g, "label").value_or(c.workload);
  c.status = parse_cell_status(h5::read_attr_string(g, "status").value_or("")).value_or(CellStatus::failed);
  c.reason = h5::read_attr_string(g, "reason").value_or("");
  c.started_utc = h5::read_attr_string(g, "started_utc").value_or("");
  c.finished_utc = h5::read_attr_string(g, "finished_utc").value_or("");
  c.seed = h5::read_attr_int(g, "seed").value_or(0);
  c.index = h5::read_attr_int(g, "index").value_or(0);
  c.repeats = h5::read_attr_int(g, "repeats").value_or(0);
  c.warmup = h5::read_attr_int(g, "warmup").value_or(0);

  if (h5::exists(g, "measured")) {
    h5::Handle m = h5::open_group(g, "measured");
    for (const auto& n : h5::children(m))
      if (is_dataset(m, n)) c.measured[n] = h5::read_doubles(m, n);
  }
  if (h5::exists(g, "metrics")) {
    h5::Handle m = h5::open_group(g, "metrics");
    for (const auto& n : h5::children(m)) {
      if (!is_dataset(m, n)) continue;
      const auto v = h5::read_doubles(m, n);
      c.metrics.push_back({n, dataset_unit(m, n), v.empty() ? std::nan("") : v.front()});
    }
  }
  if (h5::exists(g, "series")) {
    h5::Handle s = h5::open_group(g, "series");
    for (const auto& n : h5::children(s)) {
      SeriesRecord r;
      r.name = n;
      r.values = h5::read_doubles(s, n + "/values");
      r.index = h5::read_doubles(s, n + "/index");
      if (h5::exists(s, n + "/values")) r.unit = dataset_unit(s, n + "/values");
      c.series.push_back(std::move(r));
    }
  }
  if (h5::exists(g, "validation")) {
    h5::Handle v = h5::open_group(g, "validation");
    c.validation_passed = h5::read_attr_int(v, "passed").value_or(1) != 0;
    c.validation_reason = h5::read_attr_string(v, "reason").value_or("");
  }
  if (h5::exists(g, "ledger")) {
    const h5::Table t = h5::read_table(g, "ledger");
    const TableView tv{t};
    for (std::size_t r = 0; r < t.strings.size(); ++r) {
      KernelCost k;
      k.name = tv.s(r, "name");
      k.kind = parse_op_kind(tv.s(r, "kind"));
      k.dtype = parse_dtype(tv.s(r, "dtype")).value_or(DType::fp32);
      k.collective = parse_collective(tv.s(r, "collective"));
      k.flops = tv.d(r, "flops");
      k.bytes = tv.d(r, "bytes");
      k.count = tv.d(r, "count");
      k.collective_bytes = tv.d(r, "collective_bytes");
      k.ranks = static_cast<int>(tv.i(r, "ranks"));
      if (!(k.count == k.count)) k.count = 1;
      c.ledger.push_back(k);
    }
  }
  if (h5::exists(g, "projected")) {
    h5::Handle pg = h5::open_group(g, "projected");
    for (const auto& n : h5::children(pg)) {
      h5::Handle p = h5::open_group(pg, n);
      ProjectionRecord r;
      r.platform = n;
      r.ok = h5::read_attr_int(p, "ok").value_or(0) != 0;
      r.reason = h5::read_attr_string(p, "reason").value_or("");
      r.bound = h5::read_attr_string(p, "bound").value_or("");
      if (r.ok) {
        r.step_seconds = read_range(p, "step_seconds");
        r.compute_seconds = read_range(p, "compute_seconds");
        r.memory_seconds = read_range(p, "memory_seconds");
        r.comm_seconds = read_range(p, "comm_seconds");
        r.launch_seconds = read_range(p, "launch_seconds");
        r.energy_joules = read_range(p, "energy_joules");
      }
      r.error_vs_measured = h5::read_attr_double(p, "error_vs_measured");
      c.projections.push_back(std::move(r));
    }
  }
  return c;
}

std::vector<ParityRow> read_parity(hid_t f) {
  std::vector<ParityRow> rows;
  const h5::Table t = h5::read_table(f, "parity");
  const TableView v{t};
  for (std::size_t i = 0; i < t.strings.size(); ++i) {
    ParityRow r;
    r.cell = v.s(i, "cell"), r.workload = v.s(i, "workload"), r.params = v.s(i, "params");
    r.platform = v.s(i, "platform"), r.verdict = v.s(i, "verdict"), r.bound = v.s(i, "bound");
    r.low = v.d(i, "ratio_low"), r.nominal = v.d(i, "ratio_nominal"), r.high = v.d(i, "ratio_high");
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

ResultSet load_result_set(const std::string& path) {
  h5::quiet_errors();
  if (!std::filesystem::is_regular_file(path))
    throw Error({path, 0, {}}, "no such result set", "give the path of an .h5 file written by `xpubench run`");
  if (!h5::is_hdf5(path))
    throw Error({path, 0, {}}, "not an HDF5 file", "give the path of an .h5 file written by `xpubench run`");
  ResultSet rs;
  rs.path = path;
  h5::Handle f = h5::open_file(path);
  const auto schema = h5::read_attr_string(f, "schema");
  if (!schema || *schema != kResultSchema)
    throw Error({path, 0, "schema"}, "not an xpubench result set (root attribute schema is '" +
                                         schema.value_or("") + "')",
                "result sets carry schema=\"" + std::string(kResultSchema) + "\"");
  rs.schema_version = h5::read_attr_int(f, "schema_version").value_or(0);
  if (rs.schema_version > kResultSchemaVersion)
    throw Error({path, 0, "schema_version"},
                "written by a newer xpubench (schema version " + std::to_string(rs.schema_version) +
                    ", this build reads up to " + std::to_string(kResultSchemaVersion) + ")",
                "update xpubench to read this file");
  for (const auto& n : h5::attr_names(f)) {
    if (auto s = h5::read_attr_string(f, n)) rs.root_strings[n] = *s;
    else if (auto i = h5::read_attr_int(f, n)) rs.root_integers[n] = *i;
  }
  rs.experiment_name = rs.root("experiment_name");
  rs.experiment_yaml = rs.root("experiment_yaml");
  rs.experiment_path = rs.root("experiment_path");
  rs.parity_reference = rs.root("parity_reference");
  rs.parity_band = h5::read_attr_double(f, "parity_band").value_or(0.10);

  if (h5::exists(f, "platforms")) {
    h5::Handle pg = h5::open_group(f, "platforms");
    for (const auto& n : h5::children(pg)) {
      h5::Handle g = h5::open_group(pg, n);
      PlatformRecord p;
      p.name = n;
      p.display_name = h5::read_attr_string(g, "display_name").value_or(n);
      p.kind = h5::read_attr_string(g, "kind").value_or("");
      p.path = h5::read_attr_string(g, "path").value_or("");
      p.sha256 = h5::read_attr_string(g, "sha256").value_or("");
      p.worst_confidence = h5::read_attr_string(g, "worst_confidence").value_or("");
      p.descriptor_yaml = h5::read_attr_string(g, "descriptor_yaml").value_or("");
      rs.platforms.push_back(std::move(p));
    }
  }
  if (h5::exists(f, "cells")) {
    h5::Handle cg = h5::open_group(f, "cells");
    for (const auto& id : h5::children(cg)) rs.cells.push_back(read_cell(cg, id));
    std::stable_sort(rs.cells.begin(), rs.cells.end(),
                     [](const CellResult& a, const CellResult& b) { return a.index < b.index; });
  }
  rs.summary = read_summary(f);
  rs.parity = read_parity(f);
  return rs;
}

}  // namespace xpb::analysis
