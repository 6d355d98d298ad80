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
