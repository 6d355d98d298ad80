// core/model/collectives.cpp — alpha-beta ring and hierarchical collective times (see collectives.hpp).
// Formulas: Thakur, Rabenseifner & Gropp (2005); NCCL bus-bandwidth conventions. Nothing here
// reads files or knows about workloads.
#include "core/model/collectives.hpp"

#include <algorithm>

namespace xpb {

namespace {

constexpr Range kDefaultLatency{2e-6, 10e-6, 20e-6};

LinkModel make_link(const Link& l, const EfficiencyTables& eff, const char* tier,
                    std::string& note) {
  LinkModel m;
  Range bus = eff.collective_bus.present ? eff.collective_bus.value : Range::exact(1.0);
  if (l.bandwidth_per_direction.present && l.bandwidth_per_direction.value.low > 0) {
    m.bandwidth = mul(l.bandwidth_per_direction.value, bus);
    m.known = true;
  }
  if (l.latency.present) {
    m.alpha = l.latency.value;
  } else {
    m.alpha = kDefaultLatency;
    if (m.known) note += std::string(note.empty() ? "" : "; ") + tier + " latency absent: 2-20 us assumed";
  }
  return m;
}

// alpha-beta term: steps·alpha + volume/bandwidth (low time from high bandwidth).
Range ab(double steps, double volume, const LinkModel& l) {
  Range t = l.alpha * steps;
  if (volume > 0) t = t + divide(volume, l.bandwidth);
  return t;
}

}  // namespace

NetworkModel network_model(const Platform& p) {
  NetworkModel n;
  n.devices_per_node = std::max(1, p.devices_per_node);
  n.intra = make_link(p.intra_node, p.efficiency, "intra-node", n.note);
  n.inter = make_link(p.inter_node, p.efficiency, "inter-node", n.note);
  // A single-device node has no intra tier; a chip with no inter-node data cannot scale out.
  return n;
}

Range ring_time(Collective c, double bytes, int ranks, const LinkModel& link) {
  if (ranks <= 1 || c == Collective::none) return {};
  const double p = ranks;
  const double frac = (p - 1) / p;
  switch (c) {
    case Collective::all_reduce: return ab(2 * (p - 1), 2 * frac * bytes, link);
    case Collective::reduce_scatter:
    case Collective::all_gather:
    case Collective::all_to_all: return ab(p - 1, frac * bytes, link);
    case Collective::p2p: return ab(1, bytes, link);
    case Collective::none: break;
  }
  return {};
}

Range collective_time(Collective c, double bytes, int ranks, int ranks_per_node,
                      const NetworkModel& net, bool& ok) {
  if (ranks <= 1 || c == Collective::none) return {};
  ranks_per_node = std::clamp(ranks_per_node, 1, ranks);
  if (ranks_per_node >= ranks) {  // the whole group sits in one node
    if (!net.intra.known) {
      ok = false;
      return {};
    }
    return ring_time(c, bytes, ranks, net.intra);
  }
  if (!net.inter.known || (ranks_per_node > 1 && !net.intra.known)) {
    ok = false;
    return {};
  }
  const int nodes = (ranks + ranks_per_node - 1) / ranks_per_node;
  const double local = ranks_per_node;
  switch (c) {
    case Collective::all_reduce: {
      Range t = ring_time(Collective::all_reduce, bytes / local, nodes, net.inter);
      if (ranks_per_node > 1)
        t = t + ring_time(Collective::reduce_scatter, bytes, ranks_per_node, net.intra) +
            ring_time(Collective::all_gather, bytes, ranks_per_node, net.intra);
      return t;
    }
    case Collective::reduce_scatter:
    case Collective::all_gather: {
      Range t = ring_time(c, bytes / local, nodes, net.inter);
      if (ranks_per_node > 1) t = t + ring_time(c, bytes, ranks_per_node, net.intra);
      return t;
    }
    case Collective::all_to_all: {
      // Of what a rank sends, (ranks - local)/ranks leaves the node, the rest stays inside.
      const double p = ranks;
      Range t = ab(nodes - 1, (p - local) / p * bytes, net.inter);
      if (ranks_per_node > 1) t = t + ab(local - 1, (local - 1) / p * bytes, net.intra);
      return t;
    }
    case Collective::p2p: return ring_time(c, bytes, 2, net.inter);
    case Collective::none: break;
  }
  return {};
}

}  // namespace xpb
