// cli/cmd_info.cpp — `xpubench list`, `show` and `validate`: what is compiled in, what the
// descriptors and experiments say, the keys of each input format (from its schema declaration),
// and whether input files are well-formed.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "analysis/tolerance_rules.hpp"
#include "cli/cli.hpp"
#include "core/base/build_info.hpp"
#include "core/base/error.hpp"
#include "core/base/format.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/paths.hpp"
#include "core/base/yaml_util.hpp"
#include "core/experiment/experiment.hpp"
#include "core/model/training_model.hpp"
#include "core/platforms/platform.hpp"
#include "core/platforms/platform_report.hpp"
#include "core/run/runner.hpp"

namespace xpb::cli {

namespace {

std::string range_text(const ParamSpec& p) {
  const input::Node& s = p.node;
  if (s.type == ParamType::choice) {
    std::string c;
    for (const auto& x : s.choices) c += (c.empty() ? "" : "|") + x;
    return c;
  }
  if (!s.min && !s.max) return "-";
  return "[" + (s.min ? to_display(*s.min) : std::string("-inf")) + ", " +
         (s.max ? to_display(*s.max) : std::string("inf")) + "]";
}

// The Markdown tables of one input format, as the docs embed them (scripts/schema-docs.sh).
std::string schema_docs(const std::string& format) {
  if (format == "platform")
    return "#### Keys\n\n" + input::markdown_keys(platform_schema()) + "\n#### A number\n\n" +
           input::markdown_quantity_keys(platform_number_schema()) + "\n#### Units\n\n" +
           input::markdown_units(platform_schema());
  if (format == "experiment") return input::markdown_keys(experiment_schema());
  if (format == "model") return input::markdown_keys(model_file_schema());
  XPB_ASSERT(format == "rules", "formats are checked by the CLI");
  return input::markdown_keys(analysis::ToleranceRules::file_schema());
}

std::vector<std::string> experiment_files() {
  std::vector<std::string> files;
  const std::string dir = paths().experiments_dir();
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

void print_error(const Error& e) {
  std::cerr << "error: " << e.located() << "\n";
  if (!e.hint().empty()) std::cerr << "hint: " << e.hint() << "\n";
}

}  // namespace

void add_info_commands(CLI::App& app, State& st) {
  // ---------------------------------------------------------------------------------------- list
  auto* list = app.add_subcommand(
      "list", "List compiled-in workloads, platform descriptors, experiments, or where files are looked for");
  static std::string what;
  list->add_option("what", what, "workloads | platforms | experiments | paths")
      ->required()
      ->check(CLI::IsMember({"workloads", "platforms", "experiments", "paths"}));
  list->callback([&st] {
    if (what == "workloads") {
      TextTable t({"workload", "kind", "summary"});
      for (const auto& n : st.registry.names()) {
        const auto& i = st.registry.info(n);
        t.row({n, i.kind == WorkloadKind::training ? "training" : "benchmark", i.summary});
      }
      std::cout << t.str();
    } else if (what == "paths") {
      TextTable t({"location", "path", "from"});
      for (const auto& e : paths().entries) t.row({e.name, e.path, e.origin});
      std::cout << t.str();
    } else if (what == "platforms") {
      if (paths().platform_dirs.empty())  // no share folder and no $XPB_PLATFORM_DIR
        (void)paths().share("platforms", "the platform descriptors");
      for (const auto& n : list_platforms()) {
        try {
          std::cout << platform_summary_line(resolve_platform(n)) << "\n";
        } catch (const Error& e) {
          std::cout << n << "  (invalid: " << e.located() << ")\n";
        }
      }
    } else {
      TextTable t({"experiment", "cells", "description"});
      for (const auto& f : experiment_files()) {
        try {
          const auto spec = load_experiment(f, st.registry);
          std::string d = spec.description;
          const auto nl = d.find('\n');
          if (nl != std::string::npos) d = d.substr(0, nl);
          t.row({std::filesystem::relative(f, paths().share_dir).string(), std::to_string(spec.cells.size()),
                 d});
        } catch (const Error& e) {
          t.row({f, "-", "invalid: " + e.located()});
        }
      }
      std::cout << t.str();
    }
    st.exit_code = 0;
  });

  // ---------------------------------------------------------------------------------------- show
  auto* show = app.add_subcommand(
      "show", "Show a workload's parameters, a platform descriptor, or the keys of an input format");
  static std::string kind, name;
  show->add_option("kind", kind, "workload | platform | schema")
      ->required()
      ->check(CLI::IsMember({"workload", "platform", "schema"}));
  show->add_option("name", name,
                   "Workload name, platform name or path, or a format: platform | experiment | model | rules")
      ->required();
  show->callback([&st] {
    if (kind == "workload") {
      const auto& i = st.registry.info(name);
      std::cout << i.name << " (" << (i.kind == WorkloadKind::training ? "training" : "benchmark")
                << "): " << i.summary << "\n";
      if (!i.doc.empty()) std::cout << "\n" << i.doc << "\n";
      if (!i.capabilities.empty()) {  // what `xpubench calibrate` measures with it
        std::string c;
        for (const auto& cap : i.capabilities)
          c += (c.empty() ? "" : ", ") + std::string(to_string(cap.capability));
        std::cout << "\ncalibrates: " << c << "\n";
      }
      TextTable t({"parameter", "type", "default", "range", "unit", "doc"});
      for (const auto& p : i.params.specs())
        t.row({p.name, std::string(to_string(p.node.type)), to_display(*p.node.default_value), range_text(p),
               p.node.unit, p.node.doc});
      std::cout << "\n" << t.str();
      if (!i.metrics.empty()) {
        TextTable m({"metric", "unit", "kind", "headline", "doc"});
        for (const auto& s : i.metrics)
          m.row({s.name, s.unit, std::string(to_string(s.kind)), s.headline ? "yes" : "", s.doc});
        std::cout << "\n" << m.str();
      }
    } else if (kind == "schema") {
      const std::vector<std::string> formats = {"platform", "experiment", "model", "rules"};
      if (std::find(formats.begin(), formats.end(), name) == formats.end()) {
        const std::string m = closest_match(name, formats);
        throw Error({{}, 0, "show schema"}, "unknown format '" + name + "'",
                    m.empty() ? "one of: platform, experiment, model, rules" : "did you mean '" + m + "'?");
      }
      std::cout << schema_docs(name);
    } else {
      std::cout << platform_details(resolve_platform(name));
    }
    st.exit_code = 0;
  });

  // ------------------------------------------------------------------------------------ validate
  auto* validate =
      app.add_subcommand("validate", "Check experiment and descriptor files (exit 2 on the first bad one)");
  static std::vector<std::string> files;
  static std::size_t max_cells = kDefaultMaxCells;
  validate->add_option("files", files, "Experiment or platform descriptor YAML files")->required();
  add_max_cells_option(validate, max_cells);
  validate->callback([&st] {
    int bad = 0;
    for (const auto& f : files) {
      try {
        std::string text;
        const YAML::Node root = yaml::load_file(f, &text);
        if (root.IsMap() && (root["workloads"] || root["projections"])) {
          const auto spec = parse_experiment(text, f, st.registry, max_cells);
          resolve_experiment_platforms(spec);
          std::cout << "ok: " << f << " (experiment '" << spec.name << "', " << spec.cells.size()
                    << " cells)\n";
        } else {
          const Platform p = load_platform_text(text, f);
          std::cout << "ok: " << f << " (platform '" << p.name << "', worst confidence "
                    << to_string(p.worst_confidence()) << ")\n";
          for (const auto& w : p.warnings) std::cerr << "warning: " << f << ": " << w << "\n";
        }
      } catch (const Error& e) {
        print_error(e);
        ++bad;
      }
    }
    st.exit_code = bad ? 2 : 0;
  });
}

}  // namespace xpb::cli
