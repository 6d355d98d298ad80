// core/base/error.cpp — formatting of user errors, "did you mean" suggestions, assertion failure.
#include "core/base/error.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace xpb {

std::string Error::located() const {
  std::string s;
  if (!m_where.file.empty()) {
    s += m_where.file;
    if (m_where.line > 0) s += ":" + std::to_string(m_where.line);
    s += ": ";
  }
  if (!m_where.key.empty()) s += m_where.key + ": ";
  s += what();
  return s;
}

// Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of
// adjacent characters (the usual typos) each cost one.
static std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  // Accept up to a third of the word's length (at least 1, at most 3 edits).
  std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  return best_d <= limit ? best : std::string{};
}

namespace detail {
void assert_fail(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "xpubench: internal error at %s:%d: assertion `%s` failed: %s\n", file,
               line, expr, msg);
  std::abort();
}
}  // namespace detail

}  // namespace xpb
