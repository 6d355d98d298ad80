// core/results/hdf5_util.hpp — a thin RAII layer over the HDF5 C API for what result sets need.
// Handles close themselves; writers create attributes and 1-D datasets; readers return empty or
// nullopt when something is absent. Errors are xpb::Error naming the file and object path.
#pragma once

#include <hdf5.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace xpb::h5 {

class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : m_id(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : m_id(o.m_id) { o.m_id = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) reset(), m_id = o.m_id, o.m_id = H5I_INVALID_HID;
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return m_id; }
  operator hid_t() const { return m_id; }
  bool valid() const { return m_id >= 0; }
  void reset();

 private:
  hid_t m_id = H5I_INVALID_HID;
};

// Silence HDF5's automatic error stack printing for the life of the process.
void quiet_errors();

Handle create_file(const std::string& path);  // truncates
// A file that lives in memory only (HDF5's core driver, no backing store). Result sets are built
// this way and reach the disk through file_image() + write_file_atomically(), so every byte that
// touches the disk goes through one checked write path.
Handle create_memory_file();
// The bytes of an open file (flushed first), as they would be on disk.
std::string file_image(hid_t file);
Handle open_file(const std::string& path, bool write = false);
bool is_hdf5(const std::string& path);

// Reading a result set someone hands us (report, compare, verify, plot). check_input_file() tells
// apart a missing file, a directory, a special file, an unreadable, empty, non-HDF5 or damaged
// one, each an xpb::Error naming the file. guarded_read() runs `read` once in a child process
// (libhdf5 1.10 crashes on some damaged files, and a loop of links can keep a walker busy) and then
// for real; an error without a file gets this one, and what a library throws (bad_alloc,
// length_error) becomes an xpb::Error naming the file.
void check_input_file(const std::string& path, const std::string& hint);
// The child's time limit grows with the file: 10 s + 10 s per MB, at most 120 s.
void guarded_read(const std::string& path, const std::function<void()>& read);
// An object's identity in its file (its address or token), to notice a link loop.
std::string object_identity(hid_t loc, const std::string& name);

bool exists(hid_t loc, const std::string& path);          // link exists (intermediate groups checked)
Handle create_group(hid_t loc, const std::string& name);  // creates intermediate groups
Handle open_group(hid_t loc, const std::string& name);
std::vector<std::string> children(hid_t group);  // names, sorted

void attr(hid_t obj, const std::string& name, const std::string& value);
void attr(hid_t obj, const std::string& name, long long value);
void attr_double(hid_t obj, const std::string& name, double value);
std::optional<std::string> read_attr_string(hid_t obj, const std::string& name);
std::optional<long long> read_attr_int(hid_t obj, const std::string& name);
std::optional<double> read_attr_double(hid_t obj, const std::string& name);
std::vector<std::string> attr_names(hid_t obj);

// 1-D float64 dataset (gzip + shuffle when large), with optional "unit" attribute.
void write_doubles(hid_t loc, const std::string& name, const std::vector<double>& v,
                   const std::string& unit = {}, const std::vector<std::size_t>& shape = {});
std::vector<double> read_doubles(hid_t loc, const std::string& name);
std::vector<std::size_t> dataset_shape(hid_t loc, const std::string& name);

// Copy an object (group with everything below) from one file into another.
void copy(hid_t src_loc, const std::string& src_name, hid_t dst_loc, const std::string& dst_name);

// A table of string and number columns as a compound dataset (one row per element).
struct Table {
  std::vector<std::string> string_columns;
  std::vector<std::string> double_columns;
  std::vector<std::string> int_columns;
  std::vector<std::vector<std::string>> strings;  // strings[row][col]
  std::vector<std::vector<double>> doubles;
  std::vector<std::vector<long long>> ints;
};
void write_table(hid_t loc, const std::string& name, const Table& t);
Table read_table(hid_t loc, const std::string& name);

}  // namespace xpb::h5
