// core/results/result_store.hpp — the HDF5 result set (layout: core/results/schema.cpp).
// A committed cell is appended at once to the run's journal (core/results/record_journal.hpp);
// the file is rewritten atomically from time to time with the journal's cells merged in (built in
// memory, written to a temporary file with every write checked, fsynced, then renamed), so a kill,
// a full disk or an I/O error at any moment leaves the previous complete file and the journal.
// Reading back for analysis lives in analysis/; this file writes, and reads only what resume needs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <hdf5.h>

#include "core/base/output_path.hpp"
#include "core/experiment/experiment.hpp"
#include "core/model/projector.hpp"
#include "core/platforms/platform.hpp"
#include "core/plugin/ledger.hpp"
#include "core/plugin/metrics.hpp"
#include "core/results/provenance.hpp"

namespace xpb {

class JournalWriter;

// How a cell ended: ran and passed its self-check; ran (or was set up) and its numbers are not
// valid (a failed validation is data); did not run (an exception); or was not run because it
// needs more MPI ranks than the run had (WorkloadInfo::min_ranks): set up and projected from its
// ledger, nothing measured. Strings only in the file.
enum class CellStatus { ok, invalid, failed, skipped };
std::string_view to_string(CellStatus s);
std::optional<CellStatus> parse_cell_status(std::string_view s);
// Whether a cell with this status stays done on --resume (ok and invalid do; failed and skipped
// run again: a resume with more ranks measures what was skipped).
inline bool is_done(CellStatus s) { return s == CellStatus::ok || s == CellStatus::invalid; }
// Whether a cell with this status fails the run (exit 1): invalid and failed do.
inline bool is_bad(CellStatus s) { return s == CellStatus::invalid || s == CellStatus::failed; }

struct CellRecord {
  Cell cell;
  CellStatus status = CellStatus::ok;
  std::string reason;  // why invalid or failed; what was validated when ok
  std::string started_utc, finished_utc;
  std::vector<double> warmup_seconds, step_seconds;  // per step
  // How the timed repeats were taken (provenance, core/run/runner.hpp): step() calls per timed
  // repeat (each step_seconds value is its repeat's time / iterations), the min_time that chose
  // that count (0: none in force, one call per repeat), and the seconds all timed repeats took.
  std::int64_t iterations = 1;
  double min_time = 0, timed_seconds = 0;
  // Bytes the workload held in Kokkos allocations after setup (its working set; 0: not counted).
  double working_set_bytes = 0;
  // A training workload's cell: its kernels split their data differently between threads and read
  // what other cores wrote (ProjectOptions::handoff). Set by the runner, not stored.
  bool training = false;
  std::vector<std::pair<std::string, std::vector<double>>> step_values;  // StepResult values
  std::map<std::string, std::string> step_units;                         // units of step values, by name
  std::map<std::string, MetricKind> step_kinds;  // declared kinds of step values, by name
  Validation validation;
  Metrics metrics;
  Ledger ledger;
  Ledger ledger_as_run;  // what this host ran, when it differs from `ledger` (Workload::ledger_as_run)
  std::vector<Projection> projections;  // one per platform of the experiment
  std::optional<double> model_error;    // host self-check: projected / measured − 1
  // Speed ratio t(reference) / t(platform) per platform, taken sample by sample from the two
  // projections' Monte Carlo (attach_parity); summarised as /summary rows of kind "parity".
  std::string parity_reference;
  std::vector<std::pair<std::string, Estimate>> parity;
  // The host while the cell ran, and whether its timings are noisy (core/run/noise.hpp). A noisy
  // cell keeps its status: its numbers are valid, only less precise.
  std::optional<double> load_start, load_end;  // 1-minute load average at cell start and end
  std::string cpu_freq, cpu_governor;          // "unreadable" when the system does not say
  std::optional<double> dispersion;            // IQR / median of step_seconds
  std::vector<std::string> noise_reasons;      // empty: not noisy
};

// Joint ratios of every projected platform against `reference` (when the cell projected onto it).
void attach_parity(CellRecord& rec, const std::string& reference);

// One row of /summary (one per cell × metric). low/high bound the whole range: min/max of
// samples; for a projection or a parity ratio, the 5 % and 95 % points of its Monte Carlo.
struct SummaryRow {
  std::string cell, workload, params;
  CellStatus status = CellStatus::ok;
  std::string kind, metric, unit, platform, note;
  std::string value_kind;  // schema::Kind of the numbers: numeric or timing
  double median = 0, q1 = 0, q3 = 0, min = 0, max = 0, mean = 0, last = 0, low = 0, high = 0;
  long long n = 0;
};

// Unit of a per-step value, as its workload declared it (CellRecord::step_units).
std::string step_value_unit(const CellRecord& rec, const std::string& name);

// Statistics of samples (median, quartiles by linear interpolation).
SummaryRow describe(const std::vector<double>& v);
std::vector<SummaryRow> summarize(const CellRecord& rec);

// The /summary table of an open result file (empty when absent).
std::vector<SummaryRow> read_summary(hid_t file);

// One row of /projections: a paper-scale training run (an experiment's `projections:` entry)
// projected onto one platform and device count. Intervals are 5 %, median, 95 % of the Monte
// Carlo; the ratio is t(reference) / t(platform), joint sample by sample.
struct PlanProjection {
  long long entry = 0, devices = 0, micro_batches = 0, samples = 0, seed = 0;
  std::string model, model_file, model_sha256, platform, platform_sha256, stack, plan;
  CellStatus status = CellStatus::ok;  // ok: a plan was projected; invalid: none (reason says why)
  std::string reason, reference, verdict, breakdown, assumptions;
  double global_batch = 0, seq_len = 0, tokens = 0, memory_gb = 0;
  double step_p5 = 0, step_median = 0, step_p95 = 0, step_nominal = 0, step_envelope_low = 0,
         step_envelope_high = 0;
  double mfu_p5 = 0, mfu_median = 0, mfu_p95 = 0, hfu_median = 0, tokens_per_second = 0;
  double days_p5 = 0, days_median = 0, days_p95 = 0;
  double ratio_p5 = 0, ratio_median = 0, ratio_p95 = 0, ratio_envelope_low = 0, ratio_envelope_high = 0;
};

struct RunHeader {
  const ExperimentSpec* spec = nullptr;
  Provenance provenance;
  std::vector<Platform> platforms;
  std::string workloads_built;
};

class ResultStore {
 public:
  // Creates `path` (or, with resume, keeps its completed cells). Throws xpb::Error when `path`
  // holds another experiment's results and `force` is false, or exists and neither resume nor
  // force is given, or when the journal `<path>.parts/` of an earlier run holds completed cells
  // and neither is given (--resume merges them, --force discards them).
  // The writer refuses a path that is not a regular file (core/base/output_path.hpp), holds a
  // lock on it for its lifetime (a second writer of the same path is refused) and removes the
  // temporary files of killed writers.
  // A store that is not the writer (MPI ranks other than 0) reads what resume needs and never
  // writes.
  ResultStore(std::string path, RunHeader header, bool resume, bool force, bool writer = true);
  // Merges what the journal holds (best effort: a failure leaves it for --resume).
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;
  ResultStore(ResultStore&&) noexcept;  // the moved-from store's journal is empty: it flushes nothing
  ResultStore& operator=(ResultStore&&) = delete;  // would drop this store's journal unmerged
  // Ids of cells already in the file with status ok or invalid (resume skips them).
  const std::set<std::string>& done() const { return m_done; }
  // Adds (or replaces) a cell. The cell's record is appended at once to the journal
  // `<path>.parts/cells.journal` and synced (its cost does not depend on how many cells came
  // before), and the journal is merged into the file in one atomic rewrite once kFlushSeconds
  // have passed since the last one and kFlushRatio times the rewrite's estimated cost: rewriting
  // then takes at most about 1/kFlushRatio of the run however long the sweep. A kill at any moment
  // loses no committed cell: `--resume` merges what the journal holds.
  void commit(const CellRecord& rec);
  // Merges the journal into the file now (the end of a run; set_projections does it too).
  void flush();
  static constexpr double kFlushSeconds = 10.0;
  static constexpr double kFlushRatio = 20.0;
  // Writes `rec` alone as a complete result set at `path` (a fragment, see fragment_path), in one
  // atomic write.
  static void write_single(const std::string& path, const RunHeader& header, const CellRecord& rec);
  // Adds the cells of other result files of the same experiment (fragments written by other MPI
  // ranks, see fragment_path) in one atomic rewrite, then deletes those files. Returns how many
  // cells were added. Files that are not complete result sets of this experiment are left alone.
  int absorb(const std::vector<std::string>& fragment_files);
  const std::vector<SummaryRow>& summary() const { return m_rows; }
  // Cells in the journal and fragments (`<path>.parts/`) of an earlier run that this fresh run (not --resume,
  // with --force) found and will discard; without --force the constructor refuses them instead.
  std::size_t discarded_journal() const { return m_discarded; }
  // Stores the experiment's projected training plans (/projections) and rewrites the file.
  void set_projections(std::vector<PlanProjection> rows);

