// core/model/collectives.hpp — alpha-beta cost models of collectives over a descriptor's links.
// Ring all-reduce / reduce-scatter / all-gather / all-to-all / point-to-point, and a two-level
// (hierarchical) all-reduce for groups that span nodes. Times are Ranges: the low time takes the
// low latency and the high bandwidth. It does not model congestion, topology or NCCL algorithm
// switching (tree, NVLS); see docs/projection.md for what that costs in accuracy.
#pragma once

#include <string>

#include "core/plugin/ledger.hpp"
#include "core/platforms/platform.hpp"
#include "core/base/range.hpp"

namespace xpb {

// One tier of the network as the alpha-beta model sees it.
struct LinkModel {
  Range alpha;      // s per message step
  Range bandwidth;  // effective B/s per device, one direction (spec · bus efficiency)
  bool known = false;
};

// Links of a platform, resolved once (intra-node and inter-node tiers).
struct NetworkModel {
  LinkModel intra, inter;
  int devices_per_node = 1;
  std::string note;  // assumptions made (e.g. latency absent → default)
};

// Build the network model: bandwidth · efficiency.collective_bus (1.0 when absent); a missing
// latency becomes the default range [2, 10, 20] µs and is named in `note`; a missing bandwidth
// leaves the tier `known == false`.
NetworkModel network_model(const Platform& p);

// Buffer convention: `bytes` is the full buffer (the all-reduced tensor, the reduce-scatter input,
// the all-gather output); for all-to-all the bytes one rank sends in total; for p2p the message.
Range ring_time(Collective c, double bytes, int ranks, const LinkModel& link);

// Collective over `ranks` devices placed `ranks_per_node` to a node: within one node the intra
// ring; across nodes a hierarchical scheme (reduce-scatter within the node, the collective across
// nodes on 1/ranks_per_node of the data over the inter-node tier, all-gather within the node).
// Returns {0,0,0} for ranks <= 1. `ok` is set false when a needed tier is unknown.
Range collective_time(Collective c, double bytes, int ranks, int ranks_per_node,
                      const NetworkModel& net, bool& ok);

}  // namespace xpb
