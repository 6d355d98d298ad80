// core/results/schema.cpp — the declaration of the result set's layout, and what is derived from
// it: path matching, the default compare classification, the markdown and JSON descriptions.
// Adding a path to the result set = adding one entry below (and writing it in result_store.cpp).
#include "core/results/schema.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/plugin/ledger.hpp"

namespace xpb::schema {

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::numeric: return "numeric";
    case Kind::timing: return "timing";
    case Kind::provenance: return "provenance";
  }
  return "?";
}

std::optional<Kind> parse_kind(std::string_view s) {
  for (Kind k : {Kind::numeric, Kind::timing, Kind::provenance})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

std::string_view to_string(Node n) {
  switch (n) {
    case Node::group: return "group";
    case Node::attribute: return "attribute";
    case Node::dataset: return "dataset";
    case Node::table: return "table";
  }
  return "?";
}

const Column* Entry::column(std::string_view name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::string_view to_string(Role r) {
  switch (r) {
    case Role::value: return "value";
    case Role::unit: return "unit";
    case Role::row_kind: return "row_kind";
    case Role::value_kind: return "value_kind";
  }
  return "?";
}

std::vector<std::string> Entry::keys() const {
  std::vector<std::string> k;
  for (const auto& c : columns)
    if (c.key) k.push_back(c.name);
  return k;
}

const Column* Entry::role(Role r) const {
  for (const auto& c : columns)
    if (c.role == r) return &c;
  return nullptr;
}

// ------------------------------------------------------------------------------------------------
// The declaration

namespace {

constexpr Kind N = Kind::numeric, T = Kind::timing, P = Kind::provenance;

Entry group(std::string path, std::string doc) {
  Entry e;
  e.path = std::move(path), e.node = Node::group, e.doc = std::move(doc);
  return e;
}

Entry text(std::string path, Kind kind, std::string doc) {
  Entry e;
  e.path = std::move(path), e.node = Node::attribute, e.type = "string", e.kind = kind;
  e.doc = std::move(doc);
  return e;
}

Entry number(std::string path, std::string type, std::string unit, Kind kind, std::string doc) {
  Entry e;
  e.path = std::move(path), e.node = Node::attribute, e.type = std::move(type);
  e.unit = std::move(unit), e.unit_from = UnitFrom::fixed, e.kind = kind, e.doc = std::move(doc);
  return e;
}

Entry integer(std::string path, Kind kind, std::string doc) {
  return number(std::move(path), "int64", "", kind, std::move(doc));
}

Entry dataset(std::string path, std::string type, std::string unit, Kind kind, std::string doc) {
  Entry e;
  e.path = std::move(path), e.node = Node::dataset, e.type = std::move(type);
  e.unit = std::move(unit), e.unit_from = UnitFrom::fixed, e.kind = kind, e.doc = std::move(doc);
  return e;
}

// A value a workload (or the runner) reports under a name it chooses: unit and kind per dataset.
Entry reported(std::string path, std::string type, std::string doc) {
  Entry e = dataset(std::move(path), std::move(type), "", N, std::move(doc));
  e.unit_from = UnitFrom::object, e.kind_from = KindFrom::object;
  return e;
}

Entry table(std::string path, std::string doc, std::vector<Column> columns) {
  Entry e;
  e.path = std::move(path), e.node = Node::table, e.type = "compound", e.doc = std::move(doc);
  e.columns = std::move(columns);
  return e;
}

Column col(std::string name, std::string type, std::string unit, std::string doc, Role role = Role::value) {
  Column c;
  c.name = std::move(name), c.type = std::move(type), c.unit = std::move(unit), c.doc = std::move(doc);
  c.role = role;
  c.unit_from = c.type == "string" ? UnitFrom::none : UnitFrom::fixed;
  return c;
}

Column key(std::string name, std::string doc, Role role = Role::value) {
  Column c = col(std::move(name), "string", "", std::move(doc), role);
  c.key = true;
  return c;
}

Column since(int version, Column c) {
  c.since = version;
  return c;
}

Entry since(int version, Entry e) {
  e.since = version;
  for (auto& c : e.columns) c.since = std::max(c.since, version);  // a table's columns are as new as it
  return e;
}

Entry with(Entry e, KindFrom kf) {
  e.kind_from = kf;
  return e;
}

// A range [low, nominal, high] of a projection: the 5 %, 50 % and 95 % points of its Monte Carlo.
Entry range(const std::string& name, const std::string& unit, const std::string& doc) {
  return dataset("/cells/{cell}/projected/{platform}/" + name, "float64[3]", unit, N,
                 doc + ": low, nominal, high (5 %, median, 95 %)");
}

// One declaration per line, as the generated table reads.
// clang-format off
Section root_attributes_section() {
  return {"Root attributes", "Provenance of the run and the identity of the experiment.", {
      group("/", "the file"),
      text("/@schema", N, "always `xpubench.results`"),
      integer("/@schema_version", P,
              "version of this layout; readers accept every version from 1 to theirs (provenance: it "
              "says how the numbers were written, not what they are)"),
      text("/@tool_version", P, "xpubench version"),
      text("/@git_commit", P, "commit the binary was built from"),
      integer("/@git_dirty", P, "1 if the tree had uncommitted changes"),
      text("/@compiler", P, "compiler and its version"),
      text("/@cxx_flags", P, "compile flags"),
      text("/@build_type", P, "CMake build type"),
      integer("/@cxx_standard", P, "C++ standard the binary was compiled as"),
      text("/@kokkos_version", P, "Kokkos version"),
      text("/@kokkos_backend", P, "default execution space"),
      integer("/@kokkos_threads", P, "its concurrency"),
      text("/@kokkos_config", P, "the text of `Kokkos::print_configuration`"),
      since(2, text("/@kokkos_backends_compiled", P, "every execution space compiled in (`Cuda, Serial`)")),
      since(2, text("/@kokkos_gpu_arch", P,
                    "GPU architecture of the device code (`AMPERE80 (sm_80)`; `none` for host builds)")),
      since(2, text("/@kokkos_tools_library", P,
                    "the Kokkos Tools library loaded at start (`run --kokkos-tools-library`, or "
                    "`KOKKOS_TOOLS_LIBS` / `KOKKOS_PROFILE_LIBRARY`); `none`; `PATH (not loaded)` when "
                    "Kokkos could not open it")),
      since(2, text("/@gpu_name", P, "GPU builds only: the device the kernels ran on")),
      since(2, text("/@gpu_driver", P, "GPU builds only: the NVIDIA driver version (kernel module)")),
      since(2, text("/@gpu_compute_capability", P, "GPU builds only: the device's compute capability")),
      since(2, text("/@cuda_driver_api", P, "GPU builds only: CUDA version of the driver API")),
      since(2, text("/@cuda_runtime", P, "GPU builds only: CUDA version of the linked runtime")),
      since(2, integer("/@gpu_memory_bytes", P, "GPU builds only: device memory")),
      since(2, integer("/@gpu_multiprocessors", P, "GPU builds only: streaming multiprocessors")),
      text("/@host", P, "machine name"),
      text("/@cpu_model", P, "CPU model"),
      text("/@command_line", P, "the exact command"),
      text("/@created_utc", T, "when this run started (ISO 8601, UTC): a timestamp"),
      text("/@experiment_name", P, "from the experiment file"),
      text("/@experiment_description", P, "from the experiment file"),
      text("/@experiment_path", P, "the experiment file's path as given"),
      text("/@experiment_yaml", N, "the experiment file's exact text"),
      text("/@experiment_sha256", N, "its SHA-256; `--resume` refuses a file whose hash differs"),
      integer("/@experiment_cells", N, "number of cells the experiment expands to"),
      text("/@parity_reference", N, "reference platform of the parity table"),
      number("/@parity_band", "float64", "", N, "its band (0.10 = ±10%)"),
      text("/@workloads_built", P, "workloads compiled into the binary"),
      integer("/@resume_count", P, "how many times `--resume` completed this file"),
      integer("/@mpi_ranks", P, "ranks of the run that last wrote the file (1 without a launcher)"),
  }};
}
// clang-format on

Section environment_section() {
  return {"/environment",
          "",
          {
              group("/environment", "the environment variables that change behaviour"),
              text("/environment@{variable}", P,
                   "one attribute per variable set: `OMP_*`, `KOKKOS_*`, `XPB_*`, `OPENBLAS_NUM_THREADS`, "
                   "`CUDA_VISIBLE_DEVICES`, MPI and Slurm ids"),
          }};
}

Section platforms_section() {
  return {"/platforms",
          "One group per platform descriptor the experiment projects onto (plus the machine "
          "that ran, kind `host`, always: it is the model's self-check). Everything about "
          "that machine's platform is provenance.",
          {
              group("/platforms", "the platform descriptors of the run"),
              with(group("/platforms/{platform}", "one descriptor; the group is named after it"),
                   KindFrom::platform),
              with(text("/platforms/{platform}@descriptor_yaml", N, "the descriptor's exact text"),
                   KindFrom::platform),
              with(text("/platforms/{platform}@sha256", N, "its SHA-256"), KindFrom::platform),
              text("/platforms/{platform}@path", P, "where it was read from"),
              with(text("/platforms/{platform}@display_name", N, "human-readable name"), KindFrom::platform),
              with(text("/platforms/{platform}@kind", N, "`accelerator` or `host` (the machine that ran)"),
                   KindFrom::platform),
              with(text("/platforms/{platform}@worst_confidence", N,
                        "the least confident of its sourced numbers"),
                   KindFrom::platform),
          }};
}

Section cell_section() {
  return {
      "/cells/ID",
      "`ID` is the first 12 hex digits of the SHA-256 of the cell's canonical form "
      "`{\"params\":{...sorted...},\"seed\":S,\"workload\":\"W\"}`: the same cell has the same id in "
      "every experiment and every run.",
      {
          group("/cells", "one group per cell"),
          group("/cells/{cell}", "one cell: a workload with one set of parameters"),
          text("/cells/{cell}@workload", N, "workload name"),
          text("/cells/{cell}@params", N, "parameters, canonical JSON"),
          text("/cells/{cell}@label", N, "short human-readable label"),
          integer("/cells/{cell}@seed", N, "seed of the cell's random streams"),
          text(
              "/cells/{cell}@status", N,
              "`ok`; `invalid`: the workload rejected its parameters or failed its own validation; "
              "`failed`: it threw; `skipped`: it needs more MPI ranks than the run had, so nothing was "
              "measured and only its ledger was projected (does not fail the run; `--resume` runs it again)"),
          text("/cells/{cell}@reason", N, "why invalid, failed or skipped; what was validated when ok"),
          integer("/cells/{cell}@index", N, "position in the experiment"),
          integer("/cells/{cell}@repeats", N, "timed steps asked for"),
          integer("/cells/{cell}@warmup", N, "warm-up steps asked for"),
          since(2, integer("/cells/{cell}@iterations", N,
                           "step() calls per timed repeat, chosen by min_time (1 without it); each "
                           "measured/step_seconds value is its repeat's time / iterations")),
          since(2, number("/cells/{cell}@min_time", "float64", "s", N,
                          "the minimum seconds per timed repeat in force (`min_time`, `run --min-time`; "
                          "0: none, and always 0 for a training cell)")),
          since(2, number("/cells/{cell}@timed_seconds", "float64", "s", T,
                          "seconds all timed repeats took together (iterations x sum of step_seconds)")),
          since(2, number("/cells/{cell}@working_set_bytes", "float64", "B", P,
                          "bytes the workload held in Kokkos allocations once set up (its working set: "
                          "picks the host descriptor's memory.cache_bandwidth step in the self-check); "
                          "absent when not counted (a Kokkos Tools library was loaded)")),
          text("/cells/{cell}@started_utc", T,
               "when the cell started (ISO 8601, UTC, to the millisecond): a timestamp"),
          text("/cells/{cell}@finished_utc", T,
               "when the cell was measured and projected, before it was saved (ISO 8601, UTC, to the "
               "millisecond): a timestamp"),
          since(2, number("/cells/{cell}@load_avg_start", "float64", "", T,
                          "1-minute load average (/proc/loadavg) at cell start; absent when unreadable")),
          since(2, number("/cells/{cell}@load_avg_end", "float64", "", T,
                          "1-minute load average when the cell finished; absent when unreadable")),
          since(2, text("/cells/{cell}@cpu_freq", T,
                        "mean scaling_cur_freq of the CPUs at cell start (`2400 MHz (mean of 8 cpus)`), or "
                        "`unreadable` (no cpufreq in /sys, as on most VMs)")),
          since(2, text("/cells/{cell}@cpu_governor", T, "scaling_governor at cell start, or `unreadable`")),
          since(2, number("/cells/{cell}@dispersion", "float64", "", T,
                          "IQR / median of measured/step_seconds; absent with fewer than 2 timed steps")),
          since(2, integer("/cells/{cell}@noisy", T,
                           "1 when dispersion > 0.5 or the load average at start or end exceeded the run's "
                           "threads (docs/performance.md, Noise); the status stays `ok`")),
          since(2, text("/cells/{cell}@noise_reasons", T,
                        "why the cell is noisy, `; `-separated; empty when not")),
      }};
}

Section measured_section() {
  return {
      "measured/",
      "Per-step samples of this machine, in step order (warm-up excluded).",
      {
          group("/cells/{cell}/measured", "per-step samples"),
          dataset("/cells/{cell}/measured/step_seconds", "float64[steps]", "s", T,
                  "fenced wall time of every timed step (training: every step)"),
          dataset("/cells/{cell}/measured/warmup_seconds", "float64[warmup]", "s", T,
                  "warm-up steps, kept but not used"),
          reported("/cells/{cell}/measured/{name}", "float64[steps]",
                   "a per-step value the workload reported (`loss`, `copy_seconds`, `comm_seconds`, ...)"),
          since(2, text("/cells/{cell}/measured/{name}@unit", N,
                        "unit of the samples (schema 1 wrote it only when not dimensionless)")),
          since(2, text("/cells/{cell}/measured/{name}@kind", N, "`numeric` or `timing`")),
      }};
}

Section validation_section() {
  return {"validation/",
          "The workload's check of its own result.",
          {
              group("/cells/{cell}/validation", "the outcome of the workload's own check"),
              integer("/cells/{cell}/validation@passed", N, "1 when the check passed"),
              text("/cells/{cell}/validation@reason", N, "what was checked, or why it failed"),
              number("/cells/{cell}/validation@max_rel_err", "float64", "", N,
                     "worst relative error against the reference; only for checks that compare numbers "
                     "(schema 1 wrote it for every cell, training cells with other quantities in it)"),
              number("/cells/{cell}/validation@tolerance", "float64", "", N,
                     "the relative error allowed; with max_rel_err"),
          }};
}

Section metrics_section() {
  return {
      "metrics/",
      "Scalars the workload and the runner computed once per cell.",
      {
          group("/cells/{cell}/metrics", "scalar metrics"),
          reported("/cells/{cell}/metrics/{name}", "float64[1]",
                   "a scalar metric; `achieved_gflops` and `achieved_gbps` are ledger FLOPs and bytes (of "
                   "the ledger as run here, when the cell charges another precision) over the median step "
                   "time; `comm_share`, `wait_share`: data-parallel exchange and waiting "
                   "time over step time; `dp_ranks`, `micro_batches`: ranks and micro-batches of a "
                   "training step"),
          since(2, text("/cells/{cell}/metrics/{name}@unit", N,
                        "unit of the metric (schema 1 wrote it only when not dimensionless)")),
          since(2, text("/cells/{cell}/metrics/{name}@kind", N, "`numeric` or `timing`")),
          text("/cells/{cell}/metrics/{name}@doc", N, "what the metric is (when the workload said)"),
          text("/cells/{cell}/metrics@{name}", N, "string facts (e.g. `corpus_sha256`)"),
      }};
}

Section series_and_arrays_section() {
  return {
      "series/ and arrays/",
      "",
      {
          group("/cells/{cell}/series", "curves"),
          group("/cells/{cell}/series/{name}", "one curve (e.g. held-out loss at evaluation steps)"),
          reported("/cells/{cell}/series/{name}/values", "float64[k]", "the curve's values"),
          since(2, text("/cells/{cell}/series/{name}/values@unit", N,
                        "their unit (schema 1 wrote it only when not dimensionless)")),
          since(2, text("/cells/{cell}/series/{name}/values@kind", N, "`numeric` or `timing`")),
          dataset("/cells/{cell}/series/{name}/index", "float64[k]", "", N,
                  "x values (step or epoch numbers); absent means 0..k-1"),
          since(2, text("/cells/{cell}/series/{name}/index@unit", N, "always dimensionless")),
          group("/cells/{cell}/arrays", "named arrays"),
          dataset("/cells/{cell}/arrays/{name...}", "float64[...]", "", N,
                  "a named array (e.g. an exported reference step: token ids, logits, parameters, "
                  "gradients); the name may contain `/`, which makes groups"),
          text("/cells/{cell}/arrays/{name...}@dtype", N, "the element type the values had in the workload"),
          since(2, text("/cells/{cell}/arrays/{name...}@unit", N, "always dimensionless")),
      }};
}

Section ledger_section() {
  return {
      "ledger",
      "The cost of one step, one row per kernel (the input of the performance model).",
      {
          table("/cells/{cell}/ledger", "one row per kernel",
                {
                    key("name", "kernel label (equal to its Kokkos label)"),
                    col("kind", "string", "", op_kind_names()),
                    col("dtype", "string", "", "the precision an accelerator would use"),
                    col("collective", "string", "", collective_names()),
                    col("flops", "float64", "FLOP", "floating-point operations of one launch"),
                    col("bytes", "float64", "B", "bytes moved to and from memory by one launch"),
                    col("count", "float64", "", "launches per step"),
                    col("collective_bytes", "float64", "B", "bytes each rank contributes to the collective"),
                    col("ranks", "int64", "", "ranks taking part in the collective"),
                }),
      }};
}

Section projected_section() {
  return {
      "projected/PLATFORM",
      "The performance model's projection of one step onto each platform of the experiment "
      "(`docs/projection.md`). Ranges are [low, nominal, high]: the 5 %, median and 95 % of a "
      "seeded Monte Carlo over the descriptor's and the model constants' ranges, inputs that share a "
      "source drawn together. The worst-case envelope is kept apart.",
      {
          group("/cells/{cell}/projected", "one group per platform"),
          group("/cells/{cell}/projected/{platform}", "the projection onto one platform"),
          integer("/cells/{cell}/projected/{platform}@ok", N,
                  "1 when projected; 0 when a needed number is unknown (then only these attributes)"),
          text("/cells/{cell}/projected/{platform}@reason", N, "why not (e.g. an unknown peak)"),
          text("/cells/{cell}/projected/{platform}@bound", N,
               "what dominates the nominal step: compute, memory, communication, launch (unknown when not "
               "ok)"),
          number(
              "/cells/{cell}/projected/{platform}@host_share", "float64", "", N,
              "present when the host was projected as one of several ranks sharing it, or with fewer "
              "threads than it was calibrated with: the fraction of its compute and memory bandwidth used"),
          integer("/cells/{cell}/projected/{platform}@ranks_on_node", P,
                  "with host_share: ranks that shared the machine"),
          number("/cells/{cell}/projected/{platform}@error_vs_measured", "float64", "", T,
                 "the host only: projected / measured median − 1 (the model's self-check)"),
          since(2,
                text("/cells/{cell}/projected/{platform}@ledger_as_run", N,
                     "the host only, when the cell charges another precision than the host computed in: the "
                     "self-check projected the ledger as run (its dtype and the charged one)")),
          range("step_seconds", "s", "projected time of one step"),
          since(2,
                dataset("/cells/{cell}/projected/{platform}/step_seconds_envelope", "float64[2]", "s", N,
                        "worst-case envelope of the step: every input at the end that makes it fastest, then "
                        "slowest (not a probability interval)")),
          since(2, dataset("/cells/{cell}/projected/{platform}/step_seconds_nominal_inputs", "float64[1]",
                           "s", N, "the step with every input at its nominal value")),
          since(2, integer("/cells/{cell}/projected/{platform}@monte_carlo_samples", N,
                           "samples of the Monte Carlo (0: nominal inputs only)")),
          since(2, integer("/cells/{cell}/projected/{platform}@monte_carlo_seed", N,
                           "its seed: the same seed gives the same samples")),
          range("compute_seconds", "s", "time of the kernels bound by compute"),
          range("memory_seconds", "s", "time of the kernels bound by memory"),
          range("comm_seconds", "s", "time of the collectives"),
          range("launch_seconds", "s", "launch overhead"),
          range("energy_joules", "J", "TDP × time, an upper bound"),
          text("/cells/{cell}/projected/{platform}/energy_joules@note", N, "says that it is an upper bound"),
          since(2, range("hfu", "",
                         "hardware FLOP utilization: the ledger's FLOPs of its dominant dtype over "
                         "step time × that dtype's peak (absent when the cell has no FLOPs or the peak "
                         "is unknown)")),
          since(2, text("/cells/{cell}/projected/{platform}@hfu_dtype", N,
                        "the dtype whose peak hfu is relative to")),
          text("/cells/{cell}/projected/{platform}/{name}@unit", N, "unit of a projected range"),
          since(2, table("/cells/{cell}/projected/{platform}/kernels", "the projection of each ledger row",
                         {
                             key("name", "the ledger row's kernel"),
                             col("bound", "string", "", "compute, memory, communication, launch"),
                             col("seconds_low", "float64", "s", "time of all its launches in one step, low"),
                             col("seconds_nominal", "float64", "s", "nominal"),
                             col("seconds_high", "float64", "s", "high"),
                         })),
      }};
}

Section summary_section() {
  auto from_row = [](Column c) {
    c.unit_from = UnitFrom::row;
    return c;
  };
  return {
      "/summary",
      "One row per cell × quantity, the entry point for analysis. Everywhere in xpubench, "
      "`low` and `high` are the 5% and 95% points (linear interpolation) of the distribution a row "
      "summarises: a measured quantity's samples, a projection's or parity ratio's seeded Monte "
      "Carlo; a single value has low = high = value. The whole range has its own names (`min`, "
      "`max`: the extreme samples, or the worst-case envelope), as has the spread (`q1`, `q3`: the "
      "25% and 75% quantiles; the report's IQR is q3 − q1).\n\n"
      "```python\n"
      "import xpb_results                      # analysis/plots/xpb_results.py\n"
      "df = xpb_results.load_summary(\"results/quickstart.h5\")   # pandas when installed\n"
      "```\n\n"
      "(`pd.read_hdf` does not apply: it reads PyTables layouts only.)",
      {
          with(table("/summary", "one row per cell × quantity",
                     {
                         key("cell", "cell id"),
                         col("workload", "string", "", "workload name"),
                         col("params", "string", "", "parameters, canonical JSON"),
                         col("status", "string", "", "the cell's status"),
                         key("kind",
                             "`measured` (samples of this machine), `metric` (a scalar), `projected` (a "
                             "platform's "
                             "projection: `step_seconds`; `seconds_to_target` for a training cell that "
                             "reached its "
                             "target: its measured steps_to_target × the projected step time), `model_error` "
                             "(projected / measured − 1 on the host), `parity` (the speed "
                             "ratio t(reference) / t(platform), joint sample by sample; schema 2)",
                             Role::row_kind),
                         key("metric", "the quantity's name"),
                         col("unit", "string", "", "unit of the row's numbers", Role::unit),
                         key("platform", "projected, model_error and parity rows: the platform"),
                         col("note", "string", "",
                             "projected rows: the bound, or why the projection is unavailable; parity "
                             "rows: the reference and what the columns hold"),
                         since(2, col("value_kind", "string", "", "`numeric` or `timing`", Role::value_kind)),
                         from_row(col("median", "float64", "",
                                      "median of the samples; a projection's nominal (its median)")),
                         from_row(
                             col("q1", "float64", "", "25% quantile; a projection's or parity ratio's 5 %")),
                         from_row(
                             col("q3", "float64", "", "75% quantile; a projection's or parity ratio's 95 %")),
                         from_row(col("min", "float64", "",
                                      "smallest sample; a projection's low; a parity ratio's "
                                      "worst-case envelope, low")),
                         from_row(col("max", "float64", "",
                                      "largest sample; a projection's high; a parity ratio's "
                                      "worst-case envelope, high")),
                         from_row(col("mean", "float64", "", "mean of the samples")),
                         from_row(col("last", "float64", "", "last sample")),
                         from_row(col("low", "float64", "",
                                      "5 % point of the samples, or of the projection's (parity "
                                      "ratio's) Monte Carlo")),
                         from_row(col("high", "float64", "",
                                      "95 % point of the samples, or of the projection's (parity "
                                      "ratio's) Monte Carlo")),
                         col("n", "int64", "",
                             "number of samples (projections: 1 when available, else 0; parity: the Monte "
                             "Carlo's samples)"),
                     }),
               KindFrom::row),
      }};
}

Section parity_section() {
  return {
      "/parity",
      "Projections only; no measured number enters them. `ratio` = projected time on the "
      "reference ÷ projected time on the platform (> 1: faster than the reference).",
      {
          table("/parity", "one row per cell × platform (the host excluded)",
                {
                    key("cell", "cell id"),
                    col("workload", "string", "", "workload name"),
                    col("params", "string", "", "parameters, canonical JSON"),
                    key("platform", "the platform compared with the reference"),
                    col("verdict", "string", "",
                        "`above`, `parity`, `below`, `inconclusive` when the 5–95 % interval straddles the "
                        "band, "
                        "`unavailable` when a needed number is unknown"),
                    col("bound", "string", "", "the platform's bound"),
                    col("ratio_low", "float64", "", "speed ratio, 5 % of the joint Monte Carlo"),
                    col("ratio_nominal", "float64", "", "its median"),
                    col("ratio_high", "float64", "", "its 95 %"),
                    since(2,
                          col("ratio_envelope_low", "float64", "",
                              "worst-case envelope of the ratio, low (every input at its unfavourable end)")),
                    since(2, col("ratio_envelope_high", "float64", "", "worst-case envelope, high")),
                }),
          text("/parity@reference", N, "the reference platform"),
          number("/parity@band", "float64", "", N, "the parity band"),
          text("/parity@note", N, "how the ratio is defined"),
      }};
}

Section seed_statistics_section() {
  auto from_row = [](Column c) {
    c.unit_from = UnitFrom::row;
    return c;
  };
  return {"/seed_statistics",
          "Written when the experiment runs cells once per seed (`seeds:`): cells that differ only in "
          "their seed form a group, and each quantity of a group with two or more such cells (status "
          "`ok` or `invalid`) gets the mean over the seeds, the sample standard deviation and a 95% "
          "confidence interval of the mean (Student's t with n − 1 degrees of freedom). A `metric` row's "
          "value is the cell's scalar; a `measured` row's is the cell's median over its steps.",
          {
              with(table("/seed_statistics", "one row per seed group × quantity",
                         {
                             key("group", "group id: the cell id's hash with the seed left out"),
                             col("workload", "string", "", "workload name"),
                             col("params", "string", "", "parameters, canonical JSON"),
                             key("kind", "`metric` or `measured` (as in /summary)", Role::row_kind),
                             key("metric", "the quantity's name"),
                             col("unit", "string", "", "unit of the row's numbers", Role::unit),
                             col("value_kind", "string", "", "`numeric` or `timing`", Role::value_kind),
                             col("seeds", "string", "", "the seeds that entered, comma-separated"),
                             col("cells", "string", "", "their cell ids, comma-separated"),
                             col("n", "int64", "", "cells that entered"),
                             from_row(col("mean", "float64", "", "mean over the seeds")),
                             from_row(col("sd", "float64", "", "sample standard deviation (n − 1)")),
                             from_row(col("ci95_low", "float64", "", "mean − t(0.975, n − 1)·sd/√n")),
                             from_row(col("ci95_high", "float64", "", "mean + t(0.975, n − 1)·sd/√n")),
                             from_row(col("min", "float64", "", "smallest value over the seeds")),
                             from_row(col("max", "float64", "", "largest value over the seeds")),
                         }),
                   KindFrom::row),
          }};
}

Section projections_section() {
  return {
      "/projections",
      "The experiment's `projections:` section: paper-scale training runs projected by the performance "
      "model onto each platform and device count (`docs/projection.md`); nothing is measured. Written "
      "when the experiment has the section. Intervals are the 5 %, median and 95 % of a seeded Monte "
      "Carlo.",
      {
          since(2,
                table("/projections", "one row per entry × platform × device count",
                      {
                          key("id", "`ENTRY/PLATFORM/DEVICES`: the row's identity across runs"),
                          col("entry", "int64", "", "position of the entry in `projections:`"),
                          col("model", "string", "", "the model's name"),
                          col("model_file", "string", "", "the model file read"),
                          col("model_sha256", "string", "", "its SHA-256"),
                          col("platform", "string", "", "the platform projected onto"),
                          col("platform_sha256", "string", "", "its descriptor's SHA-256"),
                          col("devices", "int64", "", "device count"),
                          col("stack", "string", "", "software stack (data/model/constants.yaml)"),
                          col("plan", "string", "", "the plan projected (searched, or as given)"),
                          col("status", "string", "",
                              "`ok`; `invalid`: no plan fits or a needed number is unknown"),
                          col("reason", "string", "", "why invalid"),
                          col("reference", "string", "",
                              "the parity reference the ratio is against (empty: none)"),
                          col("verdict", "string", "", "parity verdict from the ratio's 5–95 % interval"),
                          col("breakdown", "string", "",
                              "ledger parts in s per step at nominal inputs (JSON object)"),
                          col("assumptions", "string", "", "what was assumed (e.g. an inter-node bandwidth)"),
                          col("global_batch", "float64", "", "sequences per step"),
                          col("seq_len", "float64", "", "sequence length"),
                          col("tokens", "float64", "", "token budget of the days figure (0: none)"),
                          col("micro_batches", "int64", "", "micro-batches per step"),
                          col("memory_gb", "float64", "GB", "projected memory per device"),
                          col("step_p5", "float64", "s", "step time, 5 %"),
                          col("step_median", "float64", "s", "median"),
                          col("step_p95", "float64", "s", "95 %"),
                          col("step_nominal_inputs", "float64", "s", "the step with every input nominal"),
                          col("step_envelope_low", "float64", "s", "worst-case envelope, low"),
                          col("step_envelope_high", "float64", "s", "worst-case envelope, high"),
                          col("mfu_p5", "float64", "", "model FLOP utilization, 5 %"),
                          col("mfu_median", "float64", "", "median"),
                          col("mfu_p95", "float64", "", "95 %"),
                          col("hfu_median", "float64", "", "hardware FLOP utilization, median"),
                          col("tokens_per_second", "float64", "1/s", "tokens per second, median"),
                          col("days_p5", "float64", "d", "days for the token budget, 5 %"),
                          col("days_median", "float64", "d", "median"),
                          col("days_p95", "float64", "d", "95 %"),
                          col("ratio_p5", "float64", "", "t(reference) / t(platform), joint, 5 %"),
                          col("ratio_median", "float64", "", "median"),
                          col("ratio_p95", "float64", "", "95 %"),
                          col("ratio_envelope_low", "float64", "", "worst-case envelope of the ratio, low"),
                          col("ratio_envelope_high", "float64", "", "high"),
                          col("monte_carlo_samples", "int64", "", "samples of the Monte Carlo"),
                          col("monte_carlo_seed", "int64", "", "its seed"),
                      })),
          since(2, text("/projections@note", N, "what the columns hold")),
      }};
}

std::vector<Section> declare() {
  return {root_attributes_section(), environment_section(), platforms_section(), cell_section(),
          measured_section(),        validation_section(),  metrics_section(),   series_and_arrays_section(),
          ledger_section(),          projected_section(),   summary_section(),   seed_statistics_section(),
          parity_section(),          projections_section()};
}

}  // namespace

const std::vector<Section>& sections() {
  static const std::vector<Section> s = declare();
  return s;
}

const std::vector<const Entry*>& entries() {
  static const std::vector<const Entry*> all = [] {
    std::vector<const Entry*> v;
    for (const auto& sec : sections())
      for (const auto& e : sec.entries) v.push_back(&e);
    return v;
  }();
  return all;
}

// ------------------------------------------------------------------------------------------------
// Matching

bool matches(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return path.empty();
  if (pattern.front() != '{') {
    return !path.empty() && path.front() == pattern.front() && matches(pattern.substr(1), path.substr(1));
  }
  const auto close = pattern.find('}');
  if (close == std::string_view::npos) return false;
  const bool many = pattern.substr(0, close).size() > 3 && pattern.substr(close - 3, 3) == "...";
  const std::string_view rest = pattern.substr(close + 1);
  // One or more characters; a single segment stops at '/', any stops at '@'.
  for (std::size_t n = 1; n <= path.size(); ++n) {
    const char c = path[n - 1];
    if (c == '@' || (!many && c == '/')) break;
    // The rest can only match where its first literal character does (most writes go through
    // here: a cell id is tried at every length otherwise).
    if (!rest.empty() && rest.front() != '{' && (n == path.size() || path[n] != rest.front())) continue;
    if (matches(rest, path.substr(n))) return true;
  }
  return false;
}

namespace {
// A pattern's literal text before its first placeholder and after its last one: a path it
// matches starts and ends with them. Checking both first skips almost every entry of the scan
// at the cost of two comparisons (find runs for every value the writer stores).
struct Literals {
  std::string_view head, tail;
};
const std::vector<Literals>& entry_literals() {
  static const std::vector<Literals> all = [] {
    std::vector<Literals> v;
    for (const Entry* e : entries()) {
      const std::string_view p = e->path;
      const auto open = p.find('{'), close = p.rfind('}');
      if (open == std::string_view::npos)
        v.push_back({p, {}});
      else
        v.push_back({p.substr(0, open), p.substr(close + 1)});
    }
    return v;
  }();
  return all;
}
bool starts_with(std::string_view s, std::string_view x) { return s.substr(0, x.size()) == x; }
bool ends_with(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}
}  // namespace

const Entry* find(std::string_view path) {
  const auto& all = entries();
  const auto& lit = entry_literals();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!starts_with(path, lit[i].head) || !ends_with(path, lit[i].tail)) continue;
    if (matches(all[i]->path, path)) return all[i];
  }
  return nullptr;
}