 private:
  ResultStore(std::string path, RunHeader header);  // a store that writes one file once (write_single)
  // Writes the file anew: its cells, then `rec` (write_single's one cell), then (with_journal) the
  // journal's records read back one at a time, then the cells of `fragments`. The summary rows of
  // `rec` and of the journal's records are already in m_rows.
  void rewrite(const CellRecord* rec, bool with_journal = false,
               const std::vector<std::string>& fragments = {});
  void note_pending(const std::string& id, CellStatus status, std::vector<SummaryRow> rows);
  void mark_present(const std::string& id, CellStatus status);  // m_present, and m_done by status
  void merge_pending(const std::vector<std::string>& fragments = {});
  std::string m_path;
  RunHeader m_header;
  std::set<std::string> m_done;               // ok/invalid cells present in the file
  std::set<std::string> m_present;            // all cells present in the file or in its journal
  std::set<std::string> m_in_file;            // the cells in the file itself
  std::set<std::string> m_pending;            // committed cells in the journal, not yet in the file
  std::unique_ptr<JournalWriter> m_journal;   // this run's journal, while it holds cells
  double m_last_flush = 0, m_flush_cost = 0;  // monotonic end of the last rewrite; its seconds
  std::size_t m_flush_cells = 0;              // cells the last rewrite wrote
  double m_append_seconds = 0;                // time spent appending to the journal,
  long long m_appends = 0;                    // and how many appends
  std::vector<SummaryRow> m_rows;             // summary of all present cells
  long long m_resumes = 0;
  std::size_t m_discarded = 0;  // see discarded_journal()
  bool m_writer = true;
  std::vector<PlanProjection> m_projections;
  std::unique_ptr<OutputLock> m_lock;  // the writer's, for the store's lifetime
};

// Where a rank other than 0 writes the cell it ran in a distributed run: a one-cell result set
// in the folder `<output>.parts/`, absorbed by rank 0 (and by a later --resume).
std::string fragment_dir(const std::string& output);
std::string fragment_path(const std::string& output, const std::string& cell_id);
// The complete fragments in that folder (temporary files of an interrupted write excluded).
std::vector<std::string> list_fragments(const std::string& output);

// Parity rows (per cell × platform) from summary rows: ratio to the reference and verdict.
struct ParityRow {
  std::string cell, workload, params, platform, verdict, bound;
  double low = 0, nominal = 0, high = 0;       // 5 %, median, 95 % of the joint ratio
  double envelope_low = 0, envelope_high = 0;  // worst case: every input at one end
};
// `hosts`: the platforms of kind host (the model's self-check), which get no parity row.
std::vector<ParityRow> parity_rows(const std::vector<SummaryRow>& rows, const std::string& reference,
                                   double band, const std::set<std::string>& hosts);

}  // namespace xpb
