// workloads/micro/micro.cpp — registers the micro-benchmarks, in name order.
#include "workloads/micro/micro.hpp"

namespace xpb::workloads {

void register_micro(Registry& r) {
  micro::register_micro_allreduce(r);
  micro::register_micro_attention(r);
  micro::register_micro_gemm(r);
  micro::register_micro_launch(r);
  micro::register_micro_layernorm(r);
  micro::register_micro_softmax(r);
}

}  // namespace xpb::workloads
