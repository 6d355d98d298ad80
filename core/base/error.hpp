// core/base/error.hpp — the two tiers of errors.
// xpb::Error is for bad user input (a file, a line, a key path, a message and a hint); the CLI
// catches it once, prints it and exits 2. XPB_ASSERT is for broken invariants and aborts.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace xpb {

struct Where {
  std::string file;  // path as the user gave it; empty when not from a file
  int line = 0;      // 1-based; 0 when unknown
  std::string key;   // dotted key path, e.g. "workloads[2].params.n"
};

class Error : public std::runtime_error {
 public:
  Error(Where where, std::string what, std::string hint = {})
      : std::runtime_error(what), m_where(std::move(where)), m_hint(std::move(hint)) {}
  const Where& where() const { return m_where; }
  const std::string& hint() const { return m_hint; }
  // "FILE:LINE: key.path: message" with the parts that are known.
  std::string located() const;

 private:
  Where m_where;
  std::string m_hint;
};

// The closest candidate by edit distance, or "" when none is close enough for a "did you mean".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

namespace detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* msg);
}

}  // namespace xpb

#define XPB_ASSERT(cond, msg) \
  ((cond) ? (void)0 : ::xpb::detail::assert_fail(#cond, __FILE__, __LINE__, (msg)))
