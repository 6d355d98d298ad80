// analysis/compare.hpp — schema-aware comparison of two result sets (`xpubench compare`).
// Like h5diff (equal / different / error) but with per-path tolerance rules, timings and
// timestamps ignored unless asked, provenance differences listed without counting, and paths
// that a later schema version added listed without counting when the files' versions differ. It reads
// files and returns a report; printing and exit codes belong to the CLI.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "analysis/tolerance_rules.hpp"

namespace xpb::analysis {

struct CompareOptions {
  bool timings = false;  // also compare entries classified as timings
};

struct Difference {
  std::string path;
  std::string what;   // "value", "only in A", "only in B", "shape", "type", "count"
  std::string a, b;   // readable values (first differing element for arrays)
  long long index = -1;         // first differing element, -1 for scalars
  long long differing = 0;      // how many elements differ
  double abs_err = 0, rel_err = 0;
  std::string rule;   // why this tolerance applied
};

struct CompareResult {
  std::string file_a, file_b;
  std::vector<Difference> differences;  // counted: decide the exit status
  std::vector<Difference> provenance;   // listed only
  std::vector<Difference> added;        // paths the older file's schema version did not have: listed only
  std::size_t compared = 0, timing_skipped = 0, ignored = 0, timing_compared = 0;
  bool equal() const { return differences.empty(); }
};

// Equality of two numbers under a tolerance: both NaN, exactly equal, or
// |a − b| ≤ max(atol, rtol · max(|a|, |b|)).
bool numbers_close(double a, double b, double rtol, double atol);

CompareResult compare_trees(const Tree& a, const Tree& b, const ToleranceRules& rules,
                            const CompareOptions& opt = {});
// Reads both files (xpb::Error when one is not HDF5) and compares them.
CompareResult compare_files(const std::string& a, const std::string& b, const ToleranceRules& rules,
                            const CompareOptions& opt = {});

// The readable report: provenance differences, the first `max_shown` differences, a total line.
std::string format_compare(const CompareResult& r, std::size_t max_shown, bool verbose = false);

}  // namespace xpb::analysis
