// core/base/input_schema.cpp — declarations, strict validation, typed reading, documentation tables and
// writing of YAML documents (see schema.hpp).
#include "core/base/input_schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "core/base/format.hpp"
#include "core/base/yaml_util.hpp"

namespace xpb::input {

// ================================================================================================
// Names and scalars

std::string_view to_string(Type t) {
  switch (t) {
    case Type::string: return "string";
    case Type::integer: return "int";
    case Type::number: return "number";
    case Type::boolean: return "bool";
    case Type::choice: return "choice";
    case Type::list: return "list";
    case Type::map: return "map";
    case Type::object: return "object";
    case Type::quantity: return "quantity";
    case Type::any: return "any";
  }
  return "?";
}

std::string to_display(const Scalar& v) {
  if (std::holds_alternative<bool>(v)) return std::get<bool>(v) ? "true" : "false";
  if (std::holds_alternative<std::int64_t>(v)) return std::to_string(std::get<std::int64_t>(v));
  if (std::holds_alternative<double>(v)) return fmt_shortest(std::get<double>(v));
  return std::get<std::string>(v);
}

std::optional<double> UnitSet::factor(const std::string& name) const {
  for (const auto& u : units)
    if (u.name == name) return u.factor;
  return std::nullopt;
}

std::vector<std::string> UnitSet::names() const {
  std::vector<std::string> v;
  for (const auto& u : units) v.push_back(u.name);
  return v;
}

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// "a, b or c"
std::string join_or(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i)
    s += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + v[i];
  return s;
}

std::string join_key(const std::string& parent, const std::string& child) {
  return parent.empty() ? child : parent + "." + child;
}

// "did you mean" candidate: the closest by edit distance, else a same-letters anagram (bf61).
std::string suggest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string m = closest_match(word, candidates);
  if (!m.empty()) return m;
  std::string w = word;
  std::sort(w.begin(), w.end());
  for (const auto& c : candidates) {
    std::string t = c;
    std::sort(t.begin(), t.end());
    if (t == w) return c;
  }
  return {};
}

// A bound as written in a message or a table: whole numbers in full (1048576, not 1e+06).
std::string bound(double x) {
  if (std::floor(x) == x && std::fabs(x) < 1e18) return fmt(x, "%.0f");
  return fmt_shortest(x);
}

// "[1, 64]", "(0, 1]", "[0, inf]"
std::string interval(const Node& n) {
  return std::string(n.min_open ? "(" : "[") + (n.min ? bound(*n.min) : "-inf") + ", " +
         (n.max ? bound(*n.max) : "inf") + (n.max_open ? ")" : "]");
}

bool in_bounds(const Node& n, double x) {
  if (n.min && (n.min_open ? !(x > *n.min) : !(x >= *n.min))) return false;
  if (n.max && (n.max_open ? !(x < *n.max) : !(x <= *n.max))) return false;
  return true;
}

// The last component of a key path, without list indices: "workloads[0].params.n[2]" → "n".
std::string last_name(const std::string& key) {
  std::string k = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  const auto b = k.find('[');
  return b == std::string::npos ? k : k.substr(0, b);
}

std::vector<std::string> field_names(const std::vector<Field>& fields) {
  std::vector<std::string> v;
  for (const auto& f : fields) v.push_back(f.name);
  return v;
}

const Field* find_field(const std::vector<Field>& fields, const std::string& name) {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

const char* const kNumberKeys[] = {"value", "low", "nominal", "high", "unit"};

}  // namespace

// ================================================================================================
// Declarations

Node& Node::range(std::optional<double> lo, std::optional<double> hi) {
  min = lo, max = hi, min_open = max_open = false;
  return *this;
}
Node& Node::at_least(double lo) { return min = lo, min_open = false, *this; }
Node& Node::above(double lo) { return min = lo, min_open = true, *this; }
Node& Node::at_most(double hi) { return max = hi, max_open = false, *this; }
Node& Node::below(double hi) { return max = hi, max_open = true, *this; }
Node& Node::fallback(Scalar v) { return default_value = std::move(v), *this; }
Node& Node::hint_text(std::string h) { return hint = std::move(h), *this; }
Node& Node::noun_text(std::string n) { return noun = std::move(n), *this; }
Node& Node::display_unit(std::string u) { return unit = std::move(u), *this; }
Node& Node::whole_number() { return whole = true, *this; }
Node& Node::non_empty() { return min_items = 1, *this; }
Node& Node::sweepable() { return sweep = true, *this; }
Node& Node::flow_style() { return flow = true, *this; }
Node& Node::unquoted() { return quoted = false, *this; }
Node& Node::single_value() { return single = true, *this; }
Node& Node::lead_keys(std::size_t n) { return lead = n, *this; }
Node& Node::statuses_allowed(std::vector<std::string> words) { return statuses = std::move(words), *this; }
Node& Node::keys_allowed(std::vector<std::string> keys) { return choices = std::move(keys), *this; }
Node& Node::or_scalar(Node scalar) {
  scalar_form = std::make_shared<const Node>(std::move(scalar));
  return *this;
}
Node& Node::missing_key_hint(std::string h) { return missing_hint = std::move(h), *this; }
Node& Node::documented_as(std::string ref) { return doc_ref = std::move(ref), *this; }
Node& Node::checked(std::function<void(const Value&)> f) { return check = std::move(f), *this; }

