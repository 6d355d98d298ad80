// core/results/result_store.cpp — writing result sets atomically; summary and parity tables.
#include "core/results/result_store.hpp"
#include "core/results/seed_stats.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/model/parity.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/record_journal.hpp"
#include "core/results/schema_io.hpp"

namespace xpb {

// ------------------------------------------------------------------------------------------------
// Summary statistics

SummaryRow describe(const std::vector<double>& v) {
  SummaryRow r;
  r.n = static_cast<long long>(v.size());
  if (v.empty()) {
    r.median = r.q1 = r.q3 = r.min = r.max = r.mean = r.last = r.low = r.high = std::nan("");
    return r;
  }
  std::vector<double> s(v);
  std::sort(s.begin(), s.end());
  r.median = quantile_sorted(s, 0.5);
  r.q1 = quantile_sorted(s, 0.25);
  r.q3 = quantile_sorted(s, 0.75);
  r.min = s.front();
  r.max = s.back();
  double sum = 0;
  for (double x : v) sum += x;  // file order: deterministic
  r.mean = sum / static_cast<double>(v.size());
  r.last = v.back();
  r.low = quantile_sorted(s, 0.05);  // low/high: the 5 % and 95 % points, as everywhere
  r.high = quantile_sorted(s, 0.95);
  return r;
}

std::string_view to_string(CellStatus s) {
  switch (s) {
    case CellStatus::ok: return "ok";
    case CellStatus::invalid: return "invalid";
    case CellStatus::failed: return "failed";
    case CellStatus::skipped: return "skipped";
  }
  return "failed";
}

std::optional<CellStatus> parse_cell_status(std::string_view s) {
  for (CellStatus c : {CellStatus::ok, CellStatus::invalid, CellStatus::failed, CellStatus::skipped})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

// A stored status read back; a name this version does not know counts as failed (runs again).
static CellStatus stored_status(const std::string& s) {
  return parse_cell_status(s).value_or(CellStatus::failed);
}

std::string step_value_unit(const CellRecord& rec, const std::string& name) {
  const auto it = rec.step_units.find(name);
  return it == rec.step_units.end() ? std::string() : it->second;
}

// How a value of a declared kind is compared: quantities and projections must reproduce; times,
// rates and shares of time are timings of this machine.
schema::Kind stored_kind(MetricKind k) {
  return k == MetricKind::quantity || k == MetricKind::projected ? schema::Kind::numeric
                                                                 : schema::Kind::timing;
}

std::optional<schema::Kind> step_value_kind(const CellRecord& rec, const std::string& name) {
  const auto it = rec.step_kinds.find(name);
  if (it == rec.step_kinds.end()) return std::nullopt;
  return stored_kind(it->second);
}

std::vector<SummaryRow> summarize(const CellRecord& rec) {
  std::vector<SummaryRow> rows;
  auto base = [&](SummaryRow r, const std::string& kind, const std::string& metric, const std::string& unit) {
    r.value_kind = std::string(schema::to_string(schema::kind_for_unit(unit)));
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
  for (const auto& [name, vals] : rec.step_values) {
    SummaryRow r = base(describe(vals), "measured", name, step_value_unit(rec, name));
    if (const auto k = step_value_kind(rec, name)) r.value_kind = std::string(schema::to_string(*k));
    rows.push_back(r);
  }
  for (const auto& s : rec.metrics.scalars) {
    SummaryRow r = base(describe({s.value}), "metric", s.name, s.unit);
    r.value_kind = std::string(schema::to_string(stored_kind(s.kind)));
    rows.push_back(r);
  }
  for (const auto& p : rec.projections) {
    SummaryRow r;
    r.n = p.ok ? 1 : 0;
    const double nan = std::nan("");
    r.median = r.mean = r.last = p.ok ? p.step_seconds.nominal : nan;
    r.low = r.min = r.q1 = p.ok ? p.step_seconds.low : nan;
    r.high = r.max = r.q3 = p.ok ? p.step_seconds.high : nan;
    r = base(r, "projected", "step_seconds", "s");
    r.value_kind = std::string(schema::to_string(schema::Kind::numeric));  // the model, not a clock
    r.platform = p.platform;
    r.note = p.ok ? std::string(to_string(p.bound)) : "unavailable: " + p.reason;
    rows.push_back(r);
  }
  // Time to target on each platform: the measured steps to the target (the same maths runs
  // everywhere) times the platform's projected step time.
  const auto steps_it = std::find_if(rec.metrics.scalars.begin(), rec.metrics.scalars.end(),
                                     [](const auto& sc) { return sc.name == "steps_to_target"; });
  if (steps_it != rec.metrics.scalars.end() && steps_it->value >= 0) {
    const double k = steps_it->value;
    for (const auto& p : rec.projections) {
      if (!p.ok) continue;
      SummaryRow r;
      r.n = 1;
      r.median = r.mean = r.last = k * p.step_seconds.nominal;
      r.low = r.min = r.q1 = k * p.step_seconds.low;
      r.high = r.max = r.q3 = k * p.step_seconds.high;
      r = base(r, "projected", "seconds_to_target", "s");
      r.value_kind = std::string(schema::to_string(schema::Kind::numeric));  // the model, not a clock
      r.platform = p.platform;
      r.note = "measured steps_to_target (" + std::to_string(static_cast<long long>(k)) +
               ") x projected step time; low/high: 5-95 %";
      rows.push_back(r);
    }
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
    r.value_kind = std::string(schema::to_string(schema::Kind::numeric));  // the model, not a clock
    r.platform = plat;
    r.note = "t(" + rec.parity_reference +
             ") / t(platform), joint Monte Carlo: low/high 5-95 %, min/max worst-case envelope";
    rows.push_back(r);
  }
  for (const auto& p : rec.projections) {
    if (!p.self_check || !rec.model_error) continue;
    SummaryRow r = base(describe({*rec.model_error}), "model_error", "step_seconds", "");
    r.value_kind = std::string(schema::to_string(schema::Kind::timing));  // relative to a measured time
    r.platform = p.platform;
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
    if (p.self_check || !p.ok) continue;  // the host is the model's self-check, not a parity target
    rec.parity.emplace_back(p.platform, speed_ratio(ref->step, p.step));
  }
}

std::vector<ParityRow> parity_rows(const std::vector<SummaryRow>& rows, const std::string& reference,
                                   double band, const std::set<std::string>& hosts) {
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
      if (hosts.count(plat)) continue;  // a host is the model's self-check, not a parity target
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
// Writing (every path through core/results/schema_io.hpp: declared in core/results/schema.cpp)

namespace {

void write_projection(const schema::Writer& cell, const Projection& p, const CellRecord& rec) {
  const schema::Writer pg = cell.group("projected/" + p.platform);
  pg.attr("ok", static_cast<long long>(p.ok ? 1 : 0));
  pg.attr("reason", p.reason);
  pg.attr("bound", std::string(to_string(p.bound)));
  if (p.host_share != 1.0 || p.ranks_on_node != 1) {
    // The host as one rank of several saw it: min(threads, cpus / ranks) / calibrated threads.
    pg.attr("host_share", p.host_share);
    pg.attr("ranks_on_node", static_cast<long long>(p.ranks_on_node));
  }
  if (!p.ok) return;
  auto rng = [&](const char* name, const Range& r) { return pg.values(name, {r.low, r.nominal, r.high}); };
  rng("step_seconds", p.step_seconds);  // 5 %, median, 95 % of the Monte Carlo
  pg.values("step_seconds_envelope", {p.step.envelope_low, p.step.envelope_high});
  pg.values("step_seconds_nominal_inputs", {p.step.nominal});
  pg.attr("monte_carlo_samples", static_cast<long long>(p.step.samples.size()));
  pg.attr("monte_carlo_seed", static_cast<long long>(p.step.seed));
  rng("compute_seconds", p.compute_seconds);
  rng("memory_seconds", p.memory_seconds);
  rng("comm_seconds", p.comm_seconds);
  rng("launch_seconds", p.launch_seconds);
  rng("energy_joules", p.energy_joules).attr("note", "upper bound: TDP x projected time");
  // The projector computes HFU only when the ledger has FLOPs and their dtype's peak is known.
  if (p.hfu.nominal > 0) {
    rng("hfu", p.hfu);
    pg.attr("hfu_dtype", std::string(to_string(p.peak_dtype)));
  }
  if (p.self_check && rec.model_error) pg.attr("error_vs_measured", *rec.model_error);
  if (!p.ledger_as_run.empty()) pg.attr("ledger_as_run", p.ledger_as_run);
  schema::TableWriter k(pg, "kernels");
  for (const auto& kp : p.kernels) {
    k.row();
    k.set("name", kp.name);
    k.set("bound", std::string(to_string(kp.bound)));
    k.set("seconds_low", kp.seconds.low);
    k.set("seconds_nominal", kp.seconds.nominal);
    k.set("seconds_high", kp.seconds.high);
  }
  k.write();
}

void write_cell(const schema::Writer& root, const CellRecord& rec) {
  const schema::Writer g = root.group("cells/" + rec.cell.id);
  g.attr("workload", rec.cell.workload);
  g.attr("params", rec.cell.params.canonical_json());
  g.attr("label", rec.cell.label());
  g.attr("seed", static_cast<long long>(rec.cell.seed));
  g.attr("status", std::string(to_string(rec.status)));
  g.attr("reason", rec.reason);
  g.attr("index", static_cast<long long>(rec.cell.index));
  g.attr("repeats", static_cast<long long>(rec.cell.repeats));
  g.attr("warmup", static_cast<long long>(rec.cell.warmup));
  g.attr("iterations", static_cast<long long>(rec.iterations));
  g.attr("min_time", rec.min_time);
  g.attr("timed_seconds", rec.timed_seconds);
  if (rec.working_set_bytes > 0) g.attr("working_set_bytes", rec.working_set_bytes);
  g.attr("started_utc", rec.started_utc);
  g.attr("finished_utc", rec.finished_utc);
  if (rec.load_start) g.attr("load_avg_start", *rec.load_start);
  if (rec.load_end) g.attr("load_avg_end", *rec.load_end);
  if (!rec.cpu_freq.empty()) g.attr("cpu_freq", rec.cpu_freq);
  if (!rec.cpu_governor.empty()) g.attr("cpu_governor", rec.cpu_governor);
  if (rec.dispersion) g.attr("dispersion", *rec.dispersion);
  std::string reasons;
  for (const auto& r : rec.noise_reasons) reasons += (reasons.empty() ? "" : "; ") + r;
  g.attr("noisy", static_cast<long long>(rec.noise_reasons.empty() ? 0 : 1));
  g.attr("noise_reasons", reasons);

  g.values("measured/step_seconds", rec.step_seconds);
  g.values("measured/warmup_seconds", rec.warmup_seconds);
  for (const auto& [name, vals] : rec.step_values)
    g.values("measured/" + name, vals, step_value_unit(rec, name), {}, step_value_kind(rec, name));

  const schema::Writer v = g.group("validation");
  v.attr("passed", static_cast<long long>(rec.validation.passed ? 1 : 0));
  v.attr("reason", rec.validation.reason);
  if (rec.validation.max_rel_err) v.attr("max_rel_err", *rec.validation.max_rel_err);
  if (rec.validation.tolerance) v.attr("tolerance", *rec.validation.tolerance);

  const schema::Writer m = g.group("metrics");
  for (const auto& s : rec.metrics.scalars) {
    const schema::Writer d = m.values(s.name, {s.value}, s.unit, {}, stored_kind(s.kind));
    if (!s.doc.empty()) d.attr("doc", s.doc);
  }
  for (const auto& [k, val] : rec.metrics.attributes) m.attr(k, val);
  for (const auto& s : rec.metrics.series) {
    g.values("series/" + s.name + "/values", s.values, s.unit);
    if (!s.index.empty()) g.values("series/" + s.name + "/index", s.index);
  }
  for (const auto& a : rec.metrics.arrays)
    g.values("arrays/" + a.name, a.data, {}, a.shape).attr("dtype", a.dtype);

  schema::TableWriter t(g, "ledger");
  for (const auto& k : rec.ledger) {
    t.row();
    t.set("name", k.name);
    t.set("kind", std::string(to_string(k.kind)));
    t.set("dtype", std::string(to_string(k.dtype)));
    t.set("collective", std::string(to_string(k.collective)));
    t.set("flops", k.flops);
    t.set("bytes", k.bytes);
    t.set("count", k.count);
    t.set("collective_bytes", k.collective_bytes);
    t.set("ranks", static_cast<long long>(k.ranks));
  }
  t.write();

  for (const auto& p : rec.projections) write_projection(g, p, rec);
}

// The platforms of kind host: the model's self-check, not parity targets.
std::set<std::string> host_names(const std::vector<Platform>& platforms) {
  std::set<std::string> out;
  for (const auto& p : platforms)
    if (is_host(p)) out.insert(p.name);
  return out;
}

void write_summary(const schema::Writer& root, const std::vector<SummaryRow>& rows) {
  schema::TableWriter t(root, "summary");
  for (const auto& r : rows) {
    t.row();
    t.set("cell", r.cell), t.set("workload", r.workload), t.set("params", r.params);
    t.set("status", std::string(to_string(r.status))), t.set("kind", r.kind), t.set("metric", r.metric);
    t.set("unit", r.unit), t.set("platform", r.platform), t.set("note", r.note),
        t.set("value_kind", r.value_kind);
    t.set("median", r.median), t.set("q1", r.q1), t.set("q3", r.q3), t.set("min", r.min);
    t.set("max", r.max), t.set("mean", r.mean), t.set("last", r.last), t.set("low", r.low);
    t.set("high", r.high), t.set("n", r.n);
  }
  t.write();
}

void write_seed_statistics(const schema::Writer& root, const std::vector<SeedStatRow>& rows) {
  schema::TableWriter t(root, "seed_statistics");
  for (const auto& r : rows) {
    t.row();
    t.set("group", r.group), t.set("workload", r.workload), t.set("params", r.params), t.set("kind", r.kind);
    t.set("metric", r.metric), t.set("unit", r.unit), t.set("value_kind", r.value_kind),
        t.set("seeds", r.seeds);
    t.set("cells", r.cells), t.set("n", r.n), t.set("mean", r.mean), t.set("sd", r.sd);
    t.set("ci95_low", r.ci95_low), t.set("ci95_high", r.ci95_high), t.set("min", r.min), t.set("max", r.max);
  }
  t.write();
}

void write_parity(const schema::Writer& root, const std::vector<ParityRow>& rows,
                  const std::string& reference, double band) {
  schema::TableWriter t(root, "parity");
  for (const auto& r : rows) {
    t.row();
    t.set("cell", r.cell), t.set("workload", r.workload), t.set("params", r.params);
    t.set("platform", r.platform), t.set("verdict", r.verdict), t.set("bound", r.bound);
    t.set("ratio_low", r.low), t.set("ratio_nominal", r.nominal), t.set("ratio_high", r.high);
    t.set("ratio_envelope_low", r.envelope_low), t.set("ratio_envelope_high", r.envelope_high);
  }
  const schema::Writer d = t.write();
  d.attr("reference", reference);
  d.attr("band", band);
  d.attr("note",
         "ratio = projected time on reference / projected time on platform (>1: faster); "
         "low/nominal/high = 5 %, median, 95 % of the joint Monte Carlo; envelope = worst case");
}

}  // namespace

std::vector<SummaryRow> read_summary(hid_t file) {
  std::vector<SummaryRow> rows;
  const schema::TableReader t(schema::Reader(file, "/"), "summary");
  for (std::size_t i = 0; i < t.rows(); ++i) {
    SummaryRow r;
    r.cell = t.text(i, "cell"), r.workload = t.text(i, "workload"), r.params = t.text(i, "params");
    r.status = stored_status(t.text(i, "status")), r.kind = t.text(i, "kind"), r.metric = t.text(i, "metric");
    r.unit = t.text(i, "unit"), r.platform = t.text(i, "platform"), r.note = t.text(i, "note");
    r.value_kind = t.text(i, "value_kind");
    if (r.value_kind.empty() && (r.kind == "measured" || r.kind == "metric"))  // schema 1
      r.value_kind = std::string(schema::to_string(schema::kind_for_unit(r.unit)));
    r.median = t.number(i, "median"), r.q1 = t.number(i, "q1"), r.q3 = t.number(i, "q3");
    r.min = t.number(i, "min"), r.max = t.number(i, "max"), r.mean = t.number(i, "mean");
    r.last = t.number(i, "last"), r.low = t.number(i, "low"), r.high = t.number(i, "high");
    r.n = t.integer(i, "n");
    rows.push_back(r);
  }
  return rows;
}

ResultStore::ResultStore(std::string path, RunHeader header, bool resume, bool force, bool writer)
    : m_path(std::move(path)), m_header(std::move(header)), m_writer(writer) {
  h5::quiet_errors();
  const ExperimentSpec& spec = *m_header.spec;
  namespace fs = std::filesystem;
  if (m_writer) {
    check_output(m_path, {/*force=*/true, {}, "the result set"});  // special files: before any open
    fs::path parent = fs::path(m_path).parent_path();
    if (!parent.empty() && !fs::exists(parent)) fs::create_directories(parent);
    m_lock = std::make_unique<OutputLock>(m_path, "this result set");
    remove_stale_temp_files(m_path);
    remove_stale_temp_files_in(fragment_dir(m_path));  // journal entries whose writer was killed
    // A journal left by a crashed or killed run holds finished cells that only --resume merges:
    // a fresh run never deletes them unasked (before anything is written here).
    if (!resume) {
      m_discarded = list_fragments(m_path).size() + count_journal_entries(journal_path(m_path));
      if (m_discarded > 0 && !force)
        throw Error({fragment_dir(m_path), 0, {}},
                    "holds " + std::to_string(m_discarded) + " completed cell(s) of an earlier run (its " +
                        "journal, not yet merged into " + m_path + ")",
                    "run again with --resume to merge them and finish the rest, or with --force to "
                    "discard them and start over");
    }
  }
  if (fs::exists(m_path)) {
    if (!h5::is_hdf5(m_path)) {
      if (!force)
        throw Error({m_path, 0, {}}, "exists and is not an HDF5 result set", "use --force to overwrite it");
    } else if (force && !resume) {
      // Started over: the old file is neither read nor needed (it may not even open).
    } else {
      h5::Handle f = h5::open_file(m_path);
      const schema::Reader root(f, "/");
      const auto sha = root.text("experiment_sha256");
      const bool same = sha && *sha == spec.sha256;
      if (!resume && !force)
        throw Error({m_path, 0, {}}, "result set already exists",
                    "use --resume to complete it or --force to start over");
      if (resume && !same && !force)
        throw Error({m_path, 0, {}},
                    "result set was written from a different experiment (experiment_sha256 differs)",
                    "use --force to overwrite it, or -o to write elsewhere");
      const long long version = root.integer("schema_version").value_or(0);
      if (resume && same && version != schema::kVersion && !force)
        throw Error({m_path, 0, "schema_version"},
                    "result set was written with schema version " + std::to_string(version) +
                        "; this xpubench writes version " + std::to_string(schema::kVersion) +
                        " and does not mix the two in one file",
                    "finish it with the xpubench that started it, or use --force to start over");
      if (resume && same && version == schema::kVersion) {
        m_resumes = root.integer("resume_count").value_or(0) + 1;
        if (root.has("cells")) {
          const schema::Reader cells = root.open("cells");
          for (const auto& id : cells.children()) {
            const auto st = cells.open(id).text("status").value_or("");
            m_present.insert(id);
            if (is_done(stored_status(st))) m_done.insert(id);
          }
        }
        m_rows = read_summary(f);
      }
    }
  }
  if (!resume || m_present.empty()) m_present.clear(), m_done.clear(), m_rows.clear();
  m_in_file = m_present;
  if (!m_writer) return;
  // The journal of a killed run goes into the file now (a record already merged before the kill
  // replaces its cell with the same content); with --force an unreadable one is discarded.
  if (resume) {
    struct Entry {
      std::string id;
      CellStatus status;
      std::vector<SummaryRow> rows;
    };
    std::vector<Entry> entries;
    try {
      for_each_record(journal_path(m_path), spec, [&](CellRecord&& r) {
        entries.push_back({r.cell.id, r.status, summarize(r)});
      });
    } catch (const Error&) {
      if (!force) throw;
      entries.clear();  // discarded: merge_pending deletes it
    }
    for (auto& e : entries) note_pending(e.id, e.status, std::move(e.rows));
  }
  merge_pending();
}

ResultStore::ResultStore(ResultStore&&) noexcept = default;

ResultStore::ResultStore(std::string path, RunHeader header)
    : m_path(std::move(path)), m_header(std::move(header)) {}

namespace {
double monotonic_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void ResultStore::commit(const CellRecord& rec) {
  const std::string& id = rec.cell.id;
  const double t0 = monotonic_seconds();
  if (m_writer) {
    try {
      if (!m_journal)
        m_journal = std::make_unique<JournalWriter>(journal_path(m_path), m_header.spec->sha256);
      m_journal->append(rec);  // the cell is safe from here on
    } catch (const Error& e) {
      throw Error(e.where(), e.what(),
                  m_present.empty() ? e.hint()
                                    : e.hint() + " and keeps its " + std::to_string(m_present.size()) +
                                          " saved cell(s): run again with --resume to finish the rest");
    }
    note_pending(id, rec.status, summarize(rec));
  } else {
    mark_present(id, rec.status);
    return;
  }
  const double now = monotonic_seconds();
  m_append_seconds += now - t0, ++m_appends;
  // Merged when enough time has passed that the rewrite costs at most 1/kFlushRatio of the run.
  // Its cost is estimated per cell in the file: from the last merge of more than a handful of
  // cells, else from appending to the journal (an underestimate, until the first merge at
  // kFlushSeconds measures it).
  const double per_cell =
      m_flush_cells >= 16 ? m_flush_cost / double(m_flush_cells) : m_append_seconds / double(m_appends);
  const double estimate = per_cell * double(m_in_file.size() + m_pending.size());
  if (now - m_last_flush >= std::max(kFlushSeconds, kFlushRatio * estimate)) flush();
}

void ResultStore::note_pending(const std::string& id, CellStatus status, std::vector<SummaryRow> rows) {
  // A cell seen before (run again after failing) replaces its rows; the search is skipped for new
  // cells, so that a commit's cost does not grow with the cells before it.
  if (m_present.count(id) > 0)
    m_rows.erase(
        std::remove_if(m_rows.begin(), m_rows.end(), [&](const SummaryRow& r) { return r.cell == id; }),
        m_rows.end());
  for (auto& r : rows) m_rows.push_back(std::move(r));
  m_pending.insert(id);
  mark_present(id, status);
}

void ResultStore::mark_present(const std::string& id, CellStatus status) {
  m_present.insert(id);
  if (is_done(status))
    m_done.insert(id);
  else
    m_done.erase(id);
}

void ResultStore::merge_pending(const std::vector<std::string>& fragments) {
  rewrite(nullptr, !m_pending.empty(), fragments);
  m_pending.clear();
  if (m_journal) {
    m_journal->remove();
    m_journal.reset();
  } else {
    std::remove(journal_path(m_path).c_str());  // a journal of an earlier run, now merged
  }
}

ResultStore::~ResultStore() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): the journal stays in <path>.parts for --resume
  }
}

void ResultStore::flush() {
  if (!m_writer || m_pending.empty()) return;
  merge_pending();
  std::error_code ec;
  std::filesystem::remove(fragment_dir(m_path), ec);  // only when empty
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
  if (!m_writer) return;
  if (m_pending.empty())
    rewrite(nullptr);
  else
    flush();
}

namespace {
void write_projections(const schema::Writer& root, const std::vector<PlanProjection>& rows) {
  schema::TableWriter t(root, "projections");
  for (const auto& r : rows) {
    t.row();
    t.set("id", std::to_string(r.entry) + "/" + r.platform + "/" + std::to_string(r.devices));
    t.set("entry", r.entry), t.set("model", r.model), t.set("model_file", r.model_file);
    t.set("model_sha256", r.model_sha256), t.set("platform", r.platform);
    t.set("platform_sha256", r.platform_sha256), t.set("devices", r.devices), t.set("stack", r.stack);
    t.set("plan", r.plan), t.set("status", std::string(to_string(r.status))), t.set("reason", r.reason);
    t.set("reference", r.reference), t.set("verdict", r.verdict), t.set("breakdown", r.breakdown);
    t.set("assumptions", r.assumptions), t.set("global_batch", r.global_batch), t.set("seq_len", r.seq_len);
    t.set("tokens", r.tokens), t.set("micro_batches", r.micro_batches), t.set("memory_gb", r.memory_gb);
    t.set("step_p5", r.step_p5), t.set("step_median", r.step_median), t.set("step_p95", r.step_p95);
    t.set("step_nominal_inputs", r.step_nominal), t.set("step_envelope_low", r.step_envelope_low);
    t.set("step_envelope_high", r.step_envelope_high), t.set("mfu_p5", r.mfu_p5);
    t.set("mfu_median", r.mfu_median), t.set("mfu_p95", r.mfu_p95), t.set("hfu_median", r.hfu_median);
    t.set("tokens_per_second", r.tokens_per_second), t.set("days_p5", r.days_p5);
    t.set("days_median", r.days_median), t.set("days_p95", r.days_p95), t.set("ratio_p5", r.ratio_p5);
    t.set("ratio_median", r.ratio_median), t.set("ratio_p95", r.ratio_p95);
    t.set("ratio_envelope_low", r.ratio_envelope_low), t.set("ratio_envelope_high", r.ratio_envelope_high);
    t.set("monte_carlo_samples", r.samples), t.set("monte_carlo_seed", r.seed);
  }
  t.write().attr(
      "note",
      "paper-scale training projected by the performance model (docs/projection.md); step/mfu/days: "
      "5 %, median, 95 % of a seeded Monte Carlo; ratio = t(reference) / t(platform), joint; "
      "envelope = worst case; breakdown = ledger parts in s per step at nominal inputs (JSON)");
}
}  // namespace

void ResultStore::write_single(const std::string& path, const RunHeader& header, const CellRecord& rec) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  ResultStore store(path, header);
  store.m_rows = summarize(rec);
  store.rewrite(&rec);
}

int ResultStore::absorb(const std::vector<std::string>& fragment_files) {
  // Keep only fragments of this experiment (a stray file of another run stays where it is).
  std::vector<std::string> ok;
  for (const auto& f : fragment_files) {
    if (!h5::is_hdf5(f)) continue;
    h5::Handle fh = h5::open_file(f);
    const schema::Reader root(fh, "/");
    const auto sha = root.text("experiment_sha256");
    if (sha && *sha == m_header.spec->sha256 && root.integer("schema_version") == schema::kVersion &&
        root.has("cells"))
      ok.push_back(f);
  }
  // This store's own journal goes in with them.
  if (ok.empty() && m_pending.empty()) return 0;
  const std::size_t before = m_present.size();
  if (m_writer) merge_pending(ok);
  for (const auto& f : ok) std::remove(f.c_str());
  return static_cast<int>(m_present.size() - before);
}

namespace {

// The root attributes (provenance, the experiment), /environment and /platforms.
void write_header(const schema::Writer& root, const RunHeader& h, long long resumes) {
  root.attr("schema", schema::kName);
  root.attr("schema_version", static_cast<long long>(schema::kVersion));
  for (const auto& [k, v] : h.provenance.strings) root.attr(k, v);
  for (const auto& [k, v] : h.provenance.integers) root.attr(k, v);
  root.attr("experiment_name", h.spec->name);
  root.attr("experiment_description", h.spec->description);
  root.attr("experiment_path", h.spec->path);
  root.attr("experiment_yaml", h.spec->yaml_text);
  root.attr("experiment_sha256", h.spec->sha256);
  root.attr("experiment_cells", static_cast<long long>(h.spec->cells.size()));
  root.attr("parity_reference", h.spec->reference_platform);
  root.attr("parity_band", h.spec->parity_band);
  root.attr("workloads_built", h.workloads_built);
  root.attr("resume_count", resumes);
  {
    const schema::Writer env = root.group("environment");
    for (const auto& [k, v] : h.provenance.environment) env.attr(k, v);
  }
  root.group("platforms");
  for (const auto& p : h.platforms) {
    const schema::Writer g = root.group("platforms/" + p.name);
    g.attr("descriptor_yaml", p.yaml_text);
    g.attr("sha256", p.sha256);
    g.attr("path", p.path);
    g.attr("display_name", p.display_name);
    g.attr("kind", p.kind);
    g.attr("worst_confidence", std::string(to_string(p.worst_confidence())));
  }
}

// A cell's new rows replace its old ones; the last replacement of a cell wins and goes to the
// end, as if each were an erase and an append. Applied in one pass: erasing per cell made a merge
// of N journalled cells cost N passes over all the rows.
class RowReplacements {
 public:
  void set(const std::string& id, std::vector<SummaryRow> rows) { m_fresh[id] = {m_turn++, std::move(rows)}; }
  void apply(std::vector<SummaryRow>& rows) const {
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const SummaryRow& r) { return m_fresh.count(r.cell) > 0; }),
               rows.end());
    std::vector<const Slot*> turns;
    for (const auto& [id, slot] : m_fresh) turns.push_back(&slot);
    std::sort(turns.begin(), turns.end(), [](const Slot* a, const Slot* b) { return a->first < b->first; });
    for (const Slot* t : turns) rows.insert(rows.end(), t->second.begin(), t->second.end());
  }

 private:
  using Slot = std::pair<std::size_t, std::vector<SummaryRow>>;  // (turn, rows)
  std::map<std::string, Slot> m_fresh;
  std::size_t m_turn = 0;
};

