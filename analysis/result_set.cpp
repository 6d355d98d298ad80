// analysis/result_set.cpp — reading a result set into analysis::ResultSet.
#include "analysis/result_set.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/schema_io.hpp"

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
  for (OpKind k : kAllOpKinds)
    if (to_string(k) == s) return k;
  return OpKind::other;
}

Collective parse_collective(const std::string& s) {
  for (Collective c : kAllCollectives)
    if (to_string(c) == s) return c;
  return Collective::none;
}

// ------------------------------------------------------------------------------------------------
// Reading (every path through core/results/schema_io.hpp)

namespace {

Range read_range(const schema::Reader& g, const char* name) {
  const auto v = g.values(name);
  if (v.size() != 3) return Range{std::nan(""), std::nan(""), std::nan("")};
  return {v[0], v[1], v[2]};
}

// A value a workload reported: its kind as stored (schema 1 files: from its unit).
std::string stored_kind(const schema::Reader& g, const std::string& name, const std::string& unit) {
  return std::string(schema::to_string(g.kind(name).value_or(schema::kind_for_unit(unit))));
}

ProjectionRecord read_projection(const schema::Reader& pg, const std::string& platform) {
  const schema::Reader p = pg.open(platform);
  ProjectionRecord r;
  r.platform = platform;
  r.ok = p.integer("ok").value_or(0) != 0;
  r.reason = p.text("reason").value_or("");
  r.bound = p.text("bound").value_or("");
  if (r.ok) {
    r.step_seconds = read_range(p, "step_seconds");
    r.compute_seconds = read_range(p, "compute_seconds");
    r.memory_seconds = read_range(p, "memory_seconds");
    r.comm_seconds = read_range(p, "comm_seconds");
    r.launch_seconds = read_range(p, "launch_seconds");
    r.energy_joules = read_range(p, "energy_joules");
    if (p.has("hfu")) r.hfu = read_range(p, "hfu");
    r.hfu_dtype = p.text("hfu_dtype").value_or("");
    r.monte_carlo_samples = p.integer("monte_carlo_samples").value_or(0);
    r.monte_carlo_seed = p.integer("monte_carlo_seed").value_or(0);
    if (const auto v = p.values("step_seconds_nominal_inputs"); v.size() == 1)
      r.step_seconds_nominal_inputs = v[0];
    if (const auto v = p.values("step_seconds_envelope"); v.size() == 2)
      r.step_seconds_envelope = {{v[0], v[1]}};
    const schema::TableReader k(p, "kernels");
    for (std::size_t i = 0; i < k.rows(); ++i)
      r.kernels.push_back(
          {k.text(i, "name"), k.text(i, "bound"),
           Range{k.number(i, "seconds_low"), k.number(i, "seconds_nominal"), k.number(i, "seconds_high")}});
  }
  r.error_vs_measured = p.number("error_vs_measured");
  return r;
}

CellResult read_cell(const schema::Reader& cells, const std::string& id) {
  CellResult c;
  const schema::Reader g = cells.open(id);
  c.id = id;
  c.workload = g.text("workload").value_or("");
  c.params = g.text("params").value_or("{}");
  c.label = g.text("label").value_or(c.workload);
  c.status = parse_cell_status(g.text("status").value_or("")).value_or(CellStatus::failed);
  c.reason = g.text("reason").value_or("");
  c.started_utc = g.text("started_utc").value_or("");
  c.finished_utc = g.text("finished_utc").value_or("");
  c.seed = g.integer("seed").value_or(0);
  c.index = g.integer("index").value_or(0);
  c.repeats = g.integer("repeats").value_or(0);
  c.warmup = g.integer("warmup").value_or(0);
  c.noisy = g.integer("noisy").value_or(0) != 0;  // absent before noise was recorded: not noisy
  c.noise_reasons = g.text("noise_reasons").value_or("");
  c.dispersion = g.number("dispersion");
  c.iterations = g.integer("iterations").value_or(1);  // absent before min_time existed: one call
  c.min_time = g.number("min_time").value_or(0.0);

  if (g.has("measured")) {
    const schema::Reader m = g.open("measured");
    for (const auto& n : m.children()) {
      if (!m.is_dataset(n)) continue;
      c.measured[n] = m.values(n);
      c.measured_units[n] = m.unit(n);
      c.measured_kinds[n] = stored_kind(m, n, c.measured_units[n]);
    }
  }
  if (g.has("metrics")) {
    const schema::Reader m = g.open("metrics");
    for (const auto& n : m.children()) {
      if (!m.is_dataset(n)) continue;
      const auto v = m.values(n);
      ScalarRecord r{n, m.unit(n), v.empty() ? std::nan("") : v.front(), {}};
      r.kind = stored_kind(m, n, r.unit);
      c.metrics.push_back(std::move(r));
    }
  }
  if (g.has("series")) {
    const schema::Reader s = g.open("series");
    for (const auto& n : s.children()) {
      const schema::Reader one = s.open(n);
      SeriesRecord r;
      r.name = n;
      r.values = one.values("values");
      r.index = one.values("index");
      r.unit = one.unit("values");
      r.kind = stored_kind(one, "values", r.unit);
      c.series.push_back(std::move(r));
    }
  }
  if (g.has("validation")) {
    const schema::Reader v = g.open("validation");
    c.validation_passed = v.integer("passed").value_or(1) != 0;
    c.validation_reason = v.text("reason").value_or("");
    c.validation_max_rel_err = v.number("max_rel_err");
    c.validation_tolerance = v.number("tolerance");
  }
  const schema::TableReader t(g, "ledger");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    KernelCost k;
    k.name = t.text(r, "name");
    k.kind = parse_op_kind(t.text(r, "kind"));
    k.dtype = parse_dtype(t.text(r, "dtype")).value_or(DType::fp32);
    k.collective = parse_collective(t.text(r, "collective"));
    k.flops = t.number(r, "flops");
    k.bytes = t.number(r, "bytes");
    k.count = t.number(r, "count");
    k.collective_bytes = t.number(r, "collective_bytes");
    k.ranks = static_cast<int>(t.integer(r, "ranks"));
    if (!(k.count == k.count)) k.count = 1;
    c.ledger.push_back(k);
  }
  if (g.has("projected")) {
    const schema::Reader pg = g.open("projected");
    for (const auto& n : pg.children()) c.projections.push_back(read_projection(pg, n));
  }
  return c;
}

