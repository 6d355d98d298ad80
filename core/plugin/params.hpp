// core/plugin/params.hpp — typed, declared workload parameters.
// Each workload declares its parameters once (ParamSpec: type, default, range, doc); help text,
// `xpubench show workload`, experiment validation and cell ids all derive from that declaration.
// Parsing from YAML lives in core/experiment/experiment.cpp; this file knows no YAML.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xpb {

enum class ParamType { boolean, integer, number, string, choice };
std::string_view to_string(ParamType t);

using ParamValue = std::variant<bool, std::int64_t, double, std::string>;

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::integer;
  ParamValue default_value;
  std::optional<double> min, max;    // inclusive bounds for integer / number
  std::vector<std::string> choices;  // for ParamType::choice
  std::string doc;
  std::string unit;  // optional, for display
};

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
  const std::vector<ParamSpec>& specs() const { return m_specs; }
  std::vector<std::string> names() const;

 private:
  std::vector<ParamSpec> m_specs;
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

  // Canonical one-line JSON with sorted keys: the basis of stable cell ids.
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

}  // namespace xpb