Field& Field::if_missing(std::string message, std::string hint) {
  missing_message = std::move(message);
  missing_hint = std::move(hint);
  return *this;
}

static Node make(Type t, std::string doc) {
  Node n;
  n.type = t;
  n.doc = std::move(doc);
  return n;
}

Node string(std::string doc) { return make(Type::string, std::move(doc)); }
Node integer(std::string doc) { return make(Type::integer, std::move(doc)); }
Node number(std::string doc) { return make(Type::number, std::move(doc)); }
Node boolean(std::string doc) { return make(Type::boolean, std::move(doc)); }
Node any(std::string doc) { return make(Type::any, std::move(doc)); }

Node choice(std::vector<std::string> words, std::string doc) {
  Node n = make(Type::choice, std::move(doc));
  n.choices = std::move(words);
  return n;
}

Node list(Node element, std::string doc) {
  Node n = make(Type::list, std::move(doc));
  n.element = std::make_shared<const Node>(std::move(element));
  return n;
}

Node map(Node value, std::string doc) {
  Node n = make(Type::map, std::move(doc));
  n.element = std::make_shared<const Node>(std::move(value));
  return n;
}

Node object(std::vector<Field> fields, std::string doc) {
  Node n = make(Type::object, std::move(doc));
  std::set<std::string> names;
  for (const auto& f : fields) XPB_ASSERT(names.insert(f.name).second, "a key declared twice");
  n.fields = std::move(fields);
  return n;
}

Node quantity(const UnitSet& units, std::vector<Field> extra, std::string doc) {
  Node n = object(std::move(extra), std::move(doc));
  n.type = Type::quantity;
  n.units = &units;
  for (const auto& f : n.fields)
    for (const char* k : kNumberKeys) XPB_ASSERT(f.name != k, "a quantity declares its number keys");
  return n;
}

Field required(std::string name, Node node) { return {std::move(name), std::move(node), true, {}, {}}; }
Field optional(std::string name, Node node) { return {std::move(name), std::move(node), false, {}, {}}; }

std::string check_scalar(const Node& n, const Scalar& v) {
  auto range_msg = [&](double x) -> std::string {
    if (!in_bounds(n, x)) return "value " + to_display(v) + " is out of range " + interval(n);
    return {};
  };
  switch (n.type) {
    case Type::boolean:
      if (!std::holds_alternative<bool>(v)) return "expected a boolean (true or false)";
      return {};
    case Type::integer:
      if (!std::holds_alternative<std::int64_t>(v)) return "expected an integer";
      return range_msg(static_cast<double>(std::get<std::int64_t>(v)));
    case Type::number: {
      double x = 0;
      if (std::holds_alternative<std::int64_t>(v)) x = static_cast<double>(std::get<std::int64_t>(v));
      else if (std::holds_alternative<double>(v)) x = std::get<double>(v);
      else return "expected a number";
      if (!std::isfinite(x)) return "expected a finite number";
      if (n.whole && std::floor(x) != x) return "expected a whole number, got " + to_display(v);
      return range_msg(x);
    }
    case Type::string:
      if (!std::holds_alternative<std::string>(v)) return "expected a string";
      return {};
    case Type::choice: {
      if (!std::holds_alternative<std::string>(v)) return "expected one of the listed choices";
      const auto& s = std::get<std::string>(v);
      for (const auto& c : n.choices)
        if (c == s) return {};
      return "'" + s + "' is not one of: " + join(n.choices);
    }
    default: return "not a scalar";
  }
}

// ================================================================================================
// Validation

class Validator {
 public:
  Validator(std::string file, Limits limits) : m_file(std::move(file)), m_limits(limits) {}

