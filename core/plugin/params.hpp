// core/plugin/params.hpp — typed, declared workload parameters.
// A workload declares each parameter once — name, type, default, range, doc — as a member of a
// parameter struct (ParamStruct<T>); that declaration is its ParamSchema (a core/base/input_schema.hpp
// object whose keys are the parameters), from which `xpubench show workload`, experiment
// validation and help text derive, and read() fills the struct from a cell's checked Params.
// Params is the cell's complete value map; its canonical JSON is what cell ids hash. Parsing YAML
// is core/experiment's job.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/dtype.hpp"
#include "core/base/error.hpp"
#include "core/base/input_schema.hpp"

namespace xpb {

using ParamType = input::Type;      // boolean, integer, number, string or choice
using ParamValue = input::Scalar;   // bool, std::int64_t, double or std::string
using ParamSpec = input::Field;     // name, node {type, default, range, choices, doc, unit}

// The declared parameters of one workload, in declaration order. As a schema, each parameter may
// also be given as a list of values (an experiment sweeps them).
class ParamSchema {
 public:
  ParamSchema& add(ParamSpec spec);
  // Convenience declarations.
  ParamSchema& integer(std::string name, std::int64_t def, std::optional<double> min,
                       std::optional<double> max, std::string doc, std::string unit = {});
  ParamSchema& number(std::string name, double def, std::optional<double> min,
                      std::optional<double> max, std::string doc, std::string unit = {});
  ParamSchema& boolean(std::string name, bool def, std::string doc);
  ParamSchema& string(std::string name, std::string def, std::string doc);
  ParamSchema& choice(std::string name, std::string def, std::vector<std::string> choices,
                      std::string doc);

  const ParamSpec* find(const std::string& name) const;
  const std::vector<ParamSpec>& specs() const { return m_node.fields; }
  std::vector<std::string> names() const;
  // The declaration as a schema (an object of sweepable scalars), for validating YAML.
  const input::Node& node() const { return m_node; }

 private:
  input::Node m_node = input::object({});
};

// Checks a value against its spec; returns an error message or "" when fine.
std::string check_value(const ParamSpec& spec, const ParamValue& v);

// A complete, checked set of parameter values (defaults filled in), sorted by name.
class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : m_values(std::move(values)) {}