Resolved resolve(std::string_view path) {
  if (const Entry* e = find(path)) return {e, nullptr};
  const auto cut = path.find_last_of('/');
  if (cut == std::string_view::npos || path.find('@') != std::string_view::npos) return {};
  const std::string_view row = path.substr(0, cut), column = path.substr(cut + 1);
  for (const Entry* e : entries()) {
    if (e->node != Node::table) continue;
    const Column* c = e->column(column);
    if (c && matches(e->path + "/{row...}", row)) return {e, c};
  }
  return {};
}

bool timing_unit(std::string_view u) {
  return u == "s" || u == "ms" || u == "us" || u == "ns" || ends_with(u, "/s");
}

Kind kind_for_unit(std::string_view unit) { return timing_unit(unit) ? Kind::timing : Kind::numeric; }

// ------------------------------------------------------------------------------------------------
// Classification

Classified classify(const Probe& p) {
  Classified c;
  const Resolved r = resolve(p.path);
  if (!r.entry) return c;  // undeclared: compared
  c.entry = r.entry;
  c.since = r.since();
  const Entry& e = *r.entry;
  auto by_value = [&](const char* what) {
    if (auto k = parse_kind(p.stored_kind)) {
      c.kind = *k;
      c.why = std::string(to_string(*k)) + " (declared by the " + what + ")";
    } else {
      c.kind = kind_for_unit(p.unit);
      c.why = c.kind == Kind::timing ? "timing (unit " + p.unit + ")" : "";
    }
  };
  switch (e.kind_from) {
    case KindFrom::fixed:
      c.kind = e.kind;
      if (e.path.rfind("/@", 0) == 0)
        c.why = e.kind == P ? "root provenance" : e.kind == T ? "timestamp" : "experiment identity";
      else if (c.kind == T)
        c.why = e.type == "string" ? "timestamp" : "timing (" + e.path + ")";
      else if (c.kind == P)
        c.why = "provenance (" + e.path + ")";
      break;
    case KindFrom::object: by_value("dataset"); break;
    case KindFrom::row:
      if (parse_kind(p.stored_kind) || (p.row_kind != "projected" && p.row_kind != "model_error")) {
        by_value("row");
      } else if (p.row_kind == "model_error") {  // schema 1 files: no value_kind column
        c.kind = T, c.why = "model error against the measured time";
      }
      break;
    case KindFrom::platform: {
      // "/platforms/NAME..." → NAME
      const std::string_view rest = std::string_view(p.path).substr(std::string_view("/platforms/").size());
      const std::string name(rest.substr(0, rest.find_first_of("/@")));
      std::optional<std::string> kind;
      if (p.attribute) kind = p.attribute("/platforms/" + name + "@kind");
      const bool host = kind ? *kind == "host" : name == "host";
      c.kind = host ? P : e.kind;
      if (host) c.why = "the machine that ran";
      break;
    }
  }
  return c;
}

