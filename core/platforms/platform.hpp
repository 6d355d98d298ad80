// core/platforms/platform.hpp — a platform descriptor: the testbed's sourced claims about one chip.
// Every number is a Quantity: a {low, nominal, high} Range in SI units (FLOP/s, B/s, bytes, s, W)
// with its confidence and source. Loading is strict (unknown keys, missing sources, bad units and
// inverted ranges are xpb::Error with file, line and key path). The schema is documented in
// platforms/README.md. This file does not project anything (core/model/projector.hpp does).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/dtype.hpp"
#include "core/base/input_schema.hpp"
#include "core/base/range.hpp"

namespace xpb {

enum class Confidence { measured, official, reported, estimated };  // best to worst
std::string_view to_string(Confidence c);
std::optional<Confidence> parse_confidence(std::string_view s);

struct Source {
  std::string url, title, date;
};

struct Quantity {
  Range value;  // SI units
  Confidence confidence = Confidence::estimated;
  Source source;
  std::string derivation;  // one line; required when confidence is estimated
  std::string note;
  int line = 0;          // line in the descriptor file, for messages
  bool present = false;  // false: the descriptor does not give it
};

// A dtype's peak: known (with a Quantity), unknown (supported, value not public), or unsupported.
enum class PeakStatus { known, unknown, unsupported };
struct Peak {
  PeakStatus status = PeakStatus::unknown;
  Quantity flops;  // FLOP/s, dense; valid when status == known
};

// Efficiency of GEMM-like work as a function of operation size (FLOPs of one launch): the entry
// with the largest min_flops not above the operation's FLOPs applies (Calculon-style steps).
struct EfficiencyStep {
  double min_flops = 0;
  Range efficiency;   // fraction of peak in (0, 1]
  Quantity quantity;  // the sourced number behind `efficiency` (same value, with provenance)
};

struct EfficiencyTables {
  std::vector<EfficiencyStep> gemm;  // sorted by min_flops ascending; empty → 1.0
  Quantity vector_flops;             // fraction of peak for vector (non-GEMM) work; absent → gemm
  Quantity norm_flops;               // the same for OpKind::norm (row normalisation); absent → vector
  Quantity memory_bandwidth;         // fraction of memory bandwidth reached (STREAM-like)
  Quantity collective_bus;           // collective bus-bandwidth fraction of link bandwidth
  // Fraction of the platform's best GEMM efficiency that its flash-attention kernels reach,
  // forward and backward (measured on the host by calibrate; absent: the model constants' by
  // architecture generation on accelerators, 1 elsewhere).
  Quantity attention_fwd, attention_bwd;
  // The same fractions by operation size (GFLOP of one launch, as `gemm`), measured on the host
  // by calibrate; where given they replace attention_fwd / attention_bwd.
  std::vector<EfficiencyStep> attention_fwd_steps, attention_bwd_steps;
  std::string source_note;
  // Optional per-dtype replacements (e.g. FP8 GEMMs reach a lower fraction than BF16 ones).
  std::map<DType, std::vector<EfficiencyStep>> gemm_per_dtype;
  std::map<DType, Quantity> vector_per_dtype;
};

// Memory bandwidth of a working set that stays in the caches: a workload whose step touches at most
// `max_bytes` (its allocations, measured by the runner) streams at `bandwidth` instead of
// `memory.bandwidth`. Measured by `xpubench calibrate` on a host (a triad size sweep); accelerator
// descriptors give none, and their projections use `memory.bandwidth` at every size.
struct CacheStep {
  double max_bytes = 0;  // largest working set (bytes) this step applies to
  Quantity bandwidth;    // B/s
};

struct Link {
  Quantity bandwidth_per_direction;  // B/s per device, one direction
  Quantity latency;                  // s, per message (alpha)
  int links = 0;                     // physical links per device (0: unknown)
  std::string name, topology;
  Quantity links_quantity;  // the sourced number behind `links`
};

struct Platform {
  std::string name;          // file stem, e.g. "nvidia-h20"
  std::string display_name;  // e.g. "NVIDIA H20 (96 GB HBM3)"
  std::string vendor;
  std::string kind;       // "accelerator" or "host"
  std::string path;       // file it was loaded from ("" for an auto-described host)
  std::string yaml_text;  // the exact text loaded, embedded in result sets
  std::string sha256;     // of yaml_text

