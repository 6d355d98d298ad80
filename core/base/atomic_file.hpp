// core/base/atomic_file.hpp — replacing a file's contents all at once, or not at all.
// write_file_atomically() writes to a temporary file beside the target, checks every write,
// fsyncs and renames it over the target; on any failure (disk full, I/O error, permissions) the
// temporary is removed, the target is left as it was, and xpb::Error says why. It does not lock:
// two writers of one path race, and the last rename wins.
#pragma once

#include <string>
#include <string_view>

namespace xpb {

// The temporary file write_file_atomically() uses for `path` in this process.
std::string temp_path_for(const std::string& path);

// Removes the temporary files (`<path>.tmp.<pid>`) of processes that no longer run: what a kill
// during a write leaves behind. Returns how many it removed. A live process's file is kept.
int remove_stale_temp_files(const std::string& path);
// The same for every `*.tmp.<pid>` file of a dead process in the folder `dir` (a journal's).
int remove_stale_temp_files_in(const std::string& dir);

// Replaces the file at `path` with `bytes` (creating it when absent). `what` names the file in
// error messages ("the result set", "the report").
void write_file_atomically(const std::string& path, std::string_view bytes,
                           const std::string& what = "the file");

}  // namespace xpb
