// core/plugin/ledger.cpp — names and totals of ledger entries.
#include "core/plugin/ledger.hpp"

namespace xpb {

std::string_view to_string(OpKind k) {
  switch (k) {
    case OpKind::gemm: return "gemm";
    case OpKind::vector: return "vector";
    case OpKind::collective: return "collective";
    case OpKind::other: return "other";
    case OpKind::attention_fwd: return "attention_fwd";
    case OpKind::attention_bwd: return "attention_bwd";
    case OpKind::norm: return "norm";
    case OpKind::transfer: return "transfer";
  }
  return "?";
}

std::string_view to_string(Collective c) {
  switch (c) {
    case Collective::none: return "none";
    case Collective::all_reduce: return "all_reduce";
    case Collective::reduce_scatter: return "reduce_scatter";
    case Collective::all_gather: return "all_gather";
    case Collective::all_to_all: return "all_to_all";
    case Collective::p2p: return "p2p";
  }
  return "?";
}

namespace {
template <class E, std::size_t N>
constexpr bool in_declaration_order(const std::array<E, N>& all) {
  for (std::size_t i = 0; i < N; ++i)
    if (static_cast<std::size_t>(all[i]) != i) return false;
  return true;
}
static_assert(in_declaration_order(kAllOpKinds), "kAllOpKinds lists OpKind in declaration order");
static_assert(in_declaration_order(kAllCollectives), "kAllCollectives lists Collective in declaration order");

template <class E, std::size_t N>
std::string names(const std::array<E, N>& all) {
  std::string s;
  for (E e : all) s += (s.empty() ? "" : ", ") + std::string(to_string(e));
  return s;
}
}  // namespace

std::string op_kind_names() { return names(kAllOpKinds); }
std::string collective_names() { return names(kAllCollectives); }

double total_flops(const Ledger& l) {
  double s = 0;
  for (const auto& k : l) s += k.flops * k.count;
  return s;
}

double total_bytes(const Ledger& l) {
  double s = 0;
  for (const auto& k : l) s += k.bytes * k.count;
  return s;
}

}  // namespace xpb
