// analysis/h5_tree.hpp — any HDF5 file flattened into comparable entries with readable paths.
// Groups, datasets and attributes become entries keyed by a path: "/cells/ID/measured/step_seconds",
// attributes as "/cells/ID@status", rows of the tables core/results/schema.cpp declares by their
// key columns as "/summary/ID/measured/step_seconds/-/median". It decides nothing about what may
// differ (analysis/tolerance_rules.hpp does) and compares nothing (analysis/compare.hpp does).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace xpb::analysis {

struct TreeEntry {
  enum class Kind { group, numbers, strings };
  std::string path;
  Kind kind = Kind::group;
  std::vector<double> numbers;        // numeric datasets, attributes and table cells
  std::vector<std::string> strings;   // string datasets, attributes and table cells
  std::vector<std::size_t> shape;     // datasets only
  bool attribute = false;             // true for "OBJ@name" entries
  std::string unit;                   // a dataset's "unit" attribute, or a table row's unit column
  std::string row_kind;               // /summary rows: the `kind` column (measured, projected, ...)
  std::string value_kind;             // a dataset's "kind" attribute, or a row's value_kind column
  std::string table, column;          // table cells: the table's path and the column
};

using Tree = std::map<std::string, TreeEntry>;

// Reads every object of `path`. Throws xpb::Error when the file cannot be opened as HDF5.
Tree read_tree(const std::string& path);

// Key columns of a compound table: as core/results/schema.cpp declares them ("/summary",
// "/parity", ".../ledger"); other tables by a `name` column when present, else by row number.
std::vector<std::string> table_key_columns(const std::string& table_path,
                                           const std::vector<std::string>& string_columns);

}  // namespace xpb::analysis
