// cli/cmd_calibrate.cpp — `xpubench calibrate [-o FILE] [--quick]`.
// Measures this machine with the compiled-in micro-benchmarks (core/calibrate.hpp), writes a host
// descriptor and loads it back with the ordinary descriptor loader before reporting success.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "core/calibrate.hpp"
#include "core/error.hpp"
#include "core/platform.hpp"
#include "core/platform_report.hpp"

namespace xpb::cli {

namespace {

struct CalibrateArgs {
  std::string output;
  bool quick = false;
};

void run_calibrate(const CalibrateArgs& a, State& st) {
  const std::string out = a.output.empty() ? host_descriptor_path() : a.output;
  CalibrateOptions opt;
  opt.quick = a.quick;
  opt.command = joined_command_line(st);
  opt.log = [](const std::string& s) { std::cerr << "calibrate: " << s << "\n"; };
  const HostMeasurements m = calibrate_host(st.registry, opt);
  const std::string stem = std::filesystem::path(out).stem().string();
  const std::string text = host_descriptor_yaml(detect_host(), m, stem.empty() ? "host" : stem);

  // Validate before writing, so a bad measurement never leaves a file that fails to load.
  (void)load_platform_text(text, out);
  const std::filesystem::path p(out);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  if (!f) throw Error({out, 0, {}}, "cannot write the host descriptor", "check the folder exists and is writable");
  f << text;
  f.close();
  if (!f) throw Error({out, 0, {}}, "writing the host descriptor failed");

  const Platform back = load_platform_file(out);
  std::cout << "wrote " << out << "\n" << platform_summary_line(back) << "\n";
  for (const auto& s : m.skipped) std::cout << "  skipped: " << s << "\n";
  for (const auto& w : back.warnings) std::cout << "  warning: " << w << "\n";
  st.exit_code = 0;
}

}  // namespace

void add_calibrate_command(CLI::App& app, State& st) {
  auto args = std::make_shared<CalibrateArgs>();
  CLI::App* c = app.add_subcommand(
      "calibrate",
      "Measure this machine (stream bandwidth; GEMM ceilings and launch overhead when those "
      "workloads are built) and write a host descriptor with confidence: measured");
  c->add_option("-o,--output", args->output,
                "Descriptor to write (default: $XPB_HOST_DESCRIPTOR or <source>/.cache/host.yaml, "
                "which `host` then resolves to)");
  c->add_flag("--quick", args->quick, "Small sizes and few repetitions (seconds; for tests)");
  c->callback([args, &st] { run_calibrate(*args, st); });
}

}  // namespace xpb::cli
