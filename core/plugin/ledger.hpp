// core/plugin/ledger.hpp — the cost ledger: what one step of a workload costs, kernel by kernel.
// FLOPs are counted by the precision an accelerator would use (DType), bytes are DRAM/HBM
// traffic, collective bytes are the payload of a collective. It does not say how long anything
// takes: that is the projector's job (core/model/projector.hpp).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/base/dtype.hpp"

namespace xpb {

enum class OpKind {
  gemm,        // dense matrix multiply: efficiency depends on operation size
  vector,      // element-wise / reduction work on the vector units
  collective,  // communication between devices
  other,
  // A fused (flash) attention kernel, forward or backward: its FLOPs are matrix products, but it
  // reaches a smaller fraction of peak than a GEMM of the same size (softmax, masking, recompute).
  attention_fwd,
  attention_bwd,
  // Normalisation over a row (layer norm): element-wise work whose operations are subtractions
  // and multiplications around two row reductions, with few fused multiply-adds; on a CPU it
  // reaches a smaller fraction of peak than exp-heavy element-wise work. Projected at
  // efficiency.norm where the descriptor has it, else as vector work.
  norm,
  // A copy between host memory and the device's (a batch uploaded before the step): `bytes` is
  // the payload. Not a kernel. Projected over the descriptor's host link (PCIe) on an
  // accelerator, and on a platform whose device is the host as a copy in memory (the payload read
  // and written once each).
  transfer
};

enum class Collective { none, all_reduce, reduce_scatter, all_gather, all_to_all, p2p };

// Every value, in declaration order (so kAllOpKinds[i] is OpKind(i)): the one list that parsing
// (parse_op_kind), the results schema's text and the journal's range check read. A new value goes
// at the end of its enum and here.
inline constexpr std::array<OpKind, 8> kAllOpKinds = {
    OpKind::gemm,          OpKind::vector,        OpKind::collective, OpKind::other,
    OpKind::attention_fwd, OpKind::attention_bwd, OpKind::norm,       OpKind::transfer};
inline constexpr std::array<Collective, 6> kAllCollectives = {
    Collective::none,       Collective::all_reduce, Collective::reduce_scatter,
    Collective::all_gather, Collective::all_to_all, Collective::p2p};

struct KernelCost {
  std::string name;  // equals the Kokkos kernel label, e.g. "stream/triad"
  OpKind kind = OpKind::vector;
  DType dtype = DType::fp32;  // precision the accelerator would use
  double flops = 0;           // floating-point operations of one launch
  double bytes = 0;           // DRAM/HBM bytes moved by one launch
  double count = 1;           // launches of this kernel per step
  Collective collective = Collective::none;
  double collective_bytes = 0;  // payload per rank of one collective
  int ranks = 1;                // participants of the collective
};

using Ledger = std::vector<KernelCost>;

std::string_view to_string(OpKind k);
std::string_view to_string(Collective c);
// The names of every value, ", "-separated ("gemm, vector, ..."), for documentation.
std::string op_kind_names();
std::string collective_names();

// Totals over a ledger (count included).
double total_flops(const Ledger& l);
double total_bytes(const Ledger& l);

}  // namespace xpb
