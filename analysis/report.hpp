// analysis/report.hpp — `xpubench report`: a result set as Markdown, CSV, JSON or HTML (the
// HTML page with its charts is analysis/html_report.hpp).
// Per cell the measured figures (median, IQR, n), the projections per platform, the H20 parity
// matrix with ranges and verdicts, the model's error on this machine and the performance-
// portability metric. Every number is labelled measured, projected or model error; nothing here
// re-runs or re-projects anything beyond the efficiency ceilings (analysis/portability.hpp).
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "analysis/result_set.hpp"
#include "core/plugin/metrics.hpp"

namespace xpb::analysis {

enum class ReportFormat { md, csv, json, html };
// "md" | "markdown" | "csv" | "json" | "html"; anything else is xpb::Error.
ReportFormat parse_report_format(const std::string& s);

// One long-form row: the CSV output and the "records" array of the JSON output.
struct ReportRecord {
  std::string section;  // cells | projection | parity | model_error | portability
  std::string cell, workload, problem, platform;
  std::string source;                   // measured | projected | model_error | metric
  std::string quantity;                 // step_seconds, speed_ratio, efficiency, pp, ...
  double value = 0, low = 0, high = 0;  // low/high: 5 % and 95 % points (samples, Monte Carlo)
  double ci95_low = std::nan(""), ci95_high = std::nan("");  // section seeds: interval of the mean
  long long n = 0;
  std::string unit, verdict, note;
};

// The metrics each workload declares (workload name → its MetricSpecs): the Markdown cells table
// shows each cell's headline metrics from them; workloads missing here show none.
using WorkloadMetrics = std::map<std::string, std::vector<MetricSpec>>;

std::vector<ReportRecord> report_records(const ResultSet& rs);
std::string render_report(const ResultSet& rs, ReportFormat format, const WorkloadMetrics& metrics = {});

}  // namespace xpb::analysis
