// core/results/seed_stats.hpp — statistics over seeds: cells that differ only in their seed (an
// experiment's `seeds:` list) form a group, and each quantity of the group gets its mean, sample
// standard deviation and a 95% confidence interval of the mean (Student's t), stored as
// /seed_statistics and printed by `run` and `report`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <hdf5.h>

#include "core/results/result_store.hpp"

namespace xpb {

// One quantity of one seed group.
struct SeedStatRow {
  std::string group;  // id of the group: cell_id without the seed (12 hex digits)
  std::string workload, params;
  std::string kind;  // `metric` (a scalar, its value) or `measured` (per step: the cell's median)
  std::string metric, unit, value_kind;
  std::string seeds;                   // the seeds that entered, comma-separated, in cell order
  std::string cells;                   // their cell ids, comma-separated
  long long n = 0;                     // cells that entered (status ok or invalid, value finite)
  double mean = 0, sd = 0;             // sd: sample standard deviation (n - 1); 0 when n = 1
  double ci95_low = 0, ci95_high = 0;  // mean ± t(0.975, n - 1) · sd / √n
  double min = 0, max = 0;
};

// Two-sided 95% critical value of Student's t with `df` degrees of freedom (df ≥ 1): exact to the
// three decimals of the standard tables up to 30, then the Cornish–Fisher expansion in 1/df.
double student_t95(long long df);

// The group id of a cell: the first 12 hex digits of SHA-256 over {workload, params}, the seed left
// out (core/experiment/experiment.hpp's cell_id with the seed removed).
std::string seed_group_id(const std::string& workload, const std::string& canonical_params);

// Statistics of every quantity of every group with two or more cells, from /summary rows of kind
// `metric` and `measured` (the latter: the cell's median). `cell_seeds` maps cell ids to seeds;
// a cell it lacks does not enter. Rows in the order their group and quantity first appear.
std::vector<SeedStatRow> seed_statistics(const std::vector<SummaryRow>& rows,
                                         const std::map<std::string, std::uint64_t>& cell_seeds);

// The /seed_statistics table of an open result file (empty when absent).
std::vector<SeedStatRow> read_seed_statistics(hid_t file);

}  // namespace xpb
