// cli/cmd_info.cpp — `xpubench list`, `show` and `validate`: what is compiled in, what the
// descriptors and experiments say, the keys of each input format (from its schema declaration),
// and whether input files are well-formed.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

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

// `list WHAT --json`: {"xpubench_json", "list": WHAT, "items": [...]}.
json list_as_json(const State& st, const std::string& what) {
  json items = json::array();
  if (what == "workloads") {
    for (const auto& n : st.registry.names()) {
      const auto& i = st.registry.info(n);
      items.push_back({{"name", n},
                       {"kind", i.kind == WorkloadKind::training ? "training" : "benchmark"},
                       {"summary", i.summary}});
    }
  } else if (what == "paths") {
    for (const auto& e : paths().entries)
      items.push_back({{"location", e.name}, {"path", e.path}, {"from", e.origin}});
  } else if (what == "platforms") {
    if (paths().platform_dirs.empty()) (void)paths().share("platforms", "the platform descriptors");
    for (const auto& n : list_platforms()) {
      try {
        const Platform p = resolve_platform(n);
        items.push_back({{"name", n}, {"ok", true}, {"summary", platform_summary_line(p)}});
      } catch (const Error& e) {
        items.push_back({{"name", n}, {"ok", false}, {"error", e.located()}});
      }
    }
  } else {
    for (const auto& f : experiment_files()) {
      const std::string rel = std::filesystem::relative(f, paths().share_dir).string();
      try {
        const auto spec = load_experiment(f, st.registry);
        items.push_back({{"path", rel},
                         {"ok", true},
                         {"name", spec.name},
                         {"cells", spec.cells.size()},
                         {"description", spec.description}});
      } catch (const Error& e) {
        items.push_back({{"path", rel}, {"ok", false}, {"error", e.located()}});
      }
    }
  }
  json j = json_object();
  j["list"] = what;
  j["items"] = std::move(items);
  return j;
}

json range_json(const Quantity& q) {
  if (!q.present) return nullptr;
  return json{{"low", json_number(q.value.low)},
              {"nominal", json_number(q.value.nominal)},
              {"high", json_number(q.value.high)},
              {"confidence", to_string(q.confidence)}};
}

// `show workload NAME --json`.
json workload_json(const WorkloadInfo& i) {
  json j = json_object();
  j["show"] = "workload";
  j["name"] = i.name;
  j["kind"] = i.kind == WorkloadKind::training ? "training" : "benchmark";
  j["summary"] = i.summary;
  j["doc"] = i.doc;
  json caps = json::array();
  for (const auto& cap : i.capabilities) caps.push_back(to_string(cap.capability));
  j["calibrates"] = std::move(caps);
  json params = json::array();
  for (const auto& p : i.params.specs())
    params.push_back({{"name", p.name},
                      {"type", to_string(p.node.type)},
                      {"default", json_param(to_json(*p.node.default_value))},
                      {"range", range_text(p)},
                      {"unit", p.node.unit},
                      {"doc", p.node.doc}});
  j["parameters"] = std::move(params);
  json metrics = json::array();
  for (const auto& s : i.metrics)
    metrics.push_back({{"name", s.name},
                       {"unit", s.unit},
                       {"kind", to_string(s.kind)},
                       {"headline", s.headline},
                       {"doc", s.doc}});
  j["metrics"] = std::move(metrics);
  return j;
}

void print_error(const Error& e) {
  std::cerr << "error: " << e.located() << "\n";
  if (!e.hint().empty()) std::cerr << "hint: " << e.hint() << "\n";
}

}  // namespace