  void node(const Node& s, const YAML::Node& y, const std::string& key, int depth) {
    visit(y, key, depth);
    switch (s.type) {
      case Type::any: any(y, key, depth); break;
      case Type::list: list(s, y, key, depth); break;
      case Type::map: map(s, y, key, depth); break;
      case Type::object: object(s, y, key, depth); break;
      case Type::quantity: quantity(s, y, key, depth); break;
      default:
        if (s.sweep && y.IsSequence()) {
          if (y.size() == 0) fail(y, key, "empty list of values");
          for (std::size_t i = 0; i < y.size(); ++i) {
            const std::string k = key + "[" + std::to_string(i) + "]";
            visit(y[i], k, depth + 1);
            scalar(s, y[i], k);
          }
        } else {
          scalar(s, y, key);
        }
    }
    if (s.check) s.check(Value(&s, y, m_file, key, yaml::line_of(y)));
  }

  // A scalar of the declared type, checked; throws with the declaration's hints.
  Scalar scalar(const Node& s, const YAML::Node& y, const std::string& key) {
    Scalar v;
    switch (s.type) {
      case Type::boolean: v = yaml::as_bool(y, m_file, key); break;
      case Type::integer: v = yaml::as_integer(y, m_file, key); break;
      case Type::number: v = yaml::as_number(y, m_file, key); break;
      default: v = yaml::as_string(y, m_file, key); break;
    }
    if (s.type == Type::choice && !s.noun.empty() && !check_scalar(s, v).empty()) {
      const std::string& w = std::get<std::string>(v);
      const std::string m = suggest(w, s.choices);
      fail(y, key, "unknown " + s.noun + " '" + w + "'",
           !m.empty() ? "did you mean '" + m + "'?"
                      : !s.hint.empty() ? s.hint : "one of: " + join(s.choices));
    }
    const std::string msg = check_scalar(s, v);
    if (!msg.empty()) {
      std::string hint;
      if (s.type == Type::choice) {
        const std::string m = suggest(std::get<std::string>(v), s.choices);
        if (!m.empty()) hint = "did you mean '" + m + "'?";
      }
      if (hint.empty()) hint = s.hint;
      if (hint.empty() && !s.doc.empty()) hint = last_name(key) + ": " + s.doc;
      fail(y, key, msg, hint);
    }
    return v;
  }

 private:
  std::string m_file;
  Limits m_limits;
  std::size_t m_nodes = 0;

  [[noreturn]] void fail(const YAML::Node& y, const std::string& key, const std::string& msg,
                         const std::string& hint = {}) const {
    throw Error(yaml::where(m_file, y, key), msg, hint);
  }

  void visit(const YAML::Node& y, const std::string& key, int depth) {
    if (++m_nodes > m_limits.max_nodes)
      fail(y, key, "the document expands to more than " + std::to_string(m_limits.max_nodes) + " nodes",
           "anchors and aliases (&a, *a) can multiply a small file; write the values out");
    if (depth > m_limits.max_depth)
      fail(y, key, "nested deeper than " + std::to_string(m_limits.max_depth) + " levels");
  }

  // The keys of a mapping in file order: plain words, each once.
  std::vector<std::pair<std::string, YAML::Node>> keys(const YAML::Node& y, const std::string& key) {
    std::vector<std::pair<std::string, YAML::Node>> out;
    std::set<std::string> seen;
    for (auto it = y.begin(); it != y.end(); ++it) {
      const YAML::Node k = it->first;
      if (!k.IsScalar())
        fail(k, key, std::string("a key must be a plain word, not a ") +
                         (k.IsSequence() ? "list" : k.IsMap() ? "mapping" : "null"),
             "write the key as text, e.g. name: value");
      const std::string name = k.Scalar();
      if (!seen.insert(name).second)
        fail(k, join_key(key, name), "duplicate key '" + name + "'", "remove one of them");
      out.emplace_back(name, k);
    }
    return out;
  }

  [[noreturn]] void unknown_key(const YAML::Node& k, const std::string& key, const std::string& name,
                                const std::vector<std::string>& allowed) const {
    const std::string m = suggest(name, allowed);
    fail(k, join_key(key, name), "unknown key '" + name + "'",
         m.empty() ? "allowed keys: " + join(allowed, " ") : "did you mean '" + m + "'?");
  }

  static std::string got(const YAML::Node& y) {
    return y.IsSequence() ? "a list" : y.IsMap() ? "a mapping" : y.IsNull() ? "nothing" : "'" + y.Scalar() + "'";
  }

