// workloads/nn/nn.hpp — one include for all shared layers (for workloads that use most of them).
// Each layer lives in its own header; see there for shapes, kernel labels and ledger entries.
#pragma once

#include "workloads/nn/adamw.hpp"
#include "workloads/nn/attention.hpp"
#include "workloads/nn/attention_kernels.hpp"
#include "workloads/nn/cross_entropy.hpp"
#include "workloads/nn/embedding.hpp"
#include "workloads/nn/fill.hpp"
#include "workloads/nn/fixed_math.hpp"
#include "workloads/nn/gelu.hpp"
#include "workloads/nn/gemm.hpp"
#include "workloads/nn/grad_clip.hpp"
#include "workloads/nn/layernorm.hpp"
#include "workloads/nn/linear.hpp"
#include "workloads/nn/reduce.hpp"
#include "workloads/nn/relu.hpp"
#include "workloads/nn/rownorm_kernels.hpp"
#include "workloads/nn/tensor.hpp"
