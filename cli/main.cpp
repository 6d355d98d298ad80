// cli/main.cpp — the xpubench executable: parses the command line and dispatches.
// Thin by design: every subcommand calls into core/ and analysis/. User errors (xpb::Error) are
// caught here once: "error: FILE:LINE: key.path: message", "hint: ...", exit 2.
#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "cli/cli.hpp"
#include "core/base/build_info.hpp"
#include "core/base/error.hpp"
#include "core/base/kokkos_compat.hpp"
#include "core/base/mpi.hpp"
#include "core/base/paths.hpp"
#include "workloads/register_all.hpp"

namespace xpb::cli {

std::string joined_command_line(const State& st) {
  std::string s;
  for (const auto& a : st.argv) {
    if (!s.empty()) s += ' ';
    if (a.find_first_of(" \t\"'") != std::string::npos)
      s += "'" + a + "'";
    else
      s += a;
  }
  return s;
}

void add_max_cells_option(CLI::App* cmd, std::size_t& max_cells) {
  cmd->add_option("--max-cells", max_cells,
                  "Refuse an experiment that expands to more than N cells (the product of its lists)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str();
}

json json_object() { return json{{"xpubench_json", kJsonVersion}}; }

void print_json(const json& j) { std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n"; }

json json_number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json json_param(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(text) : j;
}

static json version_json() {
  const auto& b = build_info();
  json j = json_object();
  j["version"] = b.version;
  j["git_commit"] = b.git_commit;
  j["git_dirty"] = b.git_dirty;
  j["compiler"] = b.compiler;
  j["cxx_standard"] = b.cxx_standard;
  j["build_type"] = b.build_type;
  j["configuration"] = compat::compiled_configuration();
  json names = json::array();  // built_workloads() is "a,b,c"
  std::stringstream list(workloads::built_workloads());
  for (std::string n; std::getline(list, n, ',');)
    if (!n.empty()) names.push_back(n);
  j["workloads"] = std::move(names);
  return j;
}

static std::string version_text() {
  const auto& b = build_info();
  std::string s = "xpubench " + std::string(b.version) + "\n";
  s += "git commit: " + std::string(b.git_commit) + (b.git_dirty ? " (dirty)" : "") + "\n";
  s += "compiler: " + std::string(b.compiler) + ", C++" + std::to_string(b.cxx_standard) + ", " +
       b.build_type + "\n";
  // What was compiled (backend, GPU arch), not what a started Kokkos finds: `--version` runs
  // before Kokkos is initialised, so a CUDA build answers on a machine without a GPU.
  s += compat::compiled_configuration() + "\n";
  s += "workloads: " + workloads::built_workloads() + "\n";
  return s;
}

// Two or three examples at the end of each subcommand's --help (a test checks every one has them).
static void add_examples(CLI::App& app) {
  static const std::pair<const char*, const char*> examples[] = {
      {"run",
       "  xpubench run experiments/quickstart.yaml -o results/quickstart.h5\n"
       "  xpubench run experiments/h20-parity.yaml --only 'gemm*' --dry-run\n"
       "  xpubench run experiments/h20-parity.yaml --ranks 2 -o results/h20.h5 --resume"},
      {"expand",
       "  xpubench expand experiments/h20-parity.yaml\n  xpubench expand experiments/quickstart.yaml"},
      {"list", "  xpubench list workloads\n  xpubench list platforms --json\n  xpubench list paths"},
      {"show",
       "  xpubench show workload gemm\n  xpubench show platform nvidia-h20\n  xpubench show schema platform"},
      {"validate",
       "  xpubench validate experiments/h20-parity.yaml\n  xpubench validate platforms/nvidia-h20.yaml"},
      {"calibrate", "  xpubench calibrate\n  xpubench calibrate --quick --link-ranks 0 -o /tmp/host.yaml"},
      {"project",
       "  xpubench project --model llama-3.1-70b --platform nvidia-h20 --devices 512\n"
       "  xpubench project --model gpt3-175b --platform nvidia-h100-sxm --devices 1024 --json\n"
       "  xpubench project --validate"},
      {"report",
       "  xpubench report results/quickstart.h5\n"
       "  xpubench report results/quickstart.h5 --format csv -o quickstart.csv\n"
       "  xpubench report results/quickstart.h5 --format html -o quickstart.html"},
      {"compare",
       "  xpubench compare a.h5 b.h5\n  xpubench compare a.h5 b.h5 --rtol 1e-6 -q && echo equal\n"
       "  xpubench compare a.h5 b.h5 --json > differences.json"},
      {"verify",
       "  xpubench verify results/quickstart.h5\n  xpubench verify results/quickstart.h5 -o rerun.h5"},
      {"plot",
       "  xpubench plot results/quickstart.h5 -o plots\n  xpubench plot results/h20-parity.h5 -o h20-plots "
       "--force"},
      {"schema", "  xpubench schema\n  xpubench schema --format json -o schema.json"},
      {"export",
       "  xpubench export results/a.h5 --format gbench -o a.json\n"
       "  /usr/bin/python3 /usr/share/benchmark/compare.py benchmarks a.json b.json"},
  };
  for (const auto& [name, text] : examples)
    app.get_subcommand(name)->footer(std::string("\nExamples:\n") + text + "\n");
}

// `run --kokkos-tools-library PATH` (cli/cmd_run.cpp declares it for parsing and --help): read
// here, before the parse, because Kokkos loads a tool only when it is initialised, and it is
// initialised before the workloads register. "" when absent.
static std::string kokkos_tools_library_arg(int argc, char** argv) {
  const std::string flag = "--kokkos-tools-library";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == flag && i + 1 < argc) return argv[i + 1];
    if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
  }
  return "";
}

}  // namespace xpb::cli