  void any(const YAML::Node& y, const std::string& key, int depth) {
    if (y.IsMap()) {
      for (const auto& [name, k] : keys(y, key)) {
        (void)k;
        const YAML::Node v = y[name];
        visit(v, join_key(key, name), depth + 1);
        any(v, join_key(key, name), depth + 1);
      }
    } else if (y.IsSequence()) {
      for (std::size_t i = 0; i < y.size(); ++i) {
        const std::string k = key + "[" + std::to_string(i) + "]";
        visit(y[i], k, depth + 1);
        any(y[i], k, depth + 1);
      }
    }
  }

  void list(const Node& s, const YAML::Node& y, const std::string& key, int depth) {
    if (!y.IsSequence())
      fail(y, key, "expected a list" + (s.doc.empty() ? std::string() : " (" + s.doc + ")") + ", got " + got(y));
    if (y.size() < s.min_items)
      fail(y, key, s.min_items == 1 ? "expected a non-empty list" + (s.doc.empty() ? std::string() : " (" + s.doc + ")")
                                    : "expected at least " + std::to_string(s.min_items) + " items");
    for (std::size_t i = 0; i < y.size(); ++i)
      node(*s.element, y[i], key + "[" + std::to_string(i) + "]", depth + 1);
  }

  void map(const Node& s, const YAML::Node& y, const std::string& key, int depth) {
    if (!y.IsMap()) fail(y, key, "expected a mapping (key: value pairs), got " + got(y));
    for (const auto& [name, k] : keys(y, key))
      if (!s.choices.empty() && std::find(s.choices.begin(), s.choices.end(), name) == s.choices.end())
        unknown_key(k, key, name, s.choices);
    for (auto it = y.begin(); it != y.end(); ++it)
      node(*s.element, it->second, join_key(key, it->first.Scalar()), depth + 1);
  }

  // A required key that is absent: reported at the mapping, with the mapping's key path (at the
  // top level, the missing key's name).
  [[noreturn]] void missing(const Node& s, const Field& f, const YAML::Node& y, const std::string& key) const {
    std::string hint = !f.missing_hint.empty() ? f.missing_hint : s.missing_hint;
    if (hint.empty()) {
      std::vector<std::string> req;
      for (const auto& g : s.fields)
        if (g.required) req.push_back(g.name);
      hint = "required keys: " + join(req);
    }
    throw Error({m_file, yaml::line_of(y), key.empty() ? f.name : key},
                f.missing_message.empty() ? "missing required key '" + f.name + "'" : f.missing_message,
                hint);
  }

  void object(const Node& s, const YAML::Node& y, const std::string& key, int depth) {
    if (s.scalar_form && y.IsScalar()) {
      node(*s.scalar_form, y, key, depth);
      return;
    }
    if (!y.IsMap())
      fail(y, key, s.scalar_form ? "expected a mapping or a single value, got " + got(y)
                                 : "expected a mapping (key: value pairs), got " + got(y),
           s.doc);
    const std::vector<std::string> allowed = field_names(s.fields);
    for (const auto& [name, k] : keys(y, key))
      if (!find_field(s.fields, name)) unknown_key(k, key, name, allowed);
    fields(s, s.fields, y, key, depth, true);
  }

  void fields(const Node& s, const std::vector<Field>& fs, const YAML::Node& y,
              const std::string& key, int depth, bool enforce_required) {
    for (const auto& f : fs) {
      const YAML::Node v = y[f.name];
      if (!v) {
        if (f.required && enforce_required) missing(s, f, y, key);
        continue;
      }
      node(f.node, v, join_key(key, f.name), depth + 1);
    }
  }

  // A quantity written as a bare scalar: fine only when it is one of the status words.
  void scalar_quantity(const Node& s, const YAML::Node& y, const std::string& key,
                       const std::vector<std::string>& required_extras) {
    const UnitSet& u = *s.units;
    const std::string& t = y.Scalar();
    if (std::find(s.statuses.begin(), s.statuses.end(), t) != s.statuses.end()) return;
    char* end = nullptr;
    (void)std::strtod(t.c_str(), &end);
    const bool numeric = !t.empty() && end == t.c_str() + t.size();
    std::vector<std::string> lacks = {"unit"};
    lacks.insert(lacks.end(), required_extras.begin(), required_extras.end());
    std::string form = "{value: " + t + ", unit: " + u.typical;
    for (const auto& r : required_extras) form += ", " + r + ": ...";
    form += "}";
    if (numeric) fail(y, key, "a bare number has no " + join_or(lacks), "write " + form);
    fail(y, key,
         "'" + t + "' is not a number" +
             (s.statuses.empty() ? std::string() : " or one of: " + join(s.statuses)),
         s.statuses.empty() ? "write " + form : "write " + join_or(s.statuses) + ", or " + form);
  }