std::map<std::string, std::vector<SummaryRow>> rows_by_cell(std::vector<SummaryRow> all) {
  std::map<std::string, std::vector<SummaryRow>> out;
  for (auto& r : all) out[r.cell].push_back(std::move(r));
  return out;
}

// Rows in the experiment's cell order, whoever ran the cells and whenever; returns the seeds of
// the cells with rows. Only those cells go into the maps: another rank's fragment has one, and
// maps of every cell of the experiment made each fragment's cost grow with the size of the sweep.
std::map<std::string, std::uint64_t> sort_in_cell_order(std::vector<SummaryRow>& rows,
                                                        const ExperimentSpec& spec) {
  std::set<std::string> with_rows;
  for (const auto& r : rows) with_rows.insert(r.cell);
  std::map<std::string, std::size_t> order;
  std::map<std::string, std::uint64_t> seeds;
  for (const auto& c : spec.cells)
    if (with_rows.count(c.id)) order.emplace(c.id, c.index), seeds.emplace(c.id, c.seed);
  std::stable_sort(rows.begin(), rows.end(), [&](const SummaryRow& a, const SummaryRow& b) {
    const auto ia = order.find(a.cell), ib = order.find(b.cell);
    return (ia == order.end() ? SIZE_MAX : ia->second) < (ib == order.end() ? SIZE_MAX : ib->second);
  });
  return seeds;
}

}  // namespace

