// core/model/collectives.hpp — alpha-beta cost models of collectives over a descriptor's links.
// Ring all-reduce / reduce-scatter / all-gather / all-to-all / point-to-point within one tier, and
// hierarchical (two-level) schemes for groups that span nodes. Numbers are one scenario's values
// (core/model/uncertainty.hpp): the caller draws the links, this file only does arithmetic. It does
// not model congestion, topology or NCCL algorithm switching (tree, NVLS); docs/projection.md §3.
#pragma once

#include <string>

#include "core/plugin/ledger.hpp"
#include "core/platforms/platform.hpp"

namespace xpb {

class Scenario;
class ModelConstants;

// One tier of the network as the alpha-beta model sees it.
struct LinkModel {
  double alpha = 0;      // s per message step
  double bandwidth = 0;  // effective B/s per device, one direction (spec · bus efficiency)
  bool known = false;
};

// Links of a platform in one scenario (intra-node and inter-node tiers).
struct NetworkModel {
  LinkModel intra, inter;
  int devices_per_node = 1;
  std::string note;  // assumptions made (e.g. latency absent → default)
};

// The network of `p` in scenario `s`: bandwidth · bus efficiency (intra: the descriptor's
// collective_bus; inter: the constants' inter_node_bus, or 1 without constants). With
// `all_to_all` the bus fractions are the constants' all-to-all ones for `deepep` or NCCL. A
// missing latency becomes the range [2, 10, 20] µs and is named in `note`; a missing bandwidth
// leaves the tier unknown.
NetworkModel network_model(const Platform& p, const Scenario& s, const ModelConstants* constants = nullptr,
                           bool all_to_all = false, bool deepep = false);

// Buffer convention: `bytes` is the full buffer (the all-reduced tensor, the reduce-scatter input,
// the all-gather output); for all-to-all the bytes one rank sends in total; for p2p the message.
double ring_time(Collective c, double bytes, int ranks, const LinkModel& link);

// Collective over `ranks` devices placed `ranks_per_node` to a node: within one node the intra
// ring; across nodes a hierarchical scheme (reduce-scatter within the node, the collective across
// nodes on 1/ranks_per_node of the data over the inter-node tier, all-gather within the node).
// Returns 0 for ranks <= 1. `ok` is set false when a needed tier is unknown.
// `inter_scale` scales the bytes an all-to-all sends across nodes (deduplicated dispatch).
double collective_time(Collective c, double bytes, int ranks, int ranks_per_node,
                       const NetworkModel& net, bool& ok, double inter_scale = 1);

}  // namespace xpb
