// analysis/html_report.hpp — `xpubench report --format html`: one self-contained HTML file.
// Provenance, the cells table, the parity matrix, rooflines, training curves, the performance-
// portability metric and the /projections rows, with inline SVG charts (analysis/svg.hpp). The
// page loads nothing: no scripts, no fonts, no style sheets, no URLs. The numbers are the ones the
// Markdown report shows (analysis/report.hpp); nothing is re-run or re-projected.
#pragma once

#include <string>

#include "analysis/report.hpp"
#include "analysis/result_set.hpp"

namespace xpb::analysis {

std::string render_html_report(const ResultSet& rs, const WorkloadMetrics& metrics = {});

}  // namespace xpb::analysis
