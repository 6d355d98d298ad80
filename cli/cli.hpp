// cli/cli.hpp — shared state of the xpubench subcommands.
// Each cli/cmd_<name>.cpp adds one subcommand (or a family) to the CLI11 app with
// add_<name>_command(); callbacks throw xpb::Error for bad input and set `exit_code` otherwise.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "core/plugin/registry.hpp"

namespace xpb::cli {

struct State {
  Registry registry;
  int exit_code = 0;
  std::vector<std::string> argv;  // the full command line, for provenance
};

void add_run_command(CLI::App& app, State& st);       // run, expand
void add_info_commands(CLI::App& app, State& st);     // list, show, validate
void add_calibrate_command(CLI::App& app, State& st); // calibrate
void add_project_command(CLI::App& app, State& st);   // project
void add_analysis_commands(CLI::App& app, State& st); // report, compare, verify, plot
void add_schema_command(CLI::App& app, State& st);    // schema
void add_export_command(CLI::App& app, State& st);    // export

// The command line joined with spaces (quoted where needed).
std::string joined_command_line(const State& st);

// `--max-cells N` (run, expand, validate): raise the expansion budget of core/experiment.
void add_max_cells_option(CLI::App* cmd, std::size_t& max_cells);

}  // namespace xpb::cli
