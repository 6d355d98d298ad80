// core/base/input_schema.hpp — declarative YAML schemas: one declaration validates, reads, documents
// and writes a file format (platform descriptors, experiments, model files, tolerance rules and
// workload parameters are declared with it).
//
// A Node declares one YAML value: a scalar (string, integer, number, boolean, choice), a list, a
// map (free keys), an object (declared keys), a quantity (a number with a unit, or a status word
// such as `unknown`), or `any` (checked later against another schema). validate() checks a parsed
// document strictly — unknown keys (with "did you mean"), duplicate keys, keys that are not plain
// words, missing required keys, wrong types, ranges, choices, units — and stops at the first
// problem with `FILE:LINE: key.path: message` and a hint. It returns a Value, a validated view the
// loader reads typed values from (defaults come from the declaration). markdown() renders the
// declaration as documentation tables; emit() writes a document in declaration order.
// What a format means (sources, cross-field rules) stays with its loader, in `check` hooks.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/range.hpp"

namespace xpb::input {

// ================================================================================================
// Declarations

enum class Type { string, integer, number, boolean, choice, list, map, object, quantity, any };
// "string", "int", "number", "bool", "choice", "list", "map", "object", "quantity", "any".
std::string_view to_string(Type t);

using Scalar = std::variant<bool, std::int64_t, double, std::string>;
// Human form: true, 42, 0.1 (shortest round-trip), text.
std::string to_display(const Scalar& v);

// The units a quantity may be written in, with their factors to the SI unit.
struct Unit {
  std::string name;
  double factor = 1;
};
struct UnitSet {
  std::string kind;     // in words, for messages: "a bandwidth"
  std::string si;       // "B/s"
  std::string typical;  // suggested for a bare number: "GB/s"
  std::vector<Unit> units;
  // Spellings that are refused on purpose, with the hint to give ("Gb/s" → "write GB/s or Gbit/s").
  std::vector<std::pair<std::string, std::string>> refused;

  std::optional<double> factor(const std::string& name) const;
  std::vector<std::string> names() const;
};

class Value;
struct Field;

struct Node {
  Type type = Type::any;
  std::string doc;                     // one line for tables, `show` and hints
  std::string unit;                    // display unit of a scalar ("tokens"), for docs only
  std::optional<Scalar> default_value; // what an absent optional field reads as
  std::optional<double> min, max;      // integer, number, quantity (in SI): bounds
  bool min_open = false, max_open = false;
  bool whole = false;                  // number, quantity: a whole number
  std::vector<std::string> choices;    // choice: the words; map: the allowed keys (empty: any)
  std::string noun;                    // choice: "unknown <noun> 'x'"; quantity: "<noun> x is outside"
  std::string hint;                    // hint for a value outside the range or the choices
  std::shared_ptr<const Node> element; // list items, map values
  std::size_t min_items = 0;           // list
  bool sweep = false;                  // scalar: a non-empty list of such values is accepted too
  std::vector<Field> fields;           // object: the declared keys, in the order they are read
  std::shared_ptr<const Node> scalar_form;  // object: a scalar accepted instead of the mapping
  std::string missing_hint;            // object: hint for a missing required key
  const UnitSet* units = nullptr;      // quantity
  std::vector<std::string> statuses;   // quantity: words standing for "no number" ("unknown")
  bool single = false;                 // quantity: one value, not a low/nominal/high range
  std::size_t lead = 0;                // quantity, emit(): extra keys written before the number
  bool flow = false;                   // emit(): flow style, {a: 1, b: 2} and [1, 2]
  bool quoted = true;                  // emit(): a string in double quotes (ids read better plain)
  std::string doc_ref;                 // markdown(): type shown as this, sub-keys not listed
  std::function<void(const Value&)> check;  // further rules, run once the structure is valid

  // Fluent modifiers (on a temporary: `integer("n").range(1, 64)`).
  Node& range(std::optional<double> lo, std::optional<double> hi);  // [lo, hi]
  Node& at_least(double lo);
  Node& above(double lo);   // (lo, ...
  Node& at_most(double hi);
  Node& below(double hi);   // ..., hi)
  Node& fallback(Scalar v); // the default
  Node& hint_text(std::string h);
  Node& noun_text(std::string n);
  Node& display_unit(std::string u);
  Node& whole_number();
  Node& non_empty();
  Node& sweepable();
  Node& flow_style();
  Node& unquoted();
  Node& single_value();
  Node& lead_keys(std::size_t n);
  Node& statuses_allowed(std::vector<std::string> words);
  Node& keys_allowed(std::vector<std::string> keys);
  Node& or_scalar(Node scalar);
  Node& missing_key_hint(std::string h);
  Node& documented_as(std::string ref);
  Node& checked(std::function<void(const Value&)> f);
};

// One key of an object.
struct Field {
  std::string name;
  Node node;
  bool required = false;
  std::string missing_message;  // replaces "missing required key 'NAME'"
  std::string missing_hint;     // replaces the object's missing_key_hint