  void quantity(const Node& s, const YAML::Node& y, const std::string& key, int depth) {
    const UnitSet& u = *s.units;
    std::vector<std::string> extras = field_names(s.fields), required_extras;
    for (const auto& f : s.fields)
      if (f.required) required_extras.push_back(f.name);
    if (y.IsScalar()) return scalar_quantity(s, y, key, required_extras);
    if (!y.IsMap())
      fail(y, key, "expected a number as a mapping {value, unit" +
                       (required_extras.empty() ? std::string() : ", " + join(required_extras)) + "}, got " +
                       got(y));
    const auto given = keys(y, key);

    // A number stated unknown: {status: unknown, note: ...}.
    if (y["status"] && !s.statuses.empty()) {
      std::vector<std::string> allowed = {"status"};
      allowed.insert(allowed.end(), extras.begin(), extras.end());
      for (const auto& [name, k] : given)
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) unknown_key(k, key, name, allowed);
      const YAML::Node st = y["status"];
      const std::string w = yaml::as_string(st, m_file, join_key(key, "status"));
      if (std::find(s.statuses.begin(), s.statuses.end(), w) == s.statuses.end()) {
        const std::string m = suggest(w, s.statuses);
        fail(st, join_key(key, "status"), "status '" + w + "' is not one of: " + join(s.statuses),
             m.empty() ? "give the number instead" : "did you mean '" + m + "'?");
      }
      fields(s, s.fields, y, key, depth, false);
      return;
    }

    std::vector<std::string> allowed(std::begin(kNumberKeys), std::end(kNumberKeys));
    allowed.insert(allowed.end(), extras.begin(), extras.end());
    for (const auto& [name, k] : given)
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) unknown_key(k, key, name, allowed);

    // Unit first: the numbers mean nothing without it.
    if (!y["unit"]) fail(y, key, "missing 'unit' (" + u.kind + ")", "one of: " + join(u.names()));
    const std::string unit = yaml::as_string(y["unit"], m_file, join_key(key, "unit"));
    const auto factor = u.factor(unit);
    if (!factor) {
      std::string hint;
      for (const auto& [spelling, h] : u.refused)
        if (spelling == unit) hint = h;
      if (hint.empty()) {
        const std::string m = suggest(unit, u.names());
        hint = m.empty() ? "one of: " + join(u.names()) : "did you mean '" + m + "'?";
      }
      fail(y["unit"], join_key(key, "unit"), "unit '" + unit + "' is not " + u.kind + " unit", hint);
    }

    const bool has_value = static_cast<bool>(y["value"]);
    const bool has_range = y["low"] || y["nominal"] || y["high"];
    if (has_value && has_range) fail(y, key, "give either 'value' or 'low'/'nominal'/'high', not both");
    if (!has_value && !has_range) fail(y, key, "missing 'value' (or 'low', 'nominal' and 'high')");
    if (has_range && s.single) fail(y, key, "must be a single value, not a range", "write value: N");
    if (has_range)
      for (const char* k : {"low", "nominal", "high"})
        if (!y[k]) fail(y, key, std::string("a range needs low, nominal and high; '") + k + "' is missing");
    auto number = [&](const char* k) {
      const YAML::Node v = y[k];
      const std::string kk = join_key(key, k);
      visit(v, kk, depth + 1);
      const double x = yaml::as_number(v, m_file, kk) * *factor;
      if (!in_bounds(s, x)) {
        if (s.max)
          fail(v, kk, (s.noun.empty() ? "value" : s.noun) + " " + fmt6(x) + " is outside " + interval(s), s.hint);
        if (*s.min == 0 && s.min_open) fail(v, kk, "must be positive, got " + v.Scalar() + " " + unit, s.hint);
        fail(v, kk, "must be " + std::string(s.min_open ? "> " : ">= ") + fmt6(*s.min) + " " + u.si + ", got " +
                        v.Scalar() + " " + unit, s.hint);
      }
      if (s.whole && std::floor(x) != x) fail(v, kk, "must be a whole number, got " + v.Scalar());
      return x;
    };
    if (has_value) {
      (void)number("value");
    } else {
      const double lo = number("low"), no = number("nominal"), hi = number("high");
      if (lo > no)
        fail(y["low"], join_key(key, "low"),
             "low (" + y["low"].Scalar() + ") is above nominal (" + y["nominal"].Scalar() + ")",
             "ranges are ordered: low <= nominal <= high");
      if (no > hi)
        fail(y["high"], join_key(key, "high"),
             "high (" + y["high"].Scalar() + ") is below nominal (" + y["nominal"].Scalar() + ")",
             "ranges are ordered: low <= nominal <= high");
    }
    fields(s, s.fields, y, key, depth, true);
  }
};