// ------------------------------------------------------------------------------------------------
// Descriptions

namespace {

std::string unit_text(UnitFrom from, const std::string& unit) {
  switch (from) {
    case UnitFrom::none: return "";
    case UnitFrom::fixed: return unit.empty() ? "`\"\"`" : "`" + unit + "`";
    case UnitFrom::object: return "its `@unit`";
    case UnitFrom::row: return "the row's `unit`";
  }
  return "";
}

std::string kind_text(const Entry& e) {
  switch (e.kind_from) {
    case KindFrom::fixed: return std::string(to_string(e.kind));
    case KindFrom::object: return "its `@kind`";
    case KindFrom::row: return "the row's `value_kind`";
    case KindFrom::platform: return "numeric; the host: provenance";
  }
  return "";
}

std::string cell(std::string s) {
  std::string o;
  for (char ch : s) o += ch == '|' ? std::string("\\|") : ch == '\n' ? std::string(" ") : std::string(1, ch);
  return o;
}

std::string role_text(const Column& c) {
  std::string r = c.key ? "key" : "";
  const char* what = c.role == Role::unit         ? "unit of the row"
                     : c.role == Role::row_kind   ? "what the row is"
                     : c.role == Role::value_kind ? "kind of the row"
                                                  : "";
  if (*what) r += (r.empty() ? "" : ", ") + std::string(what);
  return r;
}

}  // namespace