  Field& if_missing(std::string message, std::string hint = {});
};

Node string(std::string doc = {});
Node integer(std::string doc = {});
Node number(std::string doc = {});
Node boolean(std::string doc = {});
Node choice(std::vector<std::string> words, std::string doc = {});
Node list(Node element, std::string doc = {});
Node map(Node value, std::string doc = {});
Node object(std::vector<Field> fields, std::string doc = {});
// A number with a unit: {value | low, nominal, high; unit} plus the `extra` keys (e.g. a source).
Node quantity(const UnitSet& units, std::vector<Field> extra, std::string doc = {});
Node any(std::string doc = {});

Field required(std::string name, Node node);
Field optional(std::string name, Node node);

// The scalar checks alone (type, range, choices): "" when `v` fits, else the message.
std::string check_scalar(const Node& node, const Scalar& v);

// ================================================================================================
// Validating and reading

// Bounds on what one document may cost (issue: hostile inputs). Aliases make a small text a large
// tree, so the budget counts visited nodes, not bytes.
struct Limits {
  std::size_t max_nodes = 2'000'000;
  int max_depth = 64;
};

// Checks `doc` against `schema` and returns the validated view. `key` is the key path of `doc`
// in its file ("" for the whole document). `schema` must outlive the Value.
Value validate(const Node& schema, const YAML::Node& doc, const std::string& file,
               const std::string& key = {}, const Limits& limits = {});

// A validated part of a document. Reading never fails for what the schema declared; asking for an
// undeclared key, or a scalar of another type, is a programming error (XPB_ASSERT).
class Value {
 public:
  Value() = default;

  bool present() const { return m_yaml.IsDefined(); }  // given in the file
  const std::string& key() const { return m_key; }
  const std::string& file() const { return m_file; }
  int line() const;
  Where where() const { return {m_file, line(), m_key}; }
  // Throws xpb::Error at this value's file, line and key path.
  [[noreturn]] void fail(const std::string& message, const std::string& hint = {}) const;
  // The same at a key of this mapping that is not a declared field (a quantity's `unit`).
  [[noreturn]] void fail_at(const std::string& sub, const std::string& message,
                            const std::string& hint = {}) const;
  const YAML::Node& yaml() const { return m_yaml; }
  const Node& schema() const { return *m_schema; }

  // Objects: a declared key, given or not (absent scalars read as the declared default).
  bool has(const std::string& name) const;
  Value operator[](const std::string& name) const;
  // Maps and objects: the given keys and values, in file order.
  std::vector<std::pair<std::string, Value>> entries() const;
  // Lists, and sweep scalars (one value, or each value of the list).
  std::vector<Value> items() const;
  bool is_list() const { return m_yaml.IsSequence(); }
  // An object given in its scalar form, or a quantity given as a bare status word.
  bool is_scalar() const { return m_yaml.IsScalar(); }

  // Scalars; an absent optional field reads as its declared default.
  const std::string& text() const;  // as written (present scalars only)
  std::string str() const;
  std::int64_t integer() const;
  double number() const;
  bool boolean() const;
  Scalar scalar() const;  // typed by the declaration (choice and string: std::string)

  // Quantities.
  std::string status() const;  // "" for a number, else the status word ("unknown")
  Range si() const;            // the number in SI units (status() must be "")
  std::string unit() const;    // as written

 private:
  friend class Validator;
  friend Value validate(const Node&, const YAML::Node&, const std::string&, const std::string&,
                        const Limits&);
  Value(const Node* schema, YAML::Node y, std::string file, std::string key, int fallback_line)
      : m_schema(schema), m_yaml(std::move(y)), m_file(std::move(file)), m_key(std::move(key)),
        m_fallback_line(fallback_line) {}
  const Field* field(const std::string& name) const;
  const Scalar& default_scalar() const;

  const Node* m_schema = nullptr;
  YAML::Node m_yaml;
  std::string m_file, m_key;
  int m_fallback_line = 0;  // the enclosing mapping's line, for absent values
  const Scalar* m_default = nullptr;
};

// ================================================================================================
// Documenting and writing

// Markdown tables of a declaration: every key (dotted paths, lists as `key[]`) with its type,
// whether it is required, and its doc. Quantities and `documented_as` nodes are one row each.
std::string markdown_keys(const Node& schema);
// One row per quantity key and one per unit set a schema uses: the shared tables of the numbers.
std::string markdown_quantity_keys(const Node& quantity);
std::string markdown_units(const Node& schema);

// Writes `doc` as YAML: keys in declaration order, strings double-quoted, choices and numbers
// plain, `flow_style` nodes on one line; `comments` become leading "# " lines. `doc` must validate
// against `schema` (XPB_ASSERT: the writer is ours).
std::string emit(const Node& schema, const YAML::Node& doc,
                 const std::vector<std::string>& comments = {});

}  // namespace xpb::input
