// core/results/record_journal.hpp — the writer's journal of finished cells, `OUTPUT.parts/cells.journal`.
// Each finished cell's CellRecord is serialised, appended to this one file with its length and
// CRC-32, and fdatasync'ed before ResultStore::commit returns: the cell survives a kill or a
// power cut from then on, and saving it costs one write and one sync whatever the sweep's size
// (no file created, renamed or directory synced per cell). The HDF5 result set is built from the
// records only when the journal is merged (core/results/result_store.hpp). A write cut short (a
// kill during append, a full disk) leaves at most a torn last entry, which the reader recognises
// by its length or checksum and ignores. The layout is in docs/results-schema.md.
//
// Every field of CellRecord is listed once, in record_journal.cpp's fields() overloads, for both
// directions; a field added to CellRecord (or to a struct it holds) goes there too, and into the
// record that tests/analysis/test_record_journal.cpp fills completely.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/experiment/experiment.hpp"
#include "core/results/result_store.hpp"

namespace xpb {

// Where the writer of `output` keeps its journal (inside fragment_dir(output)).
std::string journal_path(const std::string& output);

// A record as bytes, and back. The cell is stored by id and taken from `spec` when read (a record
// holds the experiment's cell unchanged); an unknown id or bytes that do not decode throw Error.
std::string serialize_record(const CellRecord& rec);
CellRecord deserialize_record(std::string_view bytes, const ExperimentSpec& spec);

struct JournalContents {
  std::size_t entries = 0;        // records read
  std::uint64_t valid_bytes = 0;  // the header and the complete entries
  std::uint64_t torn_bytes = 0;   // a damaged or incomplete tail after them
};

// Reads the journal at `path` one record at a time, in the order appended, handing each to
// `visit` (absent: nothing). Throws Error naming the file when it is not a journal this xpubench
// writes, or belongs to another experiment, or a complete entry does not decode.
JournalContents for_each_record(const std::string& path, const ExperimentSpec& spec,
                                const std::function<void(CellRecord&&)>& visit);
// The same, the records appended to `out`.
JournalContents read_journal(const std::string& path, const ExperimentSpec& spec,
                             std::vector<CellRecord>& out);
// Complete entries in the journal at `path`, not decoded (0 when absent or not a journal).
std::size_t count_journal_entries(const std::string& path);

class JournalWriter {
 public:
  // Starts the journal at `path` afresh: its header is written to a temporary file, synced and
  // renamed over whatever was there (a journal is merged into the result set, then deleted,
  // before a new one starts), then the file is opened for appending.
  JournalWriter(std::string path, const std::string& experiment_sha256);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  // Appends `rec` and syncs it. On failure the file is cut back to its previous entries and
  // Error says why (a full disk: "free some space").
  void append(const CellRecord& rec);
  // Closes and deletes the journal (once its records are in the result set).
  void remove();

 private:
  std::string m_path;
  int m_fd = -1;
  std::uint64_t m_size = 0;
};

}  // namespace xpb
