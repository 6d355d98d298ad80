// cli/main.cpp — the xpubench executable: parses the command line and dispatches.
// Thin by design: every subcommand calls into core/ and analysis/. User errors (xpb::Error) are
// caught here once: "error: FILE:LINE: key.path: message", "hint: ...", exit 2.
#include <Kokkos_Core.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

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
    if (a.find_first_of(" \t\"'") != std::string::npos) s += "'" + a + "'";
    else s += a;
  }
  return s;
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
    CLI::App app{"xpubench: portable Kokkos workloads, platform descriptors and a performance "
                 "model for testing accelerator parity claims"};
    app.require_subcommand(0, 1);
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
    }
  }
  Kokkos::finalize();
  mpi::finalize();
  return rc;
}