int main(int argc, char** argv) {
  using namespace xpb;
  cli::State st;
  for (int i = 0; i < argc; ++i) st.argv.emplace_back(argv[i]);

  if (argc == 2 && std::string(argv[1]) == "--version") {  // nothing started: no MPI, no device
    std::cout << cli::version_text() << "\n";
    return 0;
  }
  if (argc == 3 && ((std::string(argv[1]) == "--version" && std::string(argv[2]) == "--json") ||
                    (std::string(argv[1]) == "--json" && std::string(argv[2]) == "--version"))) {
    cli::print_json(cli::version_json());
    return 0;
  }
  mpi::init_if_launched(&argc, &argv);  // only under mpirun/srun; before Kokkos
  compat::InitOptions kopt;
  kopt.tools_library = cli::kokkos_tools_library_arg(argc, argv);
  // A path (not a bare name dlopen looks up) must exist: Kokkos itself only warns and runs on.
  if (kopt.tools_library.find('/') != std::string::npos && !std::ifstream(kopt.tools_library)) {
    std::cerr << "error: --kokkos-tools-library: " << kopt.tools_library << " is not a readable file\n"
              << "hint: pass the path of a Kokkos Tools library such as libkp_kernel_timer.so "
                 "(docs/kokkos-tools.md)\n";
    mpi::finalize();
    return 2;
  }
  compat::initialize(kopt);
  int rc = 0;
  {
    workloads::register_all(st.registry);
    CLI::App app{
        "xpubench: portable Kokkos workloads, platform descriptors and a performance "
        "model for testing accelerator parity claims"};
    app.require_subcommand(0, 1);
    // Usage errors read like every other error: "error: ...", a hint, exit 2.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
      return "error: " + std::string(e.what()) + "\nhint: run with --help for more information\n";
    });
    app.set_version_flag("--version", [] { return cli::version_text(); });
    // Where files are (core/base/paths.hpp): resolved once, after parsing and before any
    // subcommand runs. Given before or after the subcommand.
    PathSources sources = PathSources::from_process();
    app.add_option("--share-dir", sources.share_dir_flag,
                   "Folder of platforms/, experiments/, analysis/plots/ (else $XPB_SHARE_DIR, "
                   "<prefix>/share/xpubench, or the source tree of a binary in its build tree)");
    app.add_option("--data-dir", sources.data_dir_flag,
                   "Corpora for workload set-up (else $XPB_DATA_DIR or <cache>/data)");
    app.add_option("--cache-dir", sources.cache_dir_flag,
                   "Writable cache: host.yaml, derived tables (else $XPB_CACHE_DIR, the source "
                   "tree's .cache for a binary in its build tree, or ~/.cache/xpubench)");
    app.fallthrough();
    app.parse_complete_callback([&sources] { set_paths(resolve_paths(sources)); });
    cli::add_run_command(app, st);
    cli::add_info_commands(app, st);
    cli::add_calibrate_command(app, st);
    cli::add_project_command(app, st);
    cli::add_analysis_commands(app, st);
    cli::add_schema_command(app, st);
    cli::add_export_command(app, st);
    cli::add_examples(app);
    try {
      app.parse(argc, argv);
      if (app.get_subcommands().empty()) {
        std::cout << app.help();
        rc = 2;
      } else {
        rc = st.exit_code;
      }
    } catch (const CLI::CallForHelp& e) {
      rc = app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      rc = app.exit(e);
    } catch (const CLI::ParseError& e) {
      app.exit(e);
      rc = 2;
    } catch (const Error& e) {
      std::fflush(stdout);
      std::cerr << "error: " << e.located() << "\n";
      if (!e.hint().empty()) std::cerr << "hint: " << e.hint() << "\n";
      rc = 2;
    } catch (const std::bad_alloc&) {
      // Loaders check their budgets first; this is the last line for what they did not foresee.
      std::fflush(stdout);
      std::cerr << "error: out of memory\n"
                << "hint: an input asks for more than this machine holds; check sizes and list lengths\n";
      rc = 2;
    } catch (const std::exception& e) {
      // Never `terminate called` (exit 134): an exception of a library we call is still an error.
      std::fflush(stdout);
      std::cerr << "error: " << e.what() << "\n"
                << "hint: an unexpected failure; please report it with the input that caused it\n";
      rc = 2;
    }
  }
  Kokkos::finalize();
  mpi::finalize();
  return rc;
}
