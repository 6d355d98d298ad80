// analysis/json_writer.hpp — the few JSON pieces the report writes: escaped strings and numbers.
// Not a JSON library: callers assemble objects and arrays themselves. NaN and infinities become
// null, because JSON has no spelling for them.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace xpb::analysis::json {

inline std::string str(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

inline std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline std::string kv(const std::string& k, const std::string& json_value) {
  return str(k) + ": " + json_value;
}

}  // namespace xpb::analysis::json
