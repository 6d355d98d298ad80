// core/model/collectives.cpp — alpha-beta ring and hierarchical collective times (see collectives.hpp).
// Formulas: Thakur, Rabenseifner & Gropp (2005); NCCL bus-bandwidth conventions. Nothing here
// reads files or knows about workloads.
#include "core/model/collectives.hpp"

#include <algorithm>

#include "core/model/constants.hpp"
#include "core/model/uncertainty.hpp"

namespace xpb {

namespace {

constexpr Range kDefaultLatency{2e-6, 10e-6, 20e-6};

LinkModel make_link(const Link& l, double bus, const Scenario& s, const std::string& who, const char* tier,
                    std::string& note) {
  LinkModel m;
  if (l.bandwidth_per_direction.present && l.bandwidth_per_direction.value.low > 0) {
    m.bandwidth = draw(l.bandwidth_per_direction, Dir::faster, s, who + ":" + tier + ":bandwidth") * bus;
    m.known = true;
  }
  if (l.latency.present) {
    m.alpha = draw(l.latency, Dir::slower, s, who + ":" + tier + ":latency");
  } else {
    m.alpha = s.value(kDefaultLatency, "default-link-latency", Dir::slower);
    if (m.known) note += std::string(note.empty() ? "" : "; ") + tier + " latency absent: 2-20 us assumed";
  }
  return m;
}

// alpha-beta term: steps·alpha + volume/bandwidth.
double ab(double steps, double volume, const LinkModel& l) {
  double t = l.alpha * steps;
  if (volume > 0) t += volume / l.bandwidth;
  return t;
}

}  // namespace

NetworkModel network_model(const Platform& p, const Scenario& s, const ModelConstants* c, bool all_to_all,
                           bool deepep) {
  NetworkModel n;
  n.devices_per_node = std::max(1, p.devices_per_node);
  double intra_bus = p.efficiency.collective_bus.present
                         ? draw(p.efficiency.collective_bus, Dir::faster, s, p.name + ":collective_bus")
                         : 1.0;
  double inter_bus = c ? c->value("inter_node_bus", s) : 1.0;
  if (all_to_all && c) {
    intra_bus = c->value(deepep ? "a2a_bus_deepep_intra" : "a2a_bus_nccl_intra", s);
    inter_bus = c->value(deepep ? "a2a_bus_deepep_inter" : "a2a_bus_nccl_inter", s);
  }
  n.intra = make_link(p.intra_node, intra_bus, s, p.name, "intra-node", n.note);
  n.inter = make_link(p.inter_node, inter_bus, s, p.name, "inter-node", n.note);
  return n;
}

double ring_time(Collective c, double bytes, int ranks, const LinkModel& link) {
  if (ranks <= 1 || c == Collective::none) return 0;
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
  return 0;
}

double collective_time(Collective c, double bytes, int ranks, int ranks_per_node,
                       const NetworkModel& net, bool& ok, double inter_scale) {
  if (ranks <= 1 || c == Collective::none) return 0;
  ranks_per_node = std::clamp(ranks_per_node, 1, ranks);
  if (ranks_per_node >= ranks) {  // the whole group sits in one node
    if (!net.intra.known) {
      ok = false;
      return 0;
    }
    return ring_time(c, bytes, ranks, net.intra);
  }
  if (!net.inter.known || (ranks_per_node > 1 && !net.intra.known)) {
    ok = false;
    return 0;
  }
  const int nodes = (ranks + ranks_per_node - 1) / ranks_per_node;
  const double local = ranks_per_node;
  switch (c) {
    case Collective::all_reduce: {
      double t = ring_time(Collective::all_reduce, bytes / local, nodes, net.inter);
      if (ranks_per_node > 1)
        t += ring_time(Collective::reduce_scatter, bytes, ranks_per_node, net.intra) +
             ring_time(Collective::all_gather, bytes, ranks_per_node, net.intra);
      return t;
    }
    case Collective::reduce_scatter:
    case Collective::all_gather: {
      double t = ring_time(c, bytes / local, nodes, net.inter);
      if (ranks_per_node > 1) t += ring_time(c, bytes, ranks_per_node, net.intra);
      return t;
    }
    case Collective::all_to_all: {
      // Of what a rank sends, (ranks - local)/ranks leaves the node, the rest stays inside; the
      // peers are served concurrently, so the slower tier decides.
      const double p = ranks;
      double t = ab(nodes - 1, inter_scale * (p - local) / p * bytes, net.inter);
      if (ranks_per_node > 1) t = std::max(t, ab(local - 1, (local - 1) / p * bytes, net.intra));
      return t;
    }
    case Collective::p2p: return ring_time(c, bytes, 2, net.inter);
    case Collective::none: break;
  }
  return 0;
}

}  // namespace xpb