  std::map<DType, Peak> peak;              // all seven dtypes present after loading
  Quantity memory_capacity;                // bytes
  Quantity memory_bandwidth;               // B/s
  Quantity onchip_cache;                   // bytes (L2 / SRAM), optional
  std::vector<CacheStep> cache_bandwidth;  // ascending max_bytes; empty: one memory tier
  Quantity launch_overhead;                // s per kernel launch
  Quantity tdp;                            // W
  Quantity host_link_bandwidth;            // B/s per direction, optional
  Link intra_node;                         // chip-to-chip within a node
  Link inter_node;                         // node-to-node network, per device
  // A kernel's bandwidth on data another core wrote, by the kernel's bytes (max_bytes), ascending;
  // measured on hosts by `xpubench calibrate`, used for training cells (ProjectOptions::handoff).
  std::vector<CacheStep> handoff_bandwidth;
  int devices_per_node = 1;
  EfficiencyTables efficiency;
  std::string software;               // stack notes
  std::vector<std::string> warnings;  // implausible relations found while loading

  // Descriptive text and provenance kept for `show platform` and result sets.
  std::string architecture;    // e.g. "Hopper GH100, 78 SMs enabled"
  std::string memory_type;     // e.g. "HBM3"
  std::string host_link_name;  // e.g. "PCIe 5.0 x16"
  std::string notes;
  Quantity devices_per_node_quantity;             // the sourced number behind `devices_per_node`
  std::map<std::string, std::string> unknown;     // key path → note, numbers stated unknown
  std::map<std::string, std::string> provenance;  // calibrated hosts: tool, commit, date, command

  // Peak FLOP/s for a dtype, or nullopt when unknown or unsupported.
  std::optional<Range> peak_flops(DType d) const;
  // Ridge point (FLOP per byte) for a dtype, nominal peak / nominal bandwidth.
  std::optional<Range> ridge_point(DType d) const;
  // GEMM efficiency for an operation of `flops` FLOPs.
  Range gemm_efficiency(double flops) const;
  // The worst confidence of any number present in the descriptor.
  Confidence worst_confidence() const;
  // GEMM efficiency for a dtype: its own table when the descriptor gives one, else the default.
  Range gemm_efficiency(double flops, DType d) const;
  // Fraction of the dtype's peak reached by non-GEMM work: per-dtype value, else `vector`,
  // else the GEMM table at its largest step; nullopt when none is given.
  std::optional<Range> vector_efficiency(DType d) const;
};

// The kind of unit a descriptor field takes; YAML units are checked against it and converted to
// the SI unit (FLOP/s, B/s, B, s, W, fraction, count).
enum class UnitKind { flops, bandwidth, bytes, seconds, watts, fraction, count };
std::string_view si_unit(UnitKind k);
// Accepted unit spellings of a kind (for messages and docs).
std::vector<std::string> unit_names(UnitKind k);
// Factor to SI for a unit spelling of that kind; nullopt when the spelling is not of that kind.
std::optional<double> unit_factor(UnitKind k, std::string_view unit);

// One sourced number of a descriptor with its key path, e.g. {"peak.bf16", flops, &q}.
struct FieldRef {
  std::string key;
  UnitKind kind;
  const Quantity* quantity;
};
// Every present number of the descriptor, in file order of the schema.
std::vector<FieldRef> platform_fields(const Platform& p);

// The descriptor format, declared once (core/base/schema): validation, `xpubench show schema
// platform` and the host descriptor writer use it. `platform_number_schema` is one sourced number.
const input::Node& platform_schema();
const input::Node& platform_number_schema();

// Load and validate one descriptor file. Throws xpb::Error with file, line and key path.
Platform load_platform_file(const std::string& path);
// Same, from text (path used for messages and to derive the name).
Platform load_platform_text(const std::string& text, const std::string& path);

// Whether the descriptor describes a host CPU (kind: host) rather than an accelerator. A run
// projects every cell onto the calibrated host as the model's self-check; a host is never a
// parity target.
inline bool is_host(const Platform& p) { return p.kind == "host"; }

// Resolve a platform given as a name ("nvidia-h20", "host") or a path to a YAML file. Names are
// looked up in the platform directories (paths().platform_dirs: $XPB_PLATFORM_DIR, then
// <share>/platforms; core/base/paths.hpp).
// "host" resolves to the calibrated host descriptor when one exists (see calibrate), else to the
// auto-described host.
Platform resolve_platform(const std::string& name_or_path);
std::vector<std::string> platform_dirs();
// Names of all descriptors in the platform directories (sorted), plus "host".
std::vector<std::string> list_platforms();

// The host as detected now: CPU model, cores, Kokkos backend and threads. Ceilings it cannot know
// without measuring are absent (peaks unknown) until `xpubench calibrate` writes a measured file.
Platform describe_host();
// Where the calibrated host descriptor lives: $XPB_HOST_DESCRIPTOR or <cache>/host.yaml.
std::string host_descriptor_path();

}  // namespace xpb
