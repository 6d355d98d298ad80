// core/model/model_validation.hpp — the published end-to-end rows the training model is checked against.
// Narayanan et al. 2021 Table 1 (A100) and MosaicML llm-foundry single-node rows (H100/A100), each
// projected with efficiencies taken only from micro-benchmark ceilings; never fitted to these rows.
// Also builds the micro-calibrated reference platforms used when descriptors are absent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/platforms/platform.hpp"
#include "core/model/training_model.hpp"

namespace xpb {

struct ValidationRow {
  std::string id;           // e.g. "NAR-3", as in the research note
  std::string model_file;   // under experiments/models/
  std::string platform;     // descriptor name
  int devices = 1, tp = 1, pp = 1;
  double global_batch = 0;
  int seq_len = 0;          // 0: the model's
  std::optional<DType> dtype;
  std::vector<int> mbs;         // micro-batch sizes tried (the source does not always give it)
  std::vector<int> interleave;  // interleaving degrees tried
  Recompute recompute = Recompute::full;
  int zero = 0;
  bool flash_attention = false;
  bool dp_overlap = false;
  double measured_seconds = 0;  // iteration time derived from the publication
  std::string derivation;       // how measured_seconds was derived
};

struct ValidationResult {
  ValidationRow row;
  bool ok = false;
  std::string reason;
  StepEstimate estimate;
  double error = 0;  // projected nominal / measured − 1
};

std::vector<ValidationRow> validation_rows();

// Platforms calibrated in code from the research note's micro-benchmark rows (G-, HBM-, NET-):
// "nvidia-a100-sxm-80gb" and "nvidia-h100-sxm". Throws for other names.
Platform micro_calibrated_platform(const std::string& name);

// Project every row. `resolve` maps a platform name to a descriptor (e.g. resolve_platform);
// `models_dir` holds the model files.
// `overlap` false projects every kernel as compute + memory time (Calculon's no_overlap mode), a
// sensitivity check only.
std::vector<ValidationResult> run_validation(
    const std::string& models_dir, const std::function<Platform(const std::string&)>& resolve,
    bool overlap = true);

// docs/validation.md body: per-row table and summary (median and max |error|).
std::string validation_markdown(const std::vector<ValidationResult>& results,
                                const std::string& command, const std::string& platform_note);

}  // namespace xpb
