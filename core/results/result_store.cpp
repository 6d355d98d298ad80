// core/results/result_store.cpp — writing result sets atomically; summary and parity tables.
#include "core/results/result_store.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/model/parity.hpp"

namespace xpb {

// ------------------------------------------------------------------------------------------------
// Summary statistics

static double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  const double f = pos - static_cast<double>(i);
  return i + 1 < sorted.size() ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

SummaryRow describe(const std::vector<double>& v) {
  SummaryRow r;
  r.n = static_cast<long long>(v.size());
  if (v.empty()) {
    r.median = r.q1 = r.q3 = r.min = r.max = r.mean = r.last = r.low = r.high = std::nan("");
    return r;
  }
  std::vector<double> s(v);
  std::sort(s.begin(), s.end());
  r.median = quantile(s, 0.5);
  r.q1 = quantile(s, 0.25);
  r.q3 = quantile(s, 0.75);
  r.min = s.front();
  r.max = s.back();
  double sum = 0;
  for (double x : v) sum += x;  // file order: deterministic
  r.mean = sum / static_cast<double>(v.size());
  r.last = v.back();
  r.low = r.min;
  r.high = r.max;
  return r;
}

std::string step_value_unit(const CellRecord& rec, const std::string& name) {
  if (auto it = rec.step_units.find(name); it != rec.step_units.end()) return it->second;
  const bool secs = name.size() > 8 && name.compare(name.size() - 8, 8, "_seconds") == 0;
  return secs ? "s" : "";
}

std::vector<SummaryRow> summarize(const CellRecord& rec) {
  std::vector<SummaryRow> rows;
  auto base = [&](SummaryRow r, const std::string& kind, const std::string& metric,
                  const std::string& unit) {
    r.cell = rec.cell.id;
    r.workload = rec.cell.workload;
    r.params = rec.cell.params.canonical_json();
    r.status = rec.status;
    r.kind = kind;
    r.metric = metric;
    r.unit = unit;
    return r;
  };
  rows.push_back(base(describe(rec.step_seconds), "measured", "step_seconds", "s"));
  for (const auto& [name, vals] : rec.step_values)
    rows.push_back(base(describe(vals), "measured", name, step_value_unit(rec, name)));
  for (const auto& s : rec.metrics.scalars)
    rows.push_back(base(describe({s.value}), "metric", s.name, s.unit));
  for (const auto& p : rec.projections) {
    SummaryRow r;
    r.n = p.ok ? 1 : 0;
    const double nan = std::nan("");
    r.median = r.mean = r.last = p.ok ? p.step_seconds.nominal : nan;
    r.low = r.min = r.q1 = p.ok ? p.step_seconds.low : nan;
    r.high = r.max = r.q3 = p.ok ? p.step_seconds.high : nan;
    r = base(r, "projected", "step_seconds", "s");
    r.platform = p.platform;
    r.note = p.ok ? std::string(to_string(p.bound)) : "unavailable: " + p.reason;
    rows.push_back(r);
  }
  for (const auto& [plat, e] : rec.parity) {
    SummaryRow r;
    r.n = e.ok ? static_cast<long long>(e.samples.size()) : 0;
    const double nan = std::nan("");
    r.median = r.mean = r.last = e.ok ? e.median : nan;
    r.low = r.q1 = e.ok ? e.p5 : nan;
    r.high = r.q3 = e.ok ? e.p95 : nan;
    r.min = e.ok ? e.envelope_low : nan;
    r.max = e.ok ? e.envelope_high : nan;
    r = base(r, "parity", "speed_ratio", "");
    r.platform = plat;
    r.note = "t(" + rec.parity_reference + ") / t(platform), joint Monte Carlo: low/high 5-95 %, min/max worst-case envelope";
    rows.push_back(r);
  }
  if (rec.model_error) {
    SummaryRow r = base(describe({*rec.model_error}), "model_error", "step_seconds", "");
    r.platform = "host";
    r.note = "projected / measured - 1";
    rows.push_back(r);
  }
  return rows;
}

void attach_parity(CellRecord& rec, const std::string& reference) {
  rec.parity.clear();
  rec.parity_reference = reference;
  const Projection* ref = nullptr;
  for (const auto& p : rec.projections)
    if (p.platform == reference) ref = &p;
  if (!ref || !ref->ok) return;
  for (const auto& p : rec.projections) {
    if (p.platform == "host" || !p.ok) continue;
    rec.parity.emplace_back(p.platform, speed_ratio(ref->step, p.step));
  }
}

std::vector<ParityRow> parity_rows(const std::vector<SummaryRow>& rows, const std::string& reference,
                                   double band) {
  // Projected step times per cell and platform, and the joint ratios when the run stored them.
  std::map<std::string, std::map<std::string, const SummaryRow*>> proj, joint;
  std::vector<std::string> cells;
  for (const auto& r : rows) {
    if (r.kind == "parity" && r.metric == "speed_ratio") joint[r.cell][r.platform] = &r;
    if (r.kind != "projected" || r.metric != "step_seconds") continue;
    if (!proj.count(r.cell)) cells.push_back(r.cell);
    proj[r.cell][r.platform] = &r;
  }
  std::vector<ParityRow> out;
  for (const auto& c : cells) {
    const auto& m = proj[c];
    auto ref = m.find(reference);
    if (ref == m.end() || ref->second->n == 0) continue;
    const Range tref{ref->second->low, ref->second->median, ref->second->high};
    for (const auto& [plat, row] : m) {
      if (plat == "host") continue;  // the host is the model's self-check, not a parity target
      ParityRow p;
      p.cell = c;
      p.workload = row->workload;
      p.params = row->params;
      p.platform = plat;
      p.bound = row->note;
      if (row->n == 0) {
        p.verdict = "unavailable";
        p.low = p.nominal = p.high = std::nan("");
      } else {
        // The joint 5-95 % interval when stored; a result set without it (older runs) only has
        // the two intervals, whose extremes paired give the worst-case envelope.
        const Range env = speed_ratio_envelope(tref, {row->low, row->median, row->high});
        Range r = env;
        p.envelope_low = env.low, p.envelope_high = env.high;
        auto jc = joint.find(c);
        if (jc != joint.end()) {
          auto jp = jc->second.find(plat);
          if (jp != jc->second.end() && jp->second->n > 0) {
            r = {jp->second->low, jp->second->median, jp->second->high};
            p.envelope_low = jp->second->min, p.envelope_high = jp->second->max;
          }
        }
        if (plat == reference) r = Range::exact(1.0), p.envelope_low = p.envelope_high = 1.0;
        p.low = r.low, p.nominal = r.nominal, p.high = r.high;
        p.verdict = std::string(to_string(parity_verdict(r, band)));
      }
      out.push_back(p);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Writing

namespace {

void write_cell(hid_t file, const CellRecord& rec) {
  h5::Handle g = h5::create_group(file, "cells/" + rec.cell.id);
  h5::attr(g, "workload", rec.cell.workload);
  h5::attr(g, "params", rec.cell.params.canonical_json());
  h5::attr(g, "label", rec.cell.label());
  h5::attr(g, "seed", static_cast<long long>(rec.cell.seed));
  h5::attr(g, "status", rec.status);
  h5::attr(g, "reason", rec.reason);
  h5::attr(g, "index", static_cast<long long>(rec.cell.index));
  h5::attr(g, "repeats", static_cast<long long>(rec.cell.repeats));
  h5::attr(g, "warmup", static_cast<long long>(rec.cell.warmup));
  h5::attr(g, "started_utc", rec.started_utc);
  h5::attr(g, "finished_utc", rec.finished_utc);

  h5::write_doubles(g, "measured/step_seconds", rec.step_seconds, "s");
  h5::write_doubles(g, "measured/warmup_seconds", rec.warmup_seconds, "s");
  for (const auto& [name, vals] : rec.step_values)
    h5::write_doubles(g, "measured/" + name, vals, step_value_unit(rec, name));

  h5::Handle v = h5::create_group(g, "validation");
  h5::attr(v, "passed", static_cast<long long>(rec.validation.passed ? 1 : 0));
  h5::attr(v, "reason", rec.validation.reason);
  h5::attr_double(v, "max_rel_err", rec.validation.max_rel_err);
  h5::attr_double(v, "tolerance", rec.validation.tolerance);

  h5::Handle m = h5::create_group(g, "metrics");
  for (const auto& s : rec.metrics.scalars) {
    h5::write_doubles(m, s.name, {s.value}, s.unit);
    if (!s.doc.empty()) {
      h5::Handle d(H5Dopen2(m, s.name.c_str(), H5P_DEFAULT));
      h5::attr(d, "doc", s.doc);
    }
  }
  for (const auto& [k, val] : rec.metrics.attributes) h5::attr(m, k, val);
  for (const auto& s : rec.metrics.series) {
    h5::write_doubles(g, "series/" + s.name + "/values", s.values, s.unit);
    if (!s.index.empty()) h5::write_doubles(g, "series/" + s.name + "/index", s.index);
  }
  for (const auto& a : rec.metrics.arrays) {
    h5::write_doubles(g, "arrays/" + a.name, a.data, {}, a.shape);
    h5::Handle d(H5Dopen2(g, ("arrays/" + a.name).c_str(), H5P_DEFAULT));
    h5::attr(d, "dtype", a.dtype);
  }

  h5::Table t;
  t.string_columns = {"name", "kind", "dtype", "collective"};
  t.double_columns = {"flops", "bytes", "count", "collective_bytes"};
  t.int_columns = {"ranks"};
  for (const auto& k : rec.ledger) {
    t.strings.push_back({k.name, std::string(to_string(k.kind)), std::string(to_string(k.dtype)),
                         std::string(to_string(k.collective))});
    t.doubles.push_back({k.flops, k.bytes, k.count, k.collective_bytes});
    t.ints.push_back({k.ranks});
  }
  h5::write_table(g, "ledger", t);

  for (const auto& p : rec.projections) {
    h5::Handle pg = h5::create_group(g, "projected/" + p.platform);
    h5::attr(pg, "ok", static_cast<long long>(p.ok ? 1 : 0));
    h5::attr(pg, "reason", p.reason);
    h5::attr(pg, "bound", std::string(to_string(p.bound)));
    if (p.host_share != 1.0 || p.ranks_on_node != 1) {
      // The host as one rank of several saw it: min(threads, cpus / ranks) / calibrated threads.
      h5::attr_double(pg, "host_share", p.host_share);
      h5::attr(pg, "ranks_on_node", static_cast<long long>(p.ranks_on_node));
    }
    if (!p.ok) continue;
    auto rng = [&](const char* name, const Range& r, const char* unit) {
      h5::write_doubles(pg, name, {r.low, r.nominal, r.high}, unit);
    };
    rng("step_seconds", p.step_seconds, "s");  // 5 %, median, 95 % of the Monte Carlo
    h5::write_doubles(pg, "step_seconds_envelope", {p.step.envelope_low, p.step.envelope_high}, "s");
    h5::write_doubles(pg, "step_seconds_nominal_inputs", {p.step.nominal}, "s");
    if (p.hfu.high > 0) rng("hfu", p.hfu, "");
    h5::attr(pg, "monte_carlo_samples", static_cast<long long>(p.step.samples.size()));
    h5::attr(pg, "monte_carlo_seed", static_cast<long long>(p.step.seed));
    rng("compute_seconds", p.compute_seconds, "s");
    rng("memory_seconds", p.memory_seconds, "s");
    rng("comm_seconds", p.comm_seconds, "s");
    rng("launch_seconds", p.launch_seconds, "s");
    rng("energy_joules", p.energy_joules, "J");
    h5::Handle e(H5Dopen2(pg, "energy_joules", H5P_DEFAULT));
    h5::attr(e, "note", "upper bound: TDP x projected time");
    if (p.platform == "host" && rec.model_error) h5::attr_double(pg, "error_vs_measured", *rec.model_error);
  }
}

void write_summary(hid_t file, const std::vector<SummaryRow>& rows) {
  h5::Table t;
  t.string_columns = {"cell", "workload", "params", "status", "kind", "metric", "unit", "platform", "note"};
  t.double_columns = {"median", "q1", "q3", "min", "max", "mean", "last", "low", "high"};
  t.int_columns = {"n"};
  for (const auto& r : rows) {
    t.strings.push_back({r.cell, r.workload, r.params, r.status, r.kind, r.metric, r.unit, r.platform, r.note});
    t.doubles.push_back({r.median, r.q1, r.q3, r.min, r.max, r.mean, r.last, r.low, r.high});
    t.ints.push_back({r.n});
  }
  h5::write_table(file, "summary", t);
}

void write_parity(hid_t file, const std::vector<ParityRow>& rows, const std::string& reference, double band) {
  h5::Table t;
  t.string_columns = {"cell", "workload", "params", "platform", "verdict", "bound"};
  t.double_columns = {"ratio_low", "ratio_nominal", "ratio_high", "ratio_envelope_low", "ratio_envelope_high"};
  for (const auto& r : rows) {
    t.strings.push_back({r.cell, r.workload, r.params, r.platform, r.verdict, r.bound});
    t.doubles.push_back({r.low, r.nominal, r.high, r.envelope_low, r.envelope_high});
  }
  h5::write_table(file, "parity", t);
  h5::Handle d(H5Dopen2(file, "parity", H5P_DEFAULT));
  h5::attr(d, "reference", reference);
  h5::attr_double(d, "band", band);
  h5::attr(d, "note", "ratio = projected time on reference / projected time on platform (>1: faster); "
                      "low/nominal/high = 5 %, median, 95 % of the joint Monte Carlo; envelope = worst case");
}


}  // namespace

std::vector<SummaryRow> read_summary(hid_t file) {
  std::vector<SummaryRow> rows;
  const h5::Table t = h5::read_table(file, "summary");
  auto col = [](const std::vector<std::string>& cols, const char* n) {
    return static_cast<std::size_t>(std::find(cols.begin(), cols.end(), n) - cols.begin());
  };
  for (std::size_t i = 0; i < t.strings.size(); ++i) {
    SummaryRow r;
    auto s = [&](const char* n) {
      const auto c = col(t.string_columns, n);
      return c < t.strings[i].size() ? t.strings[i][c] : std::string{};
    };
    auto d = [&](const char* n) {
      const auto c = col(t.double_columns, n);
      return c < t.doubles[i].size() ? t.doubles[i][c] : std::nan("");
    };
    r.cell = s("cell"), r.workload = s("workload"), r.params = s("params"), r.status = s("status");
    r.kind = s("kind"), r.metric = s("metric"), r.unit = s("unit"), r.platform = s("platform");
    r.note = s("note");
    r.median = d("median"), r.q1 = d("q1"), r.q3 = d("q3"), r.min = d("min"), r.max = d("max");
    r.mean = d("mean"), r.last = d("last"), r.low = d("low"), r.high = d("high");
    const auto nc = col(t.int_columns, "n");
    r.n = nc < t.ints[i].size() ? t.ints[i][nc] : 0;
    rows.push_back(r);
  }
  return rows;
}

ResultStore::ResultStore(std::string path, RunHeader header, bool resume, bool force, bool writer)
    : m_path(std::move(path)), m_header(std::move(header)), m_writer(writer) {
  h5::quiet_errors();
  const ExperimentSpec& spec = *m_header.spec;
  namespace fs = std::filesystem;
  if (fs::exists(m_path)) {
    if (!h5::is_hdf5(m_path)) {
      if (!force)
        throw Error({m_path, 0, {}}, "exists and is not an HDF5 result set", "use --force to overwrite it");
    } else if (force && !resume) {
      // Started over: the old file is neither read nor needed (it may not even open).
    } else {
      h5::Handle f = h5::open_file(m_path);
      const auto sha = h5::read_attr_string(f, "experiment_sha256");
      const bool same = sha && *sha == spec.sha256;
      if (!resume && !force)
        throw Error({m_path, 0, {}}, "result set already exists",
                    "use --resume to complete it or --force to start over");
      if (resume && !same && !force)
        throw Error({m_path, 0, {}},
                    "result set was written from a different experiment (experiment_sha256 differs)",
                    "use --force to overwrite it, or -o to write elsewhere");
      if (resume && same) {
        m_resumes = h5::read_attr_int(f, "resume_count").value_or(0) + 1;
        for (const auto& id : h5::exists(f, "cells") ? h5::children(h5::open_group(f, "cells"))
                                                     : std::vector<std::string>{}) {
          h5::Handle g = h5::open_group(f, "cells/" + id);
          const auto st = h5::read_attr_string(g, "status").value_or("");
          m_present.insert(id);
          if (st == "ok" || st == "invalid") m_done.insert(id);
        }
        m_rows = read_summary(f);
      }
    }
  }
  if (!resume || m_present.empty()) m_present.clear(), m_done.clear(), m_rows.clear();
  if (!m_writer) return;
  fs::path parent = fs::path(m_path).parent_path();
  if (!parent.empty() && !fs::exists(parent)) fs::create_directories(parent);
  rewrite(nullptr);
}

void ResultStore::commit(const CellRecord& rec) {
  if (m_writer) {
    rewrite(&rec);
  } else {
    m_present.insert(rec.cell.id);
    if (rec.status == "ok" || rec.status == "invalid") m_done.insert(rec.cell.id);
  }
}

std::string fragment_dir(const std::string& output) { return output + ".parts"; }

std::string fragment_path(const std::string& output, const std::string& cell_id) {
  return fragment_dir(output) + "/" + cell_id + ".h5";
}

std::vector<std::string> list_fragments(const std::string& output) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path dir = fragment_dir(output);
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".h5") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

void ResultStore::set_projections(std::vector<PlanProjection> rows) {
  m_projections = std::move(rows);
  if (m_writer) rewrite(nullptr);
}

namespace {
void write_projections(hid_t file, const std::vector<PlanProjection>& rows) {
  h5::Table t;
  t.string_columns = {"model", "model_file", "model_sha256", "platform", "platform_sha256", "stack", "plan",
                      "status", "reason", "reference", "verdict", "breakdown", "assumptions"};
  t.double_columns = {"global_batch", "seq_len", "tokens", "memory_gb", "step_p5", "step_median", "step_p95",
                      "step_nominal_inputs", "step_envelope_low", "step_envelope_high", "mfu_p5", "mfu_median",
                      "mfu_p95", "hfu_median", "tokens_per_second", "days_p5", "days_median", "days_p95",
                      "ratio_p5", "ratio_median", "ratio_p95", "ratio_envelope_low", "ratio_envelope_high"};
  t.int_columns = {"entry", "devices", "micro_batches", "monte_carlo_samples", "monte_carlo_seed"};
  for (const auto& r : rows) {
    t.strings.push_back({r.model, r.model_file, r.model_sha256, r.platform, r.platform_sha256, r.stack, r.plan,
                         r.status, r.reason, r.reference, r.verdict, r.breakdown, r.assumptions});
    t.doubles.push_back({r.global_batch, r.seq_len, r.tokens, r.memory_gb, r.step_p5, r.step_median, r.step_p95,
                         r.step_nominal, r.step_envelope_low, r.step_envelope_high, r.mfu_p5, r.mfu_median,
                         r.mfu_p95, r.hfu_median, r.tokens_per_second, r.days_p5, r.days_median, r.days_p95,
                         r.ratio_p5, r.ratio_median, r.ratio_p95, r.ratio_envelope_low, r.ratio_envelope_high});
    t.ints.push_back({r.entry, r.devices, r.micro_batches, r.samples, r.seed});
  }
  h5::write_table(file, "projections", t);
  h5::Handle d(H5Dopen2(file, "projections", H5P_DEFAULT));
  h5::attr(d, "note", "paper-scale training projected by the performance model (docs/projection.md); step/mfu/days: "
                      "5 %, median, 95 % of a seeded Monte Carlo; ratio = t(reference) / t(platform), joint; "
                      "envelope = worst case; breakdown = ledger parts in s per step at nominal inputs (JSON)");
}
}  // namespace

void ResultStore::write_single(const std::string& path, const RunHeader& header, const CellRecord& rec) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  ResultStore(path, header).rewrite(&rec);
}

int ResultStore::absorb(const std::vector<std::string>& fragment_files) {
  // Keep only fragments of this experiment (a stray file of another run stays where it is).
  std::vector<std::string> ok;
  for (const auto& f : fragment_files) {
    if (!h5::is_hdf5(f)) continue;
    h5::Handle fh = h5::open_file(f);
    const auto sha = h5::read_attr_string(fh, "experiment_sha256");
    if (sha && *sha == m_header.spec->sha256 && h5::exists(fh, "cells")) ok.push_back(f);
  }
  if (ok.empty()) return 0;
  const std::size_t before = m_present.size();
  if (m_writer) rewrite(nullptr, ok);
  for (const auto& f : ok) std::remove(f.c_str());
  return static_cast<int>(m_present.size() - before);
}

void ResultStore::rewrite(const CellRecord* rec, const std::vector<std::string>& fragments) {
  const ExperimentSpec& spec = *m_header.spec;
  std::vector<std::pair<std::string, bool>> absorbed;  // cells taken from fragments: id, done
  std::vector<SummaryRow> rows = m_rows;  // m_rows changes only once the new file is in place
  std::string image;
  {
    // Built in memory; HDF5 itself never writes to the disk (see h5::create_memory_file).
    h5::Handle f = h5::create_memory_file();
    h5::attr(f, "schema", std::string(kResultSchema));
    h5::attr(f, "schema_version", static_cast<long long>(kResultSchemaVersion));
    for (const auto& [k, v] : m_header.provenance.strings) h5::attr(f, k, v);
    for (const auto& [k, v] : m_header.provenance.integers) h5::attr(f, k, v);
    h5::attr(f, "experiment_name", spec.name);
    h5::attr(f, "experiment_description", spec.description);
    h5::attr(f, "experiment_path", spec.path);
    h5::attr(f, "experiment_yaml", spec.yaml_text);
    h5::attr(f, "experiment_sha256", spec.sha256);
    h5::attr(f, "experiment_cells", static_cast<long long>(spec.cells.size()));
    h5::attr(f, "parity_reference", spec.reference_platform);
    h5::attr_double(f, "parity_band", spec.parity_band);
    h5::attr(f, "workloads_built", m_header.workloads_built);
    h5::attr(f, "resume_count", m_resumes);
    {
      h5::Handle env = h5::create_group(f, "environment");
      for (const auto& [k, v] : m_header.provenance.environment) h5::attr(env, k, v);
    }
    h5::create_group(f, "platforms");
    for (const auto& p : m_header.platforms) {
      h5::Handle g = h5::create_group(f, "platforms/" + p.name);
      h5::attr(g, "descriptor_yaml", p.yaml_text);
      h5::attr(g, "sha256", p.sha256);
      h5::attr(g, "path", p.path);
      h5::attr(g, "display_name", p.display_name);
      h5::attr(g, "kind", p.kind);
      h5::attr(g, "worst_confidence", std::string(to_string(p.worst_confidence())));
    }
    h5::create_group(f, "cells");
    // Earlier cells come from the previous complete file.
    if (!m_present.empty()) {
      h5::Handle old = h5::open_file(m_path);
      for (const auto& id : m_present) {
        if (rec && id == rec->cell.id) continue;
        h5::copy(old, "cells/" + id, f, "cells/" + id);
      }
    }
    auto replace_rows = [&](const std::string& id, const std::vector<SummaryRow>& add) {
      rows.erase(std::remove_if(rows.begin(), rows.end(), [&](const SummaryRow& r) { return r.cell == id; }),
                 rows.end());
      for (const auto& r : add)
        if (r.cell == id) rows.push_back(r);
    };
    if (rec) {
      write_cell(f, *rec);
      replace_rows(rec->cell.id, summarize(*rec));
    }
    for (const auto& path : fragments) {
      h5::Handle frag = h5::open_file(path);
      const std::vector<SummaryRow> rows = read_summary(frag);
      for (const auto& id : h5::children(h5::open_group(frag, "cells"))) {
        if (h5::exists(f, "cells/" + id)) H5Ldelete(f, ("cells/" + id).c_str(), H5P_DEFAULT);
        h5::copy(frag, "cells/" + id, f, "cells/" + id);
        replace_rows(id, rows);
        h5::Handle g = h5::open_group(frag, "cells/" + id);
        const auto st = h5::read_attr_string(g, "status").value_or("");
        absorbed.emplace_back(id, st == "ok" || st == "invalid");
      }
    }
    // Rows in the experiment's cell order, whoever ran the cells and whenever.
    std::map<std::string, std::size_t> order;
    for (const auto& c : spec.cells) order.emplace(c.id, c.index);
    std::stable_sort(rows.begin(), rows.end(), [&](const SummaryRow& a, const SummaryRow& b) {
      const auto ia = order.find(a.cell), ib = order.find(b.cell);
      return (ia == order.end() ? SIZE_MAX : ia->second) < (ib == order.end() ? SIZE_MAX : ib->second);
    });
    write_summary(f, rows);
    write_parity(f, parity_rows(rows, spec.reference_platform, spec.parity_band),
                 spec.reference_platform, spec.parity_band);
    if (!m_projections.empty()) write_projections(f, m_projections);
    image = h5::file_image(f);
  }
  // Every write checked, fsynced, then renamed over the old file: a full disk or an I/O error
  // throws and leaves the previous complete result set in place.
  try {
    write_file_atomically(m_path, image, "the result set");
  } catch (const Error& e) {
    throw Error(e.where(), e.what(),
                m_present.empty() ? e.hint()
                                  : e.hint() + " and keeps its " + std::to_string(m_present.size()) +
                                        " saved cell(s): run again with --resume to finish the rest");
  }
  m_rows = std::move(rows);
  if (rec) {
    m_present.insert(rec->cell.id);
    if (rec->status == "ok" || rec->status == "invalid") m_done.insert(rec->cell.id);
  }
  for (const auto& [id, done] : absorbed) {
    m_present.insert(id);
    if (done) m_done.insert(id);
    else m_done.erase(id);
  }
}

}  // namespace xpb
