// core/plugin/params.cpp — parameter declarations, checks and canonical forms.
#include "core/plugin/params.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/base/error.hpp"

namespace xpb {

std::string_view to_string(ParamType t) {
  switch (t) {
    case ParamType::boolean: return "bool";
    case ParamType::integer: return "int";
    case ParamType::number: return "number";
    case ParamType::string: return "string";
    case ParamType::choice: return "choice";
  }
  return "?";
}

// ------------------------------------------------------------------------------------------------
// ParamSchema

ParamSchema& ParamSchema::add(ParamSpec spec) {
  XPB_ASSERT(find(spec.name) == nullptr, "parameter declared twice");
  XPB_ASSERT(check_value(spec, spec.default_value).empty(), "default violates its own spec");
  m_specs.push_back(std::move(spec));
  return *this;
}

ParamSchema& ParamSchema::integer(std::string name, std::int64_t def, std::optional<double> min,
                                  std::optional<double> max, std::string doc, std::string unit) {
  return add({std::move(name), ParamType::integer, def, min, max, {}, std::move(doc),
              std::move(unit)});
}

ParamSchema& ParamSchema::number(std::string name, double def, std::optional<double> min,
                                 std::optional<double> max, std::string doc, std::string unit) {
  return add({std::move(name), ParamType::number, def, min, max, {}, std::move(doc),
              std::move(unit)});
}

ParamSchema& ParamSchema::boolean(std::string name, bool def, std::string doc) {
  return add({std::move(name), ParamType::boolean, def, {}, {}, {}, std::move(doc), {}});
}

ParamSchema& ParamSchema::string(std::string name, std::string def, std::string doc) {
  return add({std::move(name), ParamType::string, std::move(def), {}, {}, {}, std::move(doc), {}});
}

ParamSchema& ParamSchema::choice(std::string name, std::string def,
                                 std::vector<std::string> choices, std::string doc) {
  return add({std::move(name), ParamType::choice, std::move(def), {}, {}, std::move(choices),
              std::move(doc), {}});
}

const ParamSpec* ParamSchema::find(const std::string& name) const {
  for (const auto& s : m_specs)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> ParamSchema::names() const {
  std::vector<std::string> n;
  for (const auto& s : m_specs) n.push_back(s.name);
  return n;
}

// ------------------------------------------------------------------------------------------------
// Checks

std::string check_value(const ParamSpec& spec, const ParamValue& v) {
  auto range_msg = [&](double x) -> std::string {
    if ((spec.min && x < *spec.min) || (spec.max && x > *spec.max)) {
      std::ostringstream os;
      os << "value " << to_display(v) << " is out of range [" << (spec.min ? to_display(*spec.min) : "-inf")
         << ", " << (spec.max ? to_display(*spec.max) : "inf") << "]";
      return os.str();
    }
    return {};
  };
  switch (spec.type) {
    case ParamType::boolean:
      if (!std::holds_alternative<bool>(v)) return "expected a boolean (true or false)";
      return {};
    case ParamType::integer:
      if (!std::holds_alternative<std::int64_t>(v)) return "expected an integer";
      return range_msg(static_cast<double>(std::get<std::int64_t>(v)));
    case ParamType::number:
      if (std::holds_alternative<std::int64_t>(v))
        return range_msg(static_cast<double>(std::get<std::int64_t>(v)));
      if (!std::holds_alternative<double>(v)) return "expected a number";
      if (!std::isfinite(std::get<double>(v))) return "expected a finite number";
      return range_msg(std::get<double>(v));
    case ParamType::string:
      if (!std::holds_alternative<std::string>(v)) return "expected a string";
      return {};
    case ParamType::choice: {
      if (!std::holds_alternative<std::string>(v)) return "expected one of the listed choices";
      const auto& s = std::get<std::string>(v);
      for (const auto& c : spec.choices)
        if (c == s) return {};
      std::string all;
      for (const auto& c : spec.choices) all += (all.empty() ? "" : ", ") + c;
      return "'" + s + "' is not one of: " + all;
    }
  }
  return "unknown parameter type";
}

Params complete(const ParamSchema& schema, std::map<std::string, ParamValue> given) {
  for (const auto& s : schema.specs()) {
    auto it = given.find(s.name);
    if (it == given.end()) {
      given[s.name] = s.default_value;
    } else if (s.type == ParamType::number && std::holds_alternative<std::int64_t>(it->second)) {
      it->second = static_cast<double>(std::get<std::int64_t>(it->second));  // one canonical type
    }
  }
  return Params(std::move(given));
}

// ------------------------------------------------------------------------------------------------
// Params accessors

static const ParamValue& lookup(const std::map<std::string, ParamValue>& m, const std::string& n) {
  auto it = m.find(n);
  XPB_ASSERT(it != m.end(), ("parameter not declared: " + n).c_str());
  return it->second;
}

std::int64_t Params::get_int(const std::string& name) const {
  const auto& v = lookup(m_values, name);
  XPB_ASSERT(std::holds_alternative<std::int64_t>(v), ("not an integer: " + name).c_str());
  return std::get<std::int64_t>(v);
}

double Params::get_number(const std::string& name) const {
  const auto& v = lookup(m_values, name);
  if (std::holds_alternative<std::int64_t>(v)) return static_cast<double>(std::get<std::int64_t>(v));
  XPB_ASSERT(std::holds_alternative<double>(v), ("not a number: " + name).c_str());
  return std::get<double>(v);
}

bool Params::get_bool(const std::string& name) const {
  const auto& v = lookup(m_values, name);
  XPB_ASSERT(std::holds_alternative<bool>(v), ("not a boolean: " + name).c_str());
  return std::get<bool>(v);
}

const std::string& Params::get_string(const std::string& name) const {
  const auto& v = lookup(m_values, name);
  XPB_ASSERT(std::holds_alternative<std::string>(v), ("not a string: " + name).c_str());
  return std::get<std::string>(v);
}

// ------------------------------------------------------------------------------------------------
// Canonical and display forms

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += c;
        }
    }
  }
  return o;
}

std::string to_display(const ParamValue& v) {
  if (std::holds_alternative<bool>(v)) return std::get<bool>(v) ? "true" : "false";
  if (std::holds_alternative<std::int64_t>(v)) return std::to_string(std::get<std::int64_t>(v));
  if (std::holds_alternative<double>(v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v));
    // Prefer the shortest form that round-trips.
    for (int p = 1; p <= 17; ++p) {
      char b2[32];
      std::snprintf(b2, sizeof b2, "%.*g", p, std::get<double>(v));
      if (std::strtod(b2, nullptr) == std::get<double>(v)) return b2;
    }
    return buf;
  }
  return std::get<std::string>(v);
}

std::string to_json(const ParamValue& v) {
  if (std::holds_alternative<std::string>(v)) return "\"" + json_escape(std::get<std::string>(v)) + "\"";
  return to_display(v);
}

std::string Params::canonical_json() const {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : m_values) {
    if (!first) s += ",";
    first = false;
    s += "\"" + json_escape(k) + "\":" + to_json(v);
  }
  return s + "}";
}

std::string Params::brief() const {
  std::string s;
  for (const auto& [k, v] : m_values) s += (s.empty() ? "" : " ") + k + "=" + to_display(v);
  return s;
}

}  // namespace xpb
