// cli/cli.hpp — shared state of the xpubench subcommands.
// Each cli/cmd_<name>.cpp adds one subcommand (or a family) to the CLI11 app with
// add_<name>_command(); callbacks throw xpb::Error for bad input and set `exit_code` otherwise.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/platforms/platform.hpp"
#include "core/plugin/registry.hpp"

namespace xpb::cli {

struct State {
  Registry registry;
  int exit_code = 0;
  std::vector<std::string> argv;  // the full command line, for provenance
};

void add_run_command(CLI::App& app, State& st);        // run, expand
void add_info_commands(CLI::App& app, State& st);      // list, show, validate
void add_calibrate_command(CLI::App& app, State& st);  // calibrate
void add_project_command(CLI::App& app, State& st);    // project
void add_analysis_commands(CLI::App& app, State& st);  // report, compare, verify, plot
void add_schema_command(CLI::App& app, State& st);     // schema
void add_export_command(CLI::App& app, State& st);     // export

// The command line joined with spaces (quoted where needed).
std::string joined_command_line(const State& st);

// `--max-cells N` (run, expand, validate): raise the expansion budget of core/experiment.
void add_max_cells_option(CLI::App* cmd, std::size_t& max_cells);

// `--json` output (docs/json.md): one object on stdout whose first key is "xpubench_json" (the
// version of these layouts); logs and progress go to stderr.
using json = nlohmann::ordered_json;
inline constexpr int kJsonVersion = 1;
json json_object();                        // {"xpubench_json": kJsonVersion}
void print_json(const json& j);            // indented, one trailing newline, bad UTF-8 replaced
json json_number(double v);                // null for NaN and infinities
json json_param(const std::string& text);  // a value written as JSON text (core to_json), else the text
json platform_json(const Platform& p);     // `show platform NAME --json` (cmd_info.cpp)
// A note on stderr when `path.parts/` holds journal entries not yet merged into the result set (a
// run still going, or one that was killed): the reader sees the file without them (cmd_analysis.cpp).
void note_pending_journal(const std::string& path);

}  // namespace xpb::cli
