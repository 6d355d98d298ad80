// analysis/gbench_export.hpp — a result set as Google Benchmark's JSON, so that the statistics of
// `compare.py` (Debian's libbenchmark-tools: Mann-Whitney U test over repetitions) can compare two
// result sets. One benchmark per measured cell, named after its label with spaces as '/'
// (the cell id is appended when two cells share a label); each timed step is one repetition of one iteration;
// the mean, median and standard deviation follow as aggregates, as Google Benchmark writes them. xpubench
// measures wall time only: cpu_time repeats real_time (documented in the context).
#pragma once

#include <string>

#include "analysis/result_set.hpp"

namespace xpb::analysis {

// The JSON text (an object with "context" and "benchmarks"). Cells without step times (failed,
// skipped) are left out; the context lists how many.
std::string gbench_json(const ResultSet& rs);

}  // namespace xpb::analysis
