// core/plugin/context.cpp — the memory budget a cell is checked against before it allocates.
#include "core/plugin/context.hpp"

#include <cstdio>

#include "core/base/error.hpp"

namespace xpb {

namespace {
std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g GiB", bytes / 1073741824.0);
  return buf;
}
}  // namespace

void Context::require_memory(double bytes, const char* key, const std::string& what) const {
  if (memory_budget <= 0 || bytes <= memory_budget) return;
  throw Error({{}, 0, key},
              what + " need " + gib(bytes) + ", over this run's budget of " + gib(memory_budget),
              "choose smaller sizes, or raise the budget with --max-memory (it defaults to the memory "
              "available on this host, shared among its ranks)");
}

}  // namespace xpb