std::string markdown() {
  std::string s;
  s += "<!-- Generated by `xpubench schema --format md` from core/results/schema.cpp; do not edit by hand.\n"
       "     The test schema.doc_current fails when this file differs from the generated text. -->\n";
  s += "# Result set schema (`" + std::string(kName) + "`, version " + std::to_string(kVersion) + ")\n\n";
  s += "A result set is one HDF5 file written by `xpubench run`. Every finished cell is saved at once\n"
       "in the run's journal, `FILE.parts/cells.journal` (its record appended and `fdatasync`ed), and\n"
       "the journal is merged into the file in one atomic rewrite — at the end of the run, and during\n"
       "it once 10 s have passed since the last merge and 20 times the merge's estimated cost, so that\n"
       "merging takes at most about 5% of a long sweep and a cell's cost does not grow with the cells\n"
       "before it. Every rewrite is built in memory, written to a temporary file with every write\n"
       "checked, `fsync`ed and renamed into place, so a run killed at any moment — `kill -9` or a full\n"
       "disk included — leaves the last complete file and, beside it, every cell finished since.\n"
       "`xpubench run --resume` merges what the journal holds, skips cells whose status is `ok` or\n"
       "`invalid`, and runs the rest (`failed` and `skipped` cells included). While a run is going (or\n"
       "after it was killed) a reader of the file sees the cells of the last merge.\n\n"
       "The journal is an internal file of the writer, read only by `--resume` and by the readers'\n"
       "note on unmerged cells: an 8-byte magic `XPBJRNL\\0`, the format (uint32, 1), a byte-order\n"
       "mark (uint32 0x01020304), the experiment's SHA-256 (uint64 length, bytes), then one entry per\n"
       "cell: the payload's length (uint64), its CRC-32 (uint32, as zlib computes it), the payload:\n"
       "the cell id (uint64 length, bytes) first, then the record's fields in the order of\n"
       "`core/results/record_journal.cpp`. Integers are in the writer's byte order. A last entry\n"
       "whose length or checksum does not hold is a write cut short, and is ignored.\n\n"
       "Under MPI (`docs/distributed.md`) only rank 0 writes this file; a cell led by another rank goes\n"
       "to `FILE.parts/<cell-id>.h5`, a one-cell result set of the same layout. Rank 0 absorbs these\n"
       "fragments after each phase of the run and removes the folder at the end; `--resume` absorbs\n"
       "any that a crashed run left behind before running anything. A run without `--resume` refuses\n"
       "to start while the journal or the fragments hold finished cells (the error counts them);\n"
       "`--force` discards them, with a warning that counts them.\n\n"
       "This page is generated from the declaration in `core/results/schema.cpp`, which the writer,\n"
       "the readers (`--resume`, `analysis/`, `analysis/plots/xpb_results.py`) and `xpubench compare`\n"
       "all use; `xpubench schema --format json` gives the same in machine-readable form.\n\n"
       "## Conventions\n\n"
       "- **Paths**: `{x}` stands for one path segment (a cell id, a platform or a value name), `{x...}`\n"
       "  for one or more; `OBJECT@name` is an attribute of OBJECT (`/@name`: of the root).\n"
       "- **Types**: strings are variable-length UTF-8; numbers little-endian float64 or int64; tables\n"
       "  are compound datasets, one row per element.\n"
       "- **Units**: every dataset carries a `unit` attribute. Dimensionless quantities (counts, ratios,\n"
       "  utilizations) have the unit `\"\"` (the empty string), written explicitly. Table columns have\n"
       "  the unit given here; strings and groups have none.\n"
       "- **Kinds** tell `xpubench compare` what must reproduce (`docs/reproducibility.md`):\n"
       "  `numeric` values are compared; `timing` values (wall-clock figures, timestamps, anything\n"
       "  computed from them) only with `--timings`; `provenance` differences are listed, not\n"
       "  counted. A value a workload reports carries its own `kind` attribute: `timing` when its unit\n"
       "  is a time (`s`, `ms`, `us`, `ns`) or a rate per second (`GB/s`), else `numeric`.\n"
       "- **Versions**: formats are additive; readers ignore what they do not know. Renaming or\n"
       "  removing a path, or changing its meaning, bumps `schema_version`. Readers accept every\n"
       "  version from " +
       std::to_string(kOldestReadable) +
       " to their own; `since` says which version introduced\n"
       "  a path, and `xpubench compare` lists a path that is missing from a file older than that\n"
       "  as new, without counting it.\n\n"
       "Version 2 (this one) against version 1: every dataset has `@unit`, reported values have `@kind`;\n"
       "`validation@max_rel_err` and `@tolerance` only for checks that compare numbers; the\n"
       "projection's `hfu` and per-kernel `kernels` table; `/summary` column `value_kind`. Projections\n"
       "are a seeded Monte Carlo: ranges are 5 %, median, 95 % (version 1: the descriptors' extremes),\n"
       "with `step_seconds_envelope`, `step_seconds_nominal_inputs` and `@monte_carlo_samples`/`_seed`;\n"
       "`/summary` rows of kind `parity`; `/parity` columns `ratio_envelope_low`/`_high`; `/projections`.\n";
  for (const auto& sec : sections()) {
    s += "\n## " + sec.title + "\n\n";
    if (!sec.intro.empty()) s += sec.intro + "\n\n";
    s += "| path | type | unit | kind | since | meaning |\n|---|---|---|---|---|---|\n";
    std::string tables;
    for (const auto& e : sec.entries) {
      s += "| `" + e.path + "` | " + (e.node == Node::group ? "group" : e.type) + " | " +
           unit_text(e.unit_from, e.unit) + " | " + kind_text(e) + " | " + std::to_string(e.since) + " | " +
           cell(e.doc) + " |\n";
      if (e.node != Node::table) continue;
      tables += "\nColumns of `" + e.path +
                "`:\n\n| column | type | unit | role | since | meaning |\n"
                "|---|---|---|---|---|---|\n";
      for (const auto& c : e.columns)
        tables += "| `" + c.name + "` | " + c.type + " | " + unit_text(c.unit_from, c.unit) + " | " +
                  role_text(c) + " | " + std::to_string(c.since) + " | " + cell(c.doc) + " |\n";
    }
    s += tables;
  }
  return s;
}

