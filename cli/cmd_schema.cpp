// cli/cmd_schema.cpp — `xpubench schema`: the result set layout, from its declaration in
// core/results/schema.cpp, as markdown (docs/results-schema.md) or JSON (the Python reader's
// field list, analysis/plots/xpb_schema.json). It describes; it reads no result set.
#include <iostream>

#include "cli/cli.hpp"
#include "core/base/atomic_file.hpp"
#include "core/base/output_path.hpp"
#include "core/results/schema.hpp"

namespace xpb::cli {

void add_schema_command(CLI::App& app, State& st) {
  auto* cmd = app.add_subcommand("schema",
                                 "Print the result set layout (docs/results-schema.md is this, as markdown)");
  static std::string format = "md", out;
  cmd->add_option("--format,-f", format, "md | json")->check(CLI::IsMember({"md", "json"}));
  static bool force = false;
  cmd->add_option("-o,--output", out, "Write to FILE instead of standard output");
  cmd->add_flag("--force", force, "Overwrite an existing FILE");
  static bool as_json = false;
  cmd->add_flag("--json", as_json,
                "Print one JSON object (docs/json.md): the layout under `schema` (as --format json), "
                "and where it was written");
  cmd->callback([&st] {
    if (!out.empty()) check_output(out, {force, {}, "the schema description"});
    const std::string text = format == "json" ? schema::json() : schema::markdown();
    if (!out.empty()) write_file_atomically(out, text, "the schema description");
    if (as_json) {
      json j = json_object();
      j["format"] = format;
      j["output"] = out.empty() ? json(nullptr) : json(out);
      j["schema"] = json::parse(schema::json());
      print_json(j);
    } else if (out.empty()) {
      std::cout << text;
    }
    st.exit_code = 0;
  });
}

}  // namespace xpb::cli