  bool has(const std::string& name) const { return m_values.count(name) != 0; }
  std::int64_t get_int(const std::string& name) const;
  double get_number(const std::string& name) const;  // integers convert
  bool get_bool(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  const std::map<std::string, ParamValue>& values() const { return m_values; }
  void set(const std::string& name, ParamValue v) { m_values[name] = std::move(v); }

  // Canonical one-line JSON with sorted keys: the basis of stable cell ids. Written by hand on
  // purpose: its bytes are hashed, so they must never change with a library's formatting.
  std::string canonical_json() const;
  // Short human form, e.g. "dtype=fp32 n=16777216".
  std::string brief() const;

 private:
  std::map<std::string, ParamValue> m_values;
};

// Fill in defaults for missing names; values must already be checked.
Params complete(const ParamSchema& schema, std::map<std::string, ParamValue> given);

std::string to_display(const ParamValue& v);
std::string to_json(const ParamValue& v);
std::string json_escape(const std::string& s);

// ================================================================================================
// Parameters bound to a struct

// Choices of a DType parameter: each dtype by its name, for ParamStruct::choice.
inline std::vector<std::pair<std::string, DType>> dtype_choices(const std::vector<DType>& dtypes) {
  std::vector<std::pair<std::string, DType>> v;
  for (DType d : dtypes) v.emplace_back(std::string(to_string(d)), d);
  return v;
}

// A workload's parameters as the members of T, each declared once:
//
//   struct StreamParams { std::int64_t n = 0; std::string dtype; };
//   const ParamStruct<StreamParams>& stream_params() {
//     static const auto s = ParamStruct<StreamParams>()
//         .integer("n", &StreamParams::n, 1 << 24, 16, 1LL << 31, "elements per array")
//         .choice("dtype", &StreamParams::dtype, "fp32", {"fp32", "fp64"}, "element type");
//     return s;
//   }
//   info.params = stream_params().schema();            // registration
//   const StreamParams q = stream_params().read(p);    // setup, typed
template <class T>
class ParamStruct {
 public:
  ParamStruct& integer(std::string name, std::int64_t T::*member, std::int64_t def,
                       std::optional<double> min, std::optional<double> max, std::string doc,
                       std::string unit = {}) {
    bind(name, [member](const Params& p, const std::string& n, T& t) { t.*member = p.get_int(n); });
    m_schema.integer(std::move(name), def, min, max, std::move(doc), std::move(unit));
    return *this;
  }
  // An int member: the declared range must fit an int.
  ParamStruct& integer(std::string name, int T::*member, int def, std::optional<double> min,
                       std::optional<double> max, std::string doc, std::string unit = {}) {
    XPB_ASSERT(min && max && *min >= std::numeric_limits<int>::min() &&
                   *max <= std::numeric_limits<int>::max(),
               "an int parameter needs a range that fits an int");
    bind(name, [member](const Params& p, const std::string& n, T& t) {
      t.*member = static_cast<int>(p.get_int(n));
    });
    m_schema.integer(std::move(name), def, min, max, std::move(doc), std::move(unit));
    return *this;
  }
  ParamStruct& number(std::string name, double T::*member, double def, std::optional<double> min,
                      std::optional<double> max, std::string doc, std::string unit = {}) {
    bind(name, [member](const Params& p, const std::string& n, T& t) { t.*member = p.get_number(n); });
    m_schema.number(std::move(name), def, min, max, std::move(doc), std::move(unit));
    return *this;
  }
  ParamStruct& boolean(std::string name, bool T::*member, bool def, std::string doc) {
    bind(name, [member](const Params& p, const std::string& n, T& t) { t.*member = p.get_bool(n); });
    m_schema.boolean(std::move(name), def, std::move(doc));
    return *this;
  }
  ParamStruct& string(std::string name, std::string T::*member, std::string def, std::string doc) {
    bind(name, [member](const Params& p, const std::string& n, T& t) { t.*member = p.get_string(n); });
    m_schema.string(std::move(name), std::move(def), std::move(doc));
    return *this;
  }
  ParamStruct& choice(std::string name, std::string T::*member, std::string def,
                      std::vector<std::string> choices, std::string doc) {
    bind(name, [member](const Params& p, const std::string& n, T& t) { t.*member = p.get_string(n); });
    m_schema.choice(std::move(name), std::move(def), std::move(choices), std::move(doc));
    return *this;
  }
  // A choice read as an enum (or any value type): each word maps to its value.
  template <class E>
  ParamStruct& choice(std::string name, E T::*member, E def,
                      std::vector<std::pair<std::string, E>> choices, std::string doc) {
    std::vector<std::string> words;
    std::string def_word;
    for (const auto& [w, e] : choices) {
      words.push_back(w);
      if (e == def && def_word.empty()) def_word = w;
    }
    XPB_ASSERT(!def_word.empty(), "the default is not among the choices");
    bind(name, [member, choices](const Params& p, const std::string& n, T& t) {
      const std::string& w = p.get_string(n);
      for (const auto& [word, e] : choices)
        if (word == w) t.*member = e;
    });
    m_schema.choice(std::move(name), def_word, std::move(words), std::move(doc));
    return *this;
  }

  const ParamSchema& schema() const { return m_schema; }
  // The struct from a cell's checked parameters (every declared name is present in them).
  T read(const Params& p) const {
    T t{};
    for (const auto& [name, r] : m_readers) r(p, name, t);
    return t;
  }

 private:
  using Reader = std::function<void(const Params&, const std::string&, T&)>;
  void bind(const std::string& name, Reader r) { m_readers.emplace_back(name, std::move(r)); }

  ParamSchema m_schema;
  std::vector<std::pair<std::string, Reader>> m_readers;
};

}  // namespace xpb