Value validate(const Node& schema, const YAML::Node& doc, const std::string& file,
               const std::string& key, const Limits& limits) {
  Validator v(file, limits);
  try {
    v.node(schema, doc, key, 0);
  } catch (const YAML::Exception& e) {  // yaml-cpp's own errors become ours, located
    throw Error({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, key}, "malformed YAML: " + e.msg);
  }
  return Value(&schema, doc, file, key, yaml::line_of(doc));
}

// ================================================================================================
// Reading

int Value::line() const { return present() ? yaml::line_of(m_yaml) : m_fallback_line; }

void Value::fail(const std::string& message, const std::string& hint) const {
  throw Error(where(), message, hint);
}

void Value::fail_at(const std::string& sub, const std::string& message, const std::string& hint) const {
  const YAML::Node n = m_yaml.IsMap() ? m_yaml[sub] : YAML::Node(YAML::NodeType::Undefined);
  throw Error({m_file, n ? yaml::line_of(n) : line(), join_key(m_key, sub)}, message, hint);
}

const Field* Value::field(const std::string& name) const {
  const Field* f = find_field(m_schema->fields, name);
  XPB_ASSERT(f != nullptr, ("key not declared in the schema: " + name).c_str());
  return f;
}

bool Value::has(const std::string& name) const {
  (void)field(name);
  return m_yaml.IsMap() && m_yaml[name].IsDefined();
}

Value Value::operator[](const std::string& name) const {
  const Field* f = field(name);
  const std::string k = join_key(m_key, name);
  const bool given = m_yaml.IsMap() && m_yaml[name];
  Value v(&f->node, given ? m_yaml[name] : YAML::Node(YAML::NodeType::Undefined), m_file, k, line());
  if (f->node.default_value) v.m_default = &*f->node.default_value;
  return v;
}

std::vector<std::pair<std::string, Value>> Value::entries() const {
  std::vector<std::pair<std::string, Value>> out;
  if (!m_yaml.IsMap()) return out;
  for (auto it = m_yaml.begin(); it != m_yaml.end(); ++it) {
    const std::string name = it->first.Scalar();
    const Node* s = m_schema->type == Type::map ? m_schema->element.get() : &field(name)->node;
    out.emplace_back(name, Value(s, it->second, m_file, join_key(m_key, name), line()));
  }
  return out;
}

std::vector<Value> Value::items() const {
  std::vector<Value> out;
  if (!present()) return out;
  if (!m_yaml.IsSequence()) {
    out.push_back(*this);
    return out;
  }
  const Node* s = m_schema->type == Type::list ? m_schema->element.get() : m_schema;
  for (std::size_t i = 0; i < m_yaml.size(); ++i)
    out.push_back(Value(s, m_yaml[i], m_file, m_key + "[" + std::to_string(i) + "]", line()));
  return out;
}

const std::string& Value::text() const {
  XPB_ASSERT(present() && m_yaml.IsScalar(), ("not a given scalar: " + m_key).c_str());
  return m_yaml.Scalar();
}

const Scalar& Value::default_scalar() const {
  XPB_ASSERT(m_default != nullptr, ("absent and without a default: " + m_key).c_str());
  return *m_default;
}

std::string Value::str() const {
  if (!present()) return std::get<std::string>(default_scalar());
  return text();
}

std::int64_t Value::integer() const {
  XPB_ASSERT(m_schema->type == Type::integer, ("not an integer: " + m_key).c_str());
  if (!present()) return std::get<std::int64_t>(default_scalar());
  return yaml::as_integer(m_yaml, m_file, m_key);
}

double Value::number() const {
  XPB_ASSERT(m_schema->type == Type::number || m_schema->type == Type::integer,
             ("not a number: " + m_key).c_str());
  if (!present()) {
    const Scalar& d = default_scalar();
    return std::holds_alternative<double>(d) ? std::get<double>(d)
                                             : static_cast<double>(std::get<std::int64_t>(d));
  }
  return yaml::as_number(m_yaml, m_file, m_key);
}

bool Value::boolean() const {
  XPB_ASSERT(m_schema->type == Type::boolean, ("not a boolean: " + m_key).c_str());
  if (!present()) return std::get<bool>(default_scalar());
  return yaml::as_bool(m_yaml, m_file, m_key);
}