std::string json() {
  using J = nlohmann::ordered_json;
  J root;
  root["schema"] = kName;
  root["version"] = kVersion;
  root["oldest_readable"] = kOldestReadable;
  root["dimensionless_unit"] = "";
  root["timing_units"] = {"s", "ms", "us", "ns"};
  root["timing_unit_suffix"] = "/s";
  root["kinds"] = {"numeric", "timing", "provenance"};
  J list = J::array();
  auto unit_from = [](UnitFrom u) {
    switch (u) {
      case UnitFrom::none: return "none";
      case UnitFrom::fixed: return "fixed";
      case UnitFrom::object: return "object";
      case UnitFrom::row: return "row";
    }
    return "?";
  };
  auto kind_from = [](KindFrom k) {
    switch (k) {
      case KindFrom::fixed: return "fixed";
      case KindFrom::object: return "object";
      case KindFrom::row: return "row";
      case KindFrom::platform: return "platform";
    }
    return "?";
  };
  for (const auto& sec : sections()) {
    for (const auto& e : sec.entries) {
      J j;
      j["path"] = e.path;
      j["node"] = std::string(to_string(e.node));
      j["type"] = e.type;
      j["unit"] = e.unit;
      j["unit_from"] = unit_from(e.unit_from);
      j["kind"] = std::string(to_string(e.kind));
      j["kind_from"] = kind_from(e.kind_from);
      j["since"] = e.since;
      j["section"] = sec.title;
      j["doc"] = e.doc;
      if (e.node == Node::table) {
        J cols = J::array();
        for (const auto& c : e.columns) {
          J cj;
          cj["name"] = c.name;
          cj["type"] = c.type;
          cj["unit"] = c.unit;
          cj["unit_from"] = unit_from(c.unit_from);
          cj["role"] = c.role == Role::value      ? "value"
                       : role_text(c) == "key"    ? "key"
                       : c.role == Role::unit     ? "unit"
                       : c.role == Role::row_kind ? "row_kind"
                                                  : "value_kind";
          cj["since"] = c.since;
          cj["doc"] = c.doc;
          cols.push_back(cj);
        }
        j["columns"] = cols;
      }
      list.push_back(j);
    }
  }
  root["entries"] = list;
  return root.dump(1) + "\n";
}

}  // namespace xpb::schema
