// analysis/verify.cpp — re-running an embedded experiment into a second result set.
#include "analysis/verify.hpp"

#include "analysis/result_set.hpp"
#include "core/base/error.hpp"
#include "core/experiment/experiment.hpp"

namespace xpb::analysis {

VerifyResult verify_result_set(const std::string& path, const Registry& registry, const ToleranceRules& rules,
                               const VerifyOptions& opt,
                               const std::function<void(const CellEvent&)>& progress) {
  const ResultSet rs = load_result_set(path);
  if (rs.experiment_yaml.empty())
    throw Error({path, 0, "experiment_yaml"}, "the result set embeds no experiment",
                "only files written by `xpubench run` can be verified");
  if (opt.rerun_path.empty() || opt.rerun_path == path)
    throw Error({path, 0, {}}, "verify needs a separate file for the re-run");
  // The re-run records the original experiment path; messages about the YAML point there too.
  const std::string where = rs.experiment_path.empty() ? path : rs.experiment_path;
  const ExperimentSpec spec = parse_experiment(rs.experiment_yaml, where, registry, opt.max_cells);

  RunOptions ro;
  ro.output = opt.rerun_path;
  ro.force = true;
  ro.command_line = opt.command_line;
  for (const auto& c : rs.cells) ro.only.push_back(c.id);  // the cells the file holds, no more
  VerifyResult out;
  out.rerun_path = opt.rerun_path;
  if (!ro.only.empty()) {
    const RunSummary sum = run_experiment(spec, registry, ro, progress);
    out.cells = sum.ran;
  } else {
    throw Error({path, 0, "cells"}, "the result set holds no cells to verify");
  }
  out.comparison = compare_files(path, opt.rerun_path, rules, opt.compare);
  return out;
}

}  // namespace xpb::analysis
