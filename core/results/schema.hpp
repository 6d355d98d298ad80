// core/results/schema.hpp — the layout of a result set, declared once.
// Every group, attribute, dataset and table column of an `xpubench.results` file is one entry
// here: its path, type, unit, kind (numeric | timing | provenance), the schema version that
// introduced it and a one-line doc. The writer and the readers go through it (schema_io.hpp),
// `compare` takes its default classification from it, and docs/results-schema.md and the Python
// reader's field list are generated from it (`xpubench schema`). It does not touch HDF5.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpb::schema {

inline constexpr const char* kName = "xpubench.results";
inline constexpr int kVersion = 2;         // what this build writes
inline constexpr int kOldestReadable = 1;  // the oldest version its readers accept

// How a value is treated when two result sets are compared (docs/reproducibility.md).
enum class Kind {
  numeric,    // must reproduce: compared
  timing,     // a wall-clock figure, a timestamp, or computed from them: compared only on request
  provenance  // where and when a result came from: differences listed, not counted
};
std::string_view to_string(Kind k);
std::optional<Kind> parse_kind(std::string_view s);

enum class Node { group, attribute, dataset, table };
std::string_view to_string(Node n);

// Where an entry's unit comes from. Dimensionless quantities have the unit "" (written
// explicitly: every dataset carries a `unit` attribute).
enum class UnitFrom {
  none,    // strings and groups: no unit
  fixed,   // Entry::unit, the same in every file
  object,  // the dataset's `unit` attribute, declared by the workload that reported the value
  row      // a table row's `unit` column
};

// Where an entry's kind comes from.
enum class KindFrom {
  fixed,     // Entry::kind
  object,    // the dataset's `kind` attribute (schema 1 files lack it: timing_unit(unit) decides)
  row,       // /summary rows: as their `value_kind` column says (schema 1 files lack it: `projected`
             // rows numeric, `model_error` rows timing, the others by timing_unit of their `unit`)
  platform   // /platforms/NAME: provenance when the platform is the machine that ran (its `kind`
             // attribute is `host`; schema 1 files without it: the name `host`), else numeric
};

// What a table column says about its row, besides its own value.
enum class Role {
  value,
  unit,       // the unit of the row's numbers
  row_kind,   // what the row is (/summary: measured, metric, projected, model_error)
  value_kind  // the Kind of the row's numbers
};
std::string_view to_string(Role r);

struct Column {
  std::string name;
  std::string type;  // "string", "float64", "int64"
  std::string unit;
  UnitFrom unit_from = UnitFrom::fixed;
  Role role = Role::value;
  bool key = false;  // identifies the row: compare addresses rows by their key columns, in order
  int since = 1;
  std::string doc;
};

struct Entry {
  // "/cells/{cell}/measured/{name}"; attributes are OBJECT@name ("/cells/{cell}@status", root
  // attributes "/@schema"). `{x}` stands for one path segment, `{x...}` for one or more.
  std::string path;
  Node node = Node::group;
  std::string type;  // "string", "int64", "float64", "float64[3]", "compound", ...
  std::string unit;
  UnitFrom unit_from = UnitFrom::none;
  Kind kind = Kind::numeric;
  KindFrom kind_from = KindFrom::fixed;
  int since = 1;     // schema version that introduced it (older files lack it)
  std::string doc;
  std::vector<Column> columns;  // tables only, in file order

  const Column* column(std::string_view name) const;
  std::vector<std::string> keys() const;            // key columns, in order
  const Column* role(Role r) const;                  // the column with that role, if any
};

// The declaration, in sections (the order of docs/results-schema.md).
struct Section {
  std::string title;
  std::string intro;  // markdown printed before the section's table
  std::vector<Entry> entries;
};
const std::vector<Section>& sections();
const std::vector<const Entry*>& entries();  // all sections' entries, in order

// The entry a concrete path is an instance of ("/cells/0a1b2c3d4e5f/measured/loss",
// "/cells/0a1b2c3d4e5f@status"); the first declared match wins. nullptr when undeclared.
const Entry* find(std::string_view path);
// Whether `path` is an instance of `pattern` (the `{x}` / `{x...}` syntax above).
bool matches(std::string_view pattern, std::string_view path);

// A path of `compare`'s flattened view: an entry's own path, or a table cell
// TABLE/KEY.../COLUMN (keys as the table's key columns say, see analysis/h5_tree.hpp).
struct Resolved {
  const Entry* entry = nullptr;
  const Column* column = nullptr;  // set for table cells
  int since() const {  // a column is no older than its table
    const int e = entry ? entry->since : 1;
    return column && column->since > e ? column->since : e;
  }
};
Resolved resolve(std::string_view path);

// A unit that makes a value a timing: a time (s, ms, us, ns) or a rate per second ("GB/s").
bool timing_unit(std::string_view unit);
// The kind of a value reported by a workload, from its unit (KindFrom::object entries).
Kind kind_for_unit(std::string_view unit);

// What classify() needs to know about one value of a file.
struct Probe {
  std::string path;         // flattened path (see resolve)
  std::string unit;         // the dataset's `unit` attribute, or the row's unit column
  std::string stored_kind;  // the dataset's `kind` attribute, or the row's value_kind column
  std::string row_kind;     // the row's row_kind column (/summary)
  // Reads another string attribute of the same file by path ("/platforms/P@kind"); may be empty.
  std::function<std::optional<std::string>(const std::string&)> attribute;
};
struct Classified {
  Kind kind = Kind::numeric;
  std::string why;            // shown next to a difference
  const Entry* entry = nullptr;
  int since = 1;
};
// The kind the schema gives a value; undeclared paths are numeric.
Classified classify(const Probe& p);

// docs/results-schema.md and the machine-readable form (the Python reader's field list).
std::string markdown();
std::string json();

}  // namespace xpb::schema