// `show platform NAME --json`: the main numbers in SI units, and the descriptor's exact text.
json platform_json(const Platform& p) {
  json j = json_object();
  j["show"] = "platform";
  j["name"] = p.name;
  j["display_name"] = p.display_name;
  j["vendor"] = p.vendor;
  j["kind"] = p.kind;
  j["path"] = p.path;
  j["sha256"] = p.sha256;
  j["worst_confidence"] = to_string(p.worst_confidence());
  json peak = json::object();
  for (const auto& [d, pk] : p.peak)
    peak[std::string(to_string(d))] = pk.status == PeakStatus::known ? range_json(pk.flops) : json(nullptr);
  j["peak_flops"] = std::move(peak);
  j["memory_capacity_bytes"] = range_json(p.memory_capacity);
  j["memory_bandwidth_bytes_per_second"] = range_json(p.memory_bandwidth);
  j["tdp_watts"] = range_json(p.tdp);
  j["devices_per_node"] = p.devices_per_node;
  j["warnings"] = p.warnings;
  j["descriptor_yaml"] = p.yaml_text;
  return j;
}

void add_info_commands(CLI::App& app, State& st) {
  // ---------------------------------------------------------------------------------------- list
  auto* list = app.add_subcommand(
      "list", "List compiled-in workloads, platform descriptors, experiments, or where files are looked for");
  static std::string what;
  list->add_option("what", what, "workloads | platforms | experiments | paths")
      ->required()
      ->check(CLI::IsMember({"workloads", "platforms", "experiments", "paths"}));
  static bool list_json = false;
  list->add_flag("--json", list_json, "Print one JSON object (docs/json.md)");
  list->callback([&st] {
    if (list_json) {
      print_json(list_as_json(st, what));
    } else if (what == "workloads") {
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
  static bool show_json = false;
  show->add_flag("--json", show_json, "Print one JSON object (docs/json.md)");
  show->callback([&st] {
    if (show_json && kind == "workload") {
      print_json(workload_json(st.registry.info(name)));
    } else if (show_json && kind == "platform") {
      print_json(platform_json(resolve_platform(name)));
    } else if (kind == "workload") {
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
      if (show_json) {
        json j = json_object();
        j["show"] = "schema";
        j["name"] = name;
        j["markdown"] = schema_docs(name);
        print_json(j);
      } else {
        std::cout << schema_docs(name);
      }
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
  static bool validate_json = false;
  validate->add_flag("--json", validate_json,
                     "Print one JSON object (docs/json.md); errors still go to stderr");
  validate->callback([&st] {
    int bad = 0;
    json results = json::array();
    for (const auto& f : files) {
      std::ostringstream out;  // the "ok:" line, printed unless --json
      json r = {{"path", f}};
      try {
        std::string text;
        const YAML::Node root = yaml::load_file(f, &text);
        if (root.IsMap() && (root["workloads"] || root["projections"])) {
          const auto spec = parse_experiment(text, f, st.registry, max_cells);
          resolve_experiment_platforms(spec);
          out << "ok: " << f << " (experiment '" << spec.name << "', " << spec.cells.size() << " cells)\n";
          r.update(
              json{{"ok", true}, {"type", "experiment"}, {"name", spec.name}, {"cells", spec.cells.size()}});
        } else {
          const Platform p = load_platform_text(text, f);
          out << "ok: " << f << " (platform '" << p.name << "', worst confidence "
              << to_string(p.worst_confidence()) << ")\n";
          r.update(json{{"ok", true},
                        {"type", "platform"},
                        {"name", p.name},
                        {"worst_confidence", to_string(p.worst_confidence())},
                        {"warnings", p.warnings}});
          for (const auto& w : p.warnings) std::cerr << "warning: " << f << ": " << w << "\n";
        }
      } catch (const Error& e) {
        print_error(e);
        r.update(json{{"ok", false}, {"error", e.located()}, {"hint", e.hint()}});
        ++bad;
      }
      if (!validate_json) std::cout << out.str();
      results.push_back(std::move(r));
    }
    if (validate_json) {
      json j = json_object();
      j["ok"] = bad == 0;
      j["files"] = std::move(results);
      print_json(j);
    }
    st.exit_code = bad ? 2 : 0;
  });
}

}  // namespace xpb::cli