Scalar Value::scalar() const {
  switch (m_schema->type) {
    case Type::boolean: return boolean();
    case Type::integer: return integer();
    case Type::number: return number();
    default: return str();
  }
}

std::string Value::status() const {
  XPB_ASSERT(m_schema->type == Type::quantity, ("not a quantity: " + m_key).c_str());
  if (m_yaml.IsScalar()) return m_yaml.Scalar();
  if (m_yaml.IsMap() && m_yaml["status"]) return m_yaml["status"].Scalar();
  return {};
}

std::string Value::unit() const {
  XPB_ASSERT(status().empty(), ("a number stated unknown has no unit: " + m_key).c_str());
  return m_yaml["unit"].Scalar();
}

Range Value::si() const {
  const double f = *m_schema->units->factor(unit());
  auto x = [&](const char* k) { return yaml::as_number(m_yaml[k], m_file, m_key) * f; };
  if (m_yaml["value"]) return Range::exact(x("value"));
  return {x("low"), x("nominal"), x("high")};
}

// ================================================================================================
// Documentation

namespace {

std::string bounds_text(const Node& n) {
  if (n.min && n.max) return " in " + interval(n);
  if (n.min) return std::string(n.min_open ? " > " : " ≥ ") + bound(*n.min);
  if (n.max) return std::string(n.max_open ? " < " : " ≤ ") + bound(*n.max);
  return {};
}

std::string quoted_words(const std::vector<std::string>& v, const char* sep = ", ") {
  std::vector<std::string> q;
  for (const auto& w : v) q.push_back("`" + w + "`");
  return join(q, sep);
}

std::string type_text(const Node& n) {
  if (!n.doc_ref.empty()) return n.doc_ref;
  std::string t;
  switch (n.type) {
    case Type::string: t = "text"; break;
    case Type::integer: t = "integer" + bounds_text(n); break;
    case Type::number: t = "number" + bounds_text(n); break;
    case Type::boolean: t = "true or false"; break;
    case Type::choice: t = "one of " + quoted_words(n.choices); break;
    case Type::list:
      t = (n.min_items ? "non-empty list of " : "list of ") + type_text(*n.element);
      break;
    case Type::map:
      t = "mapping " + (n.choices.empty() ? std::string("of names") : "of " + quoted_words(n.choices, " ")) +
          " to " + type_text(*n.element);
      break;
    case Type::object: t = "mapping"; break;
    case Type::quantity:
      t = n.units->kind.substr(n.units->kind.find(' ') + 1) + " (" + n.units->si + ")" +
          (n.statuses.empty() ? std::string() : ", or " + quoted_words(n.statuses, " or "));
      break;
    case Type::any: t = "any"; break;
  }
  if (n.sweep) t += ", or a list of them";
  if (n.scalar_form) t += ", or " + type_text(*n.scalar_form);
  if (n.default_value) t += "; default `" + to_display(*n.default_value) + "`";
  return t;
}

void key_rows(const Node& n, const std::string& prefix, MarkdownTable& t) {
  for (const auto& f : n.fields) {
    const std::string path = prefix + f.name;
    t.row({"`" + path + "`", type_text(f.node), f.required ? "yes" : "no", f.node.doc});
    const Node& c = f.node;
    if (!c.doc_ref.empty()) continue;
    if (c.type == Type::object) key_rows(c, path + ".", t);
    if (c.type == Type::list && c.element->type == Type::object && c.element->doc_ref.empty())
      key_rows(*c.element, path + "[].", t);
    if (c.type == Type::map && c.element->type == Type::object && c.element->doc_ref.empty())
      key_rows(*c.element, path + ".NAME.", t);
  }
}

void collect_units(const Node& n, const std::string& path, std::vector<std::pair<const UnitSet*, std::vector<std::string>>>& out) {
  if (n.type == Type::quantity) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == n.units; });
    if (it == out.end()) out.push_back({n.units, {}}), it = out.end() - 1;
    it->second.push_back(path);
  }
  for (const auto& f : n.fields) collect_units(f.node, path.empty() ? f.name : path + "." + f.name, out);
  if (n.element) {
    const std::string sub = n.type == Type::list ? path + "[]" : path + "." + (n.choices.empty() ? "NAME" : "*");
    collect_units(*n.element, sub, out);
  }
}

}  // namespace

std::string markdown_keys(const Node& schema) {
  MarkdownTable t({"key", "type", "required", "meaning"}, 4);
  key_rows(schema, "", t);
  return t.str();
}

