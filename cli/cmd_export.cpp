// cli/cmd_export.cpp — `xpubench export`: a result set in another tool's format. Today Google
// Benchmark's JSON (analysis/gbench_export.hpp), for `compare.py` of libbenchmark-tools.
#include <iostream>

#include "analysis/gbench_export.hpp"
#include "analysis/result_set.hpp"
#include "cli/cli.hpp"
#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/base/output_path.hpp"

namespace xpb::cli {

void add_export_command(CLI::App& app, State& st) {
  auto* cmd = app.add_subcommand("export",
                                 "Write a result set in another tool's format (gbench: Google "
                                 "Benchmark JSON, for compare.py of libbenchmark-tools)");
  static std::string path, format = "gbench", out;
  static bool force = false;
  cmd->add_option("results", path, "Result set (.h5)")->required();
  cmd->add_option("--format", format, "gbench")->check(CLI::IsMember({"gbench"}))->capture_default_str();
  cmd->add_option("-o,--output", out, "Write to FILE instead of stdout");
  cmd->add_flag("--force", force, "Replace an existing output file");
  static bool as_json = false;
  cmd->add_flag("--json", as_json,
                "Print one JSON object (docs/json.md): what was exported and, without -o, the "
                "exported document under `document`");
  cmd->callback([&st] {
    const analysis::ResultSet rs = analysis::load_result_set(path);
    note_pending_journal(path);
    const std::string text = analysis::gbench_json(rs);
    if (!out.empty()) {
      check_output(out, {force, {path}, "the export"});
      write_file_atomically(out, text, "the export");
    }
    if (as_json) {
      const json doc = json::parse(text);
      json j = json_object();
      j["results"] = path;
      j["format"] = format;
      j["output"] = out.empty() ? json(nullptr) : json(out);
      j["benchmarks"] = doc.contains("benchmarks") ? doc["benchmarks"].size() : 0;
      if (out.empty()) j["document"] = doc;
      print_json(j);
    } else if (out.empty()) {
      std::cout << text;
    }
    st.exit_code = 0;
  });
}

}  // namespace xpb::cli