void ResultStore::rewrite(const CellRecord* rec, bool with_journal,
                          const std::vector<std::string>& fragments) {
  const double t0 = monotonic_seconds();
  const ExperimentSpec& spec = *m_header.spec;
  std::vector<std::pair<std::string, bool>> absorbed;  // cells taken from fragments: id, done
  std::vector<SummaryRow> rows = m_rows;               // m_rows changes only once the new file is in place
  std::string image;
  {
    // Built in memory; HDF5 itself never writes to the disk (see h5::create_memory_file).
    h5::Handle f = h5::create_memory_file();
    const schema::Writer root(f, "/");
    write_header(root, m_header, m_resumes);
    root.group("cells");
    // Earlier cells come from the previous complete file (of this schema version, see above).
    std::set<std::string> replaced;
    if (rec) replaced.insert(rec->cell.id);
    if (with_journal) replaced.insert(m_pending.begin(), m_pending.end());
    if (!m_in_file.empty()) {
      h5::Handle old = h5::open_file(m_path);
      for (const auto& id : m_in_file)
        if (replaced.count(id) == 0) h5::copy(old, "cells/" + id, f, "cells/" + id);
    }
    if (rec) write_cell(root, *rec);
    // One record in memory at a time; a cell journaled twice keeps its last record.
    if (with_journal)
      for_each_record(journal_path(m_path), spec, [&](CellRecord&& r) {
        if (h5::exists(f, "cells/" + r.cell.id)) H5Ldelete(f, ("cells/" + r.cell.id).c_str(), H5P_DEFAULT);
        write_cell(root, r);
      });
    RowReplacements fresh;
    for (const auto& path : fragments) {
      h5::Handle frag = h5::open_file(path);
      auto frag_rows = rows_by_cell(read_summary(frag));
      const schema::Reader cells = schema::Reader(frag, "/").open("cells");
      for (const auto& id : cells.children()) {
        if (h5::exists(f, "cells/" + id)) H5Ldelete(f, ("cells/" + id).c_str(), H5P_DEFAULT);
        h5::copy(frag, "cells/" + id, f, "cells/" + id);
        auto it = frag_rows.find(id);
        fresh.set(id, it == frag_rows.end() ? std::vector<SummaryRow>{} : it->second);
        const auto st = cells.open(id).text("status").value_or("");
        absorbed.emplace_back(id, is_done(stored_status(st)));
      }
    }
    fresh.apply(rows);
    const std::map<std::string, std::uint64_t> seeds = sort_in_cell_order(rows, spec);
    write_summary(root, rows);
    const std::vector<SeedStatRow> stats = seed_statistics(rows, seeds);
    if (!stats.empty()) write_seed_statistics(root, stats);
    write_parity(root,
                 parity_rows(rows, spec.reference_platform, spec.parity_band, host_names(m_header.platforms)),
                 spec.reference_platform, spec.parity_band);
    if (!m_projections.empty()) write_projections(root, m_projections);
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
  m_last_flush = monotonic_seconds();
  m_flush_cost = m_last_flush - t0;
  m_rows = std::move(rows);
  if (with_journal) m_in_file.insert(m_pending.begin(), m_pending.end());
  if (rec) {
    m_in_file.insert(rec->cell.id);
    mark_present(rec->cell.id, rec->status);
  }
  for (const auto& [id, done] : absorbed) {
    m_present.insert(id);
    m_in_file.insert(id);
    if (done)
      m_done.insert(id);
    else
      m_done.erase(id);
  }
  m_flush_cells = m_in_file.size();
}

}  // namespace xpb