std::string markdown_quantity_keys(const Node& q) {
  MarkdownTable t({"key", "type", "required", "meaning"}, 4);
  t.row({"`value`", "number", "one of the two forms",
         "an exact number, in `unit`; or give all three of `low`, `nominal` and `high`"});
  if (!q.single)
    t.row({"`low`, `nominal`, `high`", "numbers", "one of the two forms",
           "an uncertain number: `low <= nominal <= high` is required"});
  t.row({"`unit`", "a unit of the field's kind (table below)", "yes",
         "the numbers are converted to the SI unit when the file is loaded"});
  for (const auto& f : q.fields)
    t.row({"`" + f.name + "`", type_text(f.node), f.required ? "yes" : "no", f.node.doc});
  return t.str();
}

std::string markdown_units(const Node& schema) {
  std::vector<std::pair<const UnitSet*, std::vector<std::string>>> sets;
  collect_units(schema, "", sets);
  MarkdownTable t({"kind", "fields", "accepted units", "SI"}, 4);
  for (const auto& [u, paths] : sets)
    t.row({u->kind.substr(u->kind.find(' ') + 1), quoted_words(paths, " "), quoted_words(u->names(), " "),
           u->si});
  return t.str();
}

// ================================================================================================
// Writing

namespace {

void emit_node(YAML::Emitter& e, const Node& s, const YAML::Node& y);

// The declared keys of `y` in declaration order; for a quantity the number keys come after the
// first `lead` fields.
void emit_keys(YAML::Emitter& e, const std::vector<Field>& fields, const YAML::Node& y,
               const std::vector<std::string>& number_keys = {}, std::size_t lead = 0) {
  std::size_t written = 0;
  auto field = [&](const Field& f) {
    if (!y[f.name]) return;
    e << YAML::Key << f.name << YAML::Value;
    emit_node(e, f.node, y[f.name]);
    ++written;
  };
  for (std::size_t i = 0; i < lead && i < fields.size(); ++i) field(fields[i]);
  for (const auto& k : number_keys)
    if (y[k]) {
      e << YAML::Key << k << YAML::Value << y[k].Scalar();
      ++written;
    }
  for (std::size_t i = lead; i < fields.size(); ++i) field(fields[i]);
  XPB_ASSERT(written == y.size(), "emit(): the document has a key its schema does not declare");
}

void emit_node(YAML::Emitter& e, const Node& s, const YAML::Node& y) {
  switch (s.type) {
    case Type::any: e << y; return;
    case Type::string:
      if (s.quoted) e << YAML::DoubleQuoted;
      e << y.Scalar();
      return;
    case Type::list:
      if (s.flow) e << YAML::Flow;
      e << YAML::BeginSeq;
      for (std::size_t i = 0; i < y.size(); ++i) emit_node(e, *s.element, y[i]);
      e << YAML::EndSeq;
      return;
    case Type::map:
      if (s.flow) e << YAML::Flow;
      e << YAML::BeginMap;
      for (auto it = y.begin(); it != y.end(); ++it) {
        e << YAML::Key << it->first.Scalar() << YAML::Value;
        emit_node(e, *s.element, it->second);
      }
      e << YAML::EndMap;
      return;
    case Type::object:
      if (s.scalar_form && y.IsScalar()) return emit_node(e, *s.scalar_form, y);
      if (s.flow) e << YAML::Flow;
      e << YAML::BeginMap;
      emit_keys(e, s.fields, y);
      e << YAML::EndMap;
      return;
    case Type::quantity:
      if (y.IsScalar()) {
        e << y.Scalar();
        return;
      }
      if (s.flow) e << YAML::Flow;
      e << YAML::BeginMap;
      emit_keys(e, s.fields, y, {"status", "value", "low", "nominal", "high", "unit"}, s.lead);
      e << YAML::EndMap;
      return;
    default:
      if (s.sweep && y.IsSequence()) {
        e << YAML::Flow << YAML::BeginSeq;
        for (std::size_t i = 0; i < y.size(); ++i) e << y[i].Scalar();
        e << YAML::EndSeq;
        return;
      }
      e << y.Scalar();
  }
}

}  // namespace

std::string emit(const Node& schema, const YAML::Node& doc, const std::vector<std::string>& comments) {
  (void)validate(schema, doc, "(written)");  // throws on a writer bug, before anything is written
  YAML::Emitter e;
  emit_node(e, schema, doc);
  XPB_ASSERT(e.good(), e.GetLastError().c_str());
  std::string out;
  for (const auto& c : comments) out += "# " + c + "\n";
  return out + e.c_str() + "\n";
}

}  // namespace xpb::input