std::vector<ParityRow> read_parity(const schema::Reader& root) {
  std::vector<ParityRow> rows;
  const schema::TableReader t(root, "parity");
  for (std::size_t i = 0; i < t.rows(); ++i) {
    ParityRow r;
    r.cell = t.text(i, "cell"), r.workload = t.text(i, "workload"), r.params = t.text(i, "params");
    r.platform = t.text(i, "platform"), r.verdict = t.text(i, "verdict"), r.bound = t.text(i, "bound");
    r.low = t.number(i, "ratio_low"), r.nominal = t.number(i, "ratio_nominal"),
    r.high = t.number(i, "ratio_high");
    r.envelope_low = t.number(i, "ratio_envelope_low"), r.envelope_high = t.number(i, "ratio_envelope_high");
    rows.push_back(r);
  }
  return rows;
}

std::vector<PlanProjection> read_projections(const schema::Reader& root) {
  std::vector<PlanProjection> rows;
  const schema::TableReader t(root, "projections");
  for (std::size_t i = 0; i < t.rows(); ++i) {
    PlanProjection r;
    r.entry = t.integer(i, "entry"), r.devices = t.integer(i, "devices");
    r.micro_batches = t.integer(i, "micro_batches"), r.samples = t.integer(i, "monte_carlo_samples");
    r.seed = t.integer(i, "monte_carlo_seed");
    r.model = t.text(i, "model"), r.model_file = t.text(i, "model_file"),
    r.model_sha256 = t.text(i, "model_sha256");
    r.platform = t.text(i, "platform"), r.platform_sha256 = t.text(i, "platform_sha256");
    r.stack = t.text(i, "stack"), r.plan = t.text(i, "plan");
    r.status = parse_cell_status(t.text(i, "status")).value_or(CellStatus::failed);
    r.reason = t.text(i, "reason"), r.reference = t.text(i, "reference"), r.verdict = t.text(i, "verdict");
    r.breakdown = t.text(i, "breakdown"), r.assumptions = t.text(i, "assumptions");
    r.global_batch = t.number(i, "global_batch"), r.seq_len = t.number(i, "seq_len");
    r.tokens = t.number(i, "tokens"), r.memory_gb = t.number(i, "memory_gb");
    r.step_p5 = t.number(i, "step_p5"), r.step_median = t.number(i, "step_median");
    r.step_p95 = t.number(i, "step_p95"), r.step_nominal = t.number(i, "step_nominal_inputs");
    r.step_envelope_low = t.number(i, "step_envelope_low"),
    r.step_envelope_high = t.number(i, "step_envelope_high");
    r.mfu_p5 = t.number(i, "mfu_p5"), r.mfu_median = t.number(i, "mfu_median"),
    r.mfu_p95 = t.number(i, "mfu_p95");
    r.hfu_median = t.number(i, "hfu_median"), r.tokens_per_second = t.number(i, "tokens_per_second");
    r.days_p5 = t.number(i, "days_p5"), r.days_median = t.number(i, "days_median");
    r.days_p95 = t.number(i, "days_p95");
    r.ratio_p5 = t.number(i, "ratio_p5"), r.ratio_median = t.number(i, "ratio_median");
    r.ratio_p95 = t.number(i, "ratio_p95");
    r.ratio_envelope_low = t.number(i, "ratio_envelope_low"),
    r.ratio_envelope_high = t.number(i, "ratio_envelope_high");
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

static ResultSet read_result_set(const std::string& path) {
  ResultSet rs;
  rs.path = path;
  h5::Handle f = h5::open_file(path);
  const schema::Reader root(f, "/");
  const auto name = root.text("schema");
  if (!name || *name != schema::kName)
    throw Error({path, 0, "schema"},
                "not an xpubench result set (root attribute schema is '" + name.value_or("") + "')",
                "result sets carry schema=\"" + std::string(schema::kName) + "\"");
  rs.schema_version = root.integer("schema_version").value_or(0);
  if (rs.schema_version > schema::kVersion)
    throw Error({path, 0, "schema_version"},
                "written by a newer xpubench (schema version " + std::to_string(rs.schema_version) +
                    ", this build reads up to " + std::to_string(schema::kVersion) + ")",
                "update xpubench to read this file");
  // Every root attribute, declared or not (a newer writer's provenance is shown, not interpreted).
  for (const auto& n : h5::attr_names(f)) {
    if (auto s = h5::read_attr_string(f, n))
      rs.root_strings[n] = *s;
    else if (auto i = h5::read_attr_int(f, n))
      rs.root_integers[n] = *i;
  }
  rs.experiment_name = root.text("experiment_name").value_or("");
  rs.experiment_yaml = root.text("experiment_yaml").value_or("");
  rs.experiment_path = root.text("experiment_path").value_or("");
  rs.parity_reference = root.text("parity_reference").value_or("");
  rs.parity_band = root.number("parity_band").value_or(0.10);

  if (root.has("platforms")) {
    const schema::Reader pg = root.open("platforms");
    for (const auto& n : pg.children()) {
      const schema::Reader g = pg.open(n);
      PlatformRecord p;
      p.name = n;
      p.display_name = g.text("display_name").value_or(n);
      p.kind = g.text("kind").value_or("");
      p.path = g.text("path").value_or("");
      p.sha256 = g.text("sha256").value_or("");
      p.worst_confidence = g.text("worst_confidence").value_or("");
      p.descriptor_yaml = g.text("descriptor_yaml").value_or("");
      rs.platforms.push_back(std::move(p));
    }
  }
  if (root.has("cells")) {
    const schema::Reader cg = root.open("cells");
    for (const auto& id : cg.children()) rs.cells.push_back(read_cell(cg, id));
    std::stable_sort(rs.cells.begin(), rs.cells.end(),
                     [](const CellResult& a, const CellResult& b) { return a.index < b.index; });
  }
  rs.summary = read_summary(f);
  rs.parity = read_parity(root);
  rs.projections = read_projections(root);
  rs.seed_statistics = read_seed_statistics(f);
  return rs;
}

ResultSet load_result_set(const std::string& path) {
  h5::check_input_file(path, "give the path of an .h5 file written by `xpubench run`");
  ResultSet rs;
  h5::guarded_read(path, [&] { rs = read_result_set(path); });
  return rs;
}

}  // namespace xpb::analysis
