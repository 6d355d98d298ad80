// core/plugin/params.cpp — parameter declarations (on core/base/schema), checks and canonical forms.
#include "core/plugin/params.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/base/error.hpp"

namespace xpb {

// ------------------------------------------------------------------------------------------------
// ParamSchema

ParamSchema& ParamSchema::add(ParamSpec spec) {
  XPB_ASSERT(find(spec.name) == nullptr, "parameter declared twice");
  XPB_ASSERT(spec.node.default_value.has_value(), "a parameter needs a default");
  XPB_ASSERT(check_value(spec, *spec.node.default_value).empty(), "default violates its own spec");
  spec.required = false;
  spec.node.sweepable();  // an experiment may list several values
  m_node.fields.push_back(std::move(spec));
  return *this;
}

static ParamSpec param(std::string name, input::Node node, ParamValue def) {
  node.fallback(std::move(def));
  return input::optional(std::move(name), std::move(node));
}

ParamSchema& ParamSchema::integer(std::string name, std::int64_t def, std::optional<double> min,
                                  std::optional<double> max, std::string doc, std::string unit) {
  return add(param(std::move(name),
                   input::integer(std::move(doc)).range(min, max).display_unit(std::move(unit)), def));
}

ParamSchema& ParamSchema::number(std::string name, double def, std::optional<double> min,
                                 std::optional<double> max, std::string doc, std::string unit) {
  return add(param(std::move(name),
                   input::number(std::move(doc)).range(min, max).display_unit(std::move(unit)), def));
}

ParamSchema& ParamSchema::boolean(std::string name, bool def, std::string doc) {
  return add(param(std::move(name), input::boolean(std::move(doc)), def));
}

ParamSchema& ParamSchema::string(std::string name, std::string def, std::string doc) {
  return add(param(std::move(name), input::string(std::move(doc)), std::move(def)));
}

ParamSchema& ParamSchema::choice(std::string name, std::string def,
                                 std::vector<std::string> choices, std::string doc) {
  return add(param(std::move(name), input::choice(std::move(choices), std::move(doc)), std::move(def)));
}

const ParamSpec* ParamSchema::find(const std::string& name) const {
  for (const auto& s : m_node.fields)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> ParamSchema::names() const {
  std::vector<std::string> n;
  for (const auto& s : m_node.fields) n.push_back(s.name);
  return n;
}

// ------------------------------------------------------------------------------------------------
// Checks

std::string check_value(const ParamSpec& spec, const ParamValue& v) {
  return input::check_scalar(spec.node, v);
}

Params complete(const ParamSchema& schema, std::map<std::string, ParamValue> given) {
  for (const auto& s : schema.specs()) {
    auto it = given.find(s.name);
    if (it == given.end()) {
      given[s.name] = *s.node.default_value;
    } else if (s.node.type == ParamType::number && std::holds_alternative<std::int64_t>(it->second)) {
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

std::string to_display(const ParamValue& v) { return input::to_display(v); }

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
