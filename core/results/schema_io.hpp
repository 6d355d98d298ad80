// core/results/schema_io.hpp — reading and writing a result set through its declaration.
// A Writer or Reader is an open HDF5 group (or dataset) together with its path in the file, so
// that every attribute, dataset and table column it touches is looked up in core/results/schema.hpp
// first: touching an undeclared path is a bug and aborts (XPB_ASSERT). Units of fixed-unit
// entries and the columns of tables come from the declaration, not from the caller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results/hdf5_util.hpp"
#include "core/results/schema.hpp"

namespace xpb::schema {

class Writer {
 public:
  // `loc` is open and stays open while this Writer lives; `path` is its path in the file ("/").
  Writer(hid_t loc, std::string path);
  const std::string& path() const { return m_path; }
  hid_t id() const { return m_id; }

  Writer group(const std::string& name) const;  // creates it and the groups above it
  void attr(const std::string& name, const std::string& value) const;
  void attr(const std::string& name, const char* value) const { attr(name, std::string(value)); }
  void attr(const std::string& name, long long value) const;
  void attr(const std::string& name, double value) const;
  // A float64 dataset and its `unit` attribute. Entries with a fixed unit take the declared one
  // (`unit` must then be empty or equal); values reported under a name take `unit` and also get a
  // `kind` attribute (`kind`, else kind_for_unit(unit)). Returns the dataset, for its attributes.
  Writer values(const std::string& name, const std::vector<double>& v, const std::string& unit = {},
                const std::vector<std::size_t>& shape = {}, std::optional<Kind> kind = {}) const;

 private:
  friend class TableWriter;
  Writer(h5::Handle&& own, std::string path);
  std::string child(const std::string& name) const;
  std::string attribute(const std::string& name) const;
  h5::Handle m_own;  // set when this Writer opened the object itself
  hid_t m_id;
  std::string m_path;
};

// The rows of one declared table, filled column by column and written in the declared layout.
class TableWriter {
 public:
  TableWriter(const Writer& at, const std::string& name);
  void row();  // starts a row; every column must be set before the next row() or write()
  void set(const std::string& column, const std::string& v);
  void set(const std::string& column, double v);
  void set(const std::string& column, long long v);
  // Writes the table; returns it, for its attributes.
  Writer write();

 private:
  const Column& column(const std::string& name, const char* type) const;
  const Writer& m_at;
  std::string m_name, m_path;
  const Entry* m_entry;
  h5::Table m_t;
  std::vector<bool> m_set;  // per column of the current row, in declared order
};

class Reader {
 public:
  Reader(hid_t loc, std::string path);
  const std::string& path() const { return m_path; }
  hid_t id() const { return m_id; }

  bool has(const std::string& name) const;         // a child link (declared) exists
  bool is_dataset(const std::string& name) const;  // ... and is a dataset
  Reader open(const std::string& name) const;       // a child group or dataset
  std::vector<std::string> children() const;       // names, sorted
  std::optional<std::string> text(const std::string& attribute) const;
  std::optional<long long> integer(const std::string& attribute) const;
  std::optional<double> number(const std::string& attribute) const;
  std::vector<double> values(const std::string& name) const;  // empty when absent
  // A dataset's `unit` and `kind` attributes ("" and nullopt when absent).
  std::string unit(const std::string& name) const;
  std::optional<Kind> kind(const std::string& name) const;

 private:
  Reader(h5::Handle&& own, std::string path);
  std::string child(const std::string& name) const;
  std::string attribute(const std::string& name) const;
  h5::Handle m_own;
  hid_t m_id;
  std::string m_path;
};

// A declared table read back by column name. Columns a file lacks (written by an older schema)
// read as "", NaN and 0.
class TableReader {
 public:
  TableReader(const Reader& at, const std::string& name);  // no rows when the table is absent
  std::size_t rows() const { return m_rows; }
  std::string text(std::size_t row, const std::string& column) const;
  double number(std::size_t row, const std::string& column) const;  // int64 columns widen
  long long integer(std::size_t row, const std::string& column) const;

 private:
  void check(const std::string& column) const;
  const Entry* m_entry;
  std::string m_path;
  h5::Table m_t;
  std::size_t m_rows = 0;
};

}  // namespace xpb::schema
