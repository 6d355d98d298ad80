// cli/cmd_analysis.cpp — `xpubench report`, `compare`, `verify` and `plot`.
// Thin: the work is in analysis/ (report, compare, verify) and analysis/plots/ (Python). Exit
// codes follow h5diff: 0 equal, 1 different, 2 error (xpb::Error, caught in main.cpp).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "analysis/compare.hpp"
#include "analysis/report.hpp"
#include "analysis/result_set.hpp"
#include "analysis/verify.hpp"
#include "cli/cli.hpp"
#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/base/output_path.hpp"
#include "core/base/paths.hpp"
#include "core/results/record_journal.hpp"
#include "core/results/result_store.hpp"

namespace xpb::cli {

namespace {

analysis::ToleranceRules make_rules(const std::string& rules_path, const CLI::Option* rtol_opt, double rtol,
                                    const CLI::Option* atol_opt, double atol) {
  analysis::ToleranceRules rules =
      rules_path.empty() ? analysis::ToleranceRules{} : analysis::ToleranceRules::load(rules_path);
  rules.set_default(rtol_opt->count() ? std::optional<double>(rtol) : std::nullopt,
                    atol_opt->count() ? std::optional<double>(atol) : std::nullopt);
  return rules;
}

std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

// plot -o: a folder (new, or holding no earlier plot unless --force), never the result set.
void check_plot_folder(const std::string& dir, const std::string& results, bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status s = fs::status(dir, ec);
  if (!fs::exists(s)) return;
  if (!fs::is_directory(s))
    throw Error({dir, 0, {}}, "is not a folder: plot -o names the folder the charts go to",
                "name a new or existing folder with -o");
  check_output((fs::path(dir) / "report.json").string(), {force, {results}, "the plot data"});
}

json difference_json(const analysis::Difference& d) {
  return json{{"path", d.path},
              {"what", d.what},
              {"a", d.a},
              {"b", d.b},
              {"index", d.index},
              {"differing", d.differing},
              {"abs_err", json_number(d.abs_err)},
              {"rel_err", json_number(d.rel_err)},
              {"rule", d.rule}};
}

// The members of a comparison in `compare --json` and `verify --json` (docs/json.md).
json compare_json(const analysis::CompareResult& r) {
  auto list = [](const std::vector<analysis::Difference>& v) {
    json a = json::array();
    for (const auto& d : v) a.push_back(difference_json(d));
    return a;
  };
  return json{{"a", r.file_a},
              {"b", r.file_b},
              {"equal", r.equal()},
              {"compared", r.compared},
              {"timing_compared", r.timing_compared},
              {"timing_skipped", r.timing_skipped},
              {"ignored", r.ignored},
              {"differences", list(r.differences)},
              {"provenance", list(r.provenance)},
              {"added", list(r.added)}};
}

}  // namespace

void note_pending_journal(const std::string& path) {
  const std::size_t n = list_fragments(path).size() + count_journal_entries(journal_path(path));
  if (n == 0) return;
  std::cerr << "note: " << fragment_dir(path) << " holds " << n << " cell(s) not yet merged into " << path
            << " (a run still going, or one that was killed); they are not read here. "
               "`xpubench run EXPERIMENT -o "
            << path << " --resume` merges them.\n";
}

void add_analysis_commands(CLI::App& app, State& st) {
  // ---- report ----------------------------------------------------------------------------------
  auto* report = app.add_subcommand("report",
                                    "Summarise a result set: cells, projections, parity matrix, "
                                    "model error, performance-portability metric");
  static std::string rep_path, rep_format = "md", rep_out;
  report->add_option("results", rep_path, "Result set (.h5)")->required();
  report
      ->add_option("--format", rep_format, "md | csv | json | html (one self-contained page with SVG charts)")
      ->capture_default_str();
  static bool rep_force = false;
  report->add_option("-o,--output", rep_out, "Write to FILE instead of stdout");
  report->add_flag("--force", rep_force, "Overwrite an existing FILE (never the result set itself)");
  report->callback([&st] {
    const auto fmt = analysis::parse_report_format(rep_format);
    if (!rep_out.empty()) check_output(rep_out, {rep_force, {rep_path}, "the report"});
    const analysis::ResultSet rs = analysis::load_result_set(rep_path);
    note_pending_journal(rep_path);
    analysis::WorkloadMetrics metrics;
    for (const auto& name : st.registry.names()) metrics[name] = st.registry.info(name).metrics;
    const std::string text = analysis::render_report(rs, fmt, metrics);
    if (rep_out.empty()) {
      std::cout << text;
    } else {
      write_file_atomically(rep_out, text, "the report");
    }
    st.exit_code = 0;
  });

  // ---- compare ---------------------------------------------------------------------------------
  auto* compare = app.add_subcommand("compare",
                                     "Compare two result sets (exit 0 equal, 1 different, 2 error); "
                                     "timings and timestamps ignored unless --timings");
  static std::string cmp_a, cmp_b, cmp_rules;
  static double cmp_rtol = 0, cmp_atol = 0;
  static bool cmp_timings = false, cmp_quiet = false, cmp_verbose = false;
  static std::size_t cmp_count = 20;
  compare->add_option("a", cmp_a, "First result set")->required();
  compare->add_option("b", cmp_b, "Second result set")->required();
  compare->add_option("--rules", cmp_rules, "Tolerance rules YAML (see docs/reproducibility.md)");
  auto* rtol_opt =
      compare->add_option("--rtol,-p", cmp_rtol, "Default relative tolerance (default 0: exact)");
  auto* atol_opt =
      compare->add_option("--atol,-d", cmp_atol, "Default absolute tolerance (default 0: exact)");
  compare->add_flag("--timings", cmp_timings, "Also compare timings and timestamps");
  compare->add_option("-n,--count", cmp_count, "Show at most N differences")->capture_default_str();
  compare->add_flag("-q,--quiet", cmp_quiet, "Print nothing; the exit status says it");
  compare->add_flag("-v,--verbose", cmp_verbose, "List every provenance difference");
  static bool cmp_json = false;
  compare->add_flag("--json", cmp_json, "Print one JSON object with every difference (docs/json.md)");
  compare->callback([&st, rtol_opt, atol_opt] {
    const auto rules = make_rules(cmp_rules, rtol_opt, cmp_rtol, atol_opt, cmp_atol);
    analysis::CompareOptions opt;
    opt.timings = cmp_timings;
    const auto r = analysis::compare_files(cmp_a, cmp_b, rules, opt);
    note_pending_journal(cmp_a);
    note_pending_journal(cmp_b);
    if (cmp_json && !cmp_quiet) {  // -q wins: the exit status says it
      json j = json_object();
      j.update(compare_json(r));
      print_json(j);
    } else if (!cmp_quiet) {
      std::cout << analysis::format_compare(r, cmp_count, cmp_verbose);
    }
    st.exit_code = r.equal() ? 0 : 1;
  });

  // ---- verify ----------------------------------------------------------------------------------
  auto* verify = app.add_subcommand("verify",
                                    "Re-run the experiment embedded in a result set and compare "
                                    "the numbers (exit 0 reproduced, 1 different, 2 error)");
  static std::string ver_path, ver_rules, ver_out;
  static double ver_rtol = 0, ver_atol = 0;
  static bool ver_timings = false, ver_keep = false;
  verify->add_option("results", ver_path, "Result set (.h5)")->required();
  verify->add_option("--rules", ver_rules, "Tolerance rules YAML");
  auto* vr = verify->add_option("--rtol", ver_rtol, "Default relative tolerance");
  auto* va = verify->add_option("--atol", ver_atol, "Default absolute tolerance");
  verify->add_flag("--timings", ver_timings, "Also compare timings (they will differ)");
  verify->add_option("-o,--output", ver_out,
                     "Keep the re-run at FILE (default: a temporary file, removed when equal)");
  verify->add_flag("--keep", ver_keep, "Keep the temporary re-run even when equal");
  static bool ver_force = false;
  verify->add_flag("--force", ver_force,
                   "Overwrite an existing -o FILE (never the result set being verified)");
  static bool ver_json = false;
  verify->add_flag("--json", ver_json, "Print one JSON object (docs/json.md); progress stays on stderr");
  // The embedded experiment is expanded again: one run with a raised --max-cells needs it here too.
  static std::size_t ver_max_cells = kDefaultMaxCells;
  add_max_cells_option(verify, ver_max_cells);
  verify->callback([&st, vr, va] {
    if (!ver_out.empty()) check_output(ver_out, {ver_force, {ver_path, ver_rules}, "the re-run"});
    const auto rules = make_rules(ver_rules, vr, ver_rtol, va, ver_atol);
    analysis::VerifyOptions opt;
    const bool temporary = ver_out.empty();
    opt.rerun_path = temporary ? (std::filesystem::temp_directory_path() /
                                  ("xpubench-verify-" + std::to_string(::getpid()) + ".h5"))
                                     .string()
                               : ver_out;
    opt.command_line = joined_command_line(st);
    opt.compare.timings = ver_timings;
    opt.max_cells = ver_max_cells;
    auto progress = [](const CellEvent& ev) {
      if (ev.kind == CellEvent::done)
        std::cerr << "[" << ev.position << "/" << ev.total << "] " << ev.cell->label() << " ... "
                  << to_string(ev.record->status) << "\n";
    };
    note_pending_journal(ver_path);
    const auto r = analysis::verify_result_set(ver_path, st.registry, rules, opt, progress);
    const bool equal = r.comparison.equal();
    const bool kept = !(temporary && equal && !ver_keep);
    if (!kept) {
      std::error_code ec;
      std::filesystem::remove(r.rerun_path, ec);
    }
    if (ver_json) {
      json j = json_object();
      j["results"] = ver_path;
      j["cells"] = r.cells;
      j["rerun_path"] = r.rerun_path;
      j["rerun_kept"] = kept;
      j["reproduced"] = equal;
      j["comparison"] = compare_json(r.comparison);
      print_json(j);
    } else {
      std::cout << "Re-ran " << r.cells << " cell(s) of the embedded experiment into " << r.rerun_path
                << "\n\n"
                << analysis::format_compare(r.comparison, 20);
      if (kept) std::cout << "The re-run is kept at " << r.rerun_path << "\n";
      std::cout << (equal ? "VERIFIED: the numbers are reproduced.\n"
                          : "NOT REPRODUCED: see the differences above.\n");
    }
    st.exit_code = equal ? 0 : 1;
  });

  // ---- plot ------------------------------------------------------------------------------------
  auto* plot = app.add_subcommand("plot",
                                  "Draw roofline, parity and training-curve charts (PNG and SVG) "
                                  "with analysis/plots/plot_results.py");
  static std::string plot_path, plot_dir = "plots";
  plot->add_option("results", plot_path, "Result set (.h5)")->required();
  static bool plot_force = false;
  plot->add_option("-o,--output", plot_dir, "Folder for the charts")->capture_default_str();
  plot->add_flag("--force", plot_force, "Overwrite the charts of an earlier plot in that folder");
  static bool plot_json = false;
  plot->add_flag("--json", plot_json,
                 "Print one JSON object (docs/json.md): the charts written; the plotting script's own "
                 "messages go to stderr");
  plot->callback([&st] {
    // The JSON report carries the descriptors' ceilings (parsed in C++) for the rooflines.
    const analysis::ResultSet rs = analysis::load_result_set(plot_path);
    note_pending_journal(plot_path);
    const std::string& python = paths().python;
    const std::string script = paths().plot_script();
    if (!std::filesystem::is_regular_file(script))
      throw Error({script, 0, {}}, "plotting script not found",
                  "set XPB_PLOT_SCRIPT to analysis/plots/plot_results.py");
    if (::access(python.c_str(), X_OK) != 0)
      throw Error({python, 0, {}}, "Python interpreter not found",
                  "install python3-h5py and python3-matplotlib (scripts/setup.sh), or set XPB_PYTHON");
    check_plot_folder(plot_dir, plot_path, plot_force);
    std::filesystem::create_directories(plot_dir);
    const std::string report_json = (std::filesystem::path(plot_dir) / "report.json").string();
    write_file_atomically(report_json, analysis::render_report(rs, analysis::ReportFormat::json),
                          "the plot data");
    const std::string cmd = shell_quote(python) + " " + shell_quote(script) + " " + shell_quote(plot_path) +
                            " --report " + shell_quote(report_json) + " -o " + shell_quote(plot_dir) +
                            (plot_json ? " 1>&2" : "");
    std::cout.flush();
    const int rc = std::system(cmd.c_str());
    const int code = rc == -1 ? 127 : WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
    if (code != 0)
      throw Error({script, 0, {}}, "plotting failed (exit " + std::to_string(code) + ")",
                  "python3-h5py and python3-matplotlib are needed; see the messages above");
    if (plot_json) {
      std::vector<std::string> files;
      for (const auto& e : std::filesystem::directory_iterator(plot_dir)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".png" || ext == ".svg")) files.push_back(e.path().string());
      }
      std::sort(files.begin(), files.end());
      json j = json_object();
      j["results"] = plot_path;
      j["output"] = plot_dir;
      j["report_json"] = report_json;
      j["files"] = files;
      print_json(j);
    }
    st.exit_code = 0;
  });
}

}  // namespace xpb::cli
