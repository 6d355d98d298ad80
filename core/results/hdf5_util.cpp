// core/results/hdf5_util.cpp — HDF5 C API wrappers: files, groups, attributes, datasets, tables.
#include "core/results/hdf5_util.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <new>

#include "core/base/crash_probe.hpp"
#include "core/base/error.hpp"

namespace xpb::h5 {

namespace {

void check(herr_t rc, const std::string& what) {
  if (rc < 0) throw Error({}, "HDF5 error: " + what);
}

hid_t vlen_string_type() {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

// HDF5's own metadata checksum (Jenkins' lookup3), exported by every libhdf5 since 1.8 though not
// declared in its public headers. Default visibility spelled out: nvcc 13 (the CUDA build) marks
// this undefined reference hidden otherwise, and the link then fails ("hidden symbol ... isn't
// defined").
#if defined(__GNUC__) || defined(__clang__)
extern "C" __attribute__((visibility("default"))) uint32_t H5_checksum_metadata(const void* data, size_t len,
                                                                                uint32_t initval);
#else
extern "C" uint32_t H5_checksum_metadata(const void* data, size_t len, uint32_t initval);
#endif

// HDF5 1.10's H5Fget_file_image() clears the "open for writing" flags in a version 2/3
// superblock but leaves the checksum computed with them set, so the image does not open. Recompute
// it (a no-op where the library got it right).
void fix_superblock_checksum(std::string& img) {
  if (img.size() < 12 || img.compare(0, 8, "\x89HDF\r\n\x1a\n") != 0) return;
  const auto version = static_cast<unsigned char>(img[8]);
  if (version != 2 && version != 3) return;
  const std::size_t offsets = static_cast<unsigned char>(img[9]);
  const std::size_t body = 12 + 4 * offsets;  // signature .. root object header address
  if (img.size() < body + 4) return;
  const uint32_t sum = H5_checksum_metadata(img.data(), body, 0);
  for (int i = 0; i < 4; ++i)
    img[body + static_cast<std::size_t>(i)] = static_cast<char>((sum >> (8 * i)) & 0xff);
}

}  // namespace

void Handle::reset() {
  if (m_id < 0) return;
  switch (H5Iget_type(m_id)) {
    case H5I_FILE: H5Fclose(m_id); break;
    case H5I_GROUP: H5Gclose(m_id); break;
    case H5I_DATASET: H5Dclose(m_id); break;
    case H5I_DATASPACE: H5Sclose(m_id); break;
    case H5I_DATATYPE: H5Tclose(m_id); break;
    case H5I_ATTR: H5Aclose(m_id); break;
    case H5I_GENPROP_LST: H5Pclose(m_id); break;
    default: break;
  }
  m_id = H5I_INVALID_HID;
}

void quiet_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle create_file(const std::string& path) {
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
  // No object times (the root group here, every other object where it is created): identical
  // inputs give identical bytes.
  H5Pset_obj_track_times(fcpl, 0);
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl);
  if (f < 0)
    throw Error({path, 0, {}}, "cannot create HDF5 file", "check that the folder exists and is writable");
  return Handle(f);
}

Handle create_memory_file() {
  static unsigned long long counter = 0;  // core-driver files are told apart by name
  const std::string name = "xpb-memory-" + std::to_string(++counter) + ".h5";
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
  H5Pset_obj_track_times(fcpl, 0);  // as create_file
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  check(H5Pset_fapl_core(fapl, 1 << 20, /*backing_store=*/0), "core driver");
  hid_t f = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl, fapl);
  if (f < 0) throw Error({}, "HDF5: cannot create an in-memory file (out of memory?)");
  return Handle(f);
}

std::string file_image(hid_t file) {
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush in-memory file");
  const ssize_t n = H5Fget_file_image(file, nullptr, 0);
  if (n < 0) throw Error({}, "HDF5: cannot take the image of an in-memory file");
  std::string bytes(static_cast<std::size_t>(n), '\0');
  if (H5Fget_file_image(file, bytes.data(), bytes.size()) != n)
    throw Error({}, "HDF5: cannot copy the image of an in-memory file");
  fix_superblock_checksum(bytes);
  // Never hand out an image that does not open: it would replace a good file on disk.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_core(fapl, 1 << 16, 0);
  H5Pset_file_image(fapl, bytes.data(), bytes.size());
  static unsigned long long counter = 0;
  const std::string name = "xpb-image-check-" + std::to_string(++counter) + ".h5";
  Handle back(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl));
  if (!back.valid()) throw Error({}, "HDF5: the in-memory result file does not open again (internal error)");
  return bytes;
}

Handle open_file(const std::string& path, bool write) {
  hid_t f = H5Fopen(path.c_str(), write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw Error({path, 0, {}}, "cannot open as an HDF5 file");
  return Handle(f);
}

bool is_hdf5(const std::string& path) { return H5Fis_hdf5(path.c_str()) > 0; }

void check_input_file(const std::string& path, const std::string& hint) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) throw Error({path, 0, {}}, "no such file", hint);
  if (fs::is_directory(st)) throw Error({path, 0, {}}, "is a directory, not a result set", hint);
  // Never open a pipe or a device: reading a FIFO blocks until someone writes.
  if (!fs::is_regular_file(st))
    throw Error({path, 0, {}}, "is not a regular file (a pipe or a device?)", hint);
  if (::access(path.c_str(), R_OK) != 0)
    throw Error({path, 0, {}}, "cannot read the file (permission denied)", "check its permissions");
  if (fs::file_size(path, ec) == 0)
    throw Error({path, 0, {}}, "the file is empty (0 bytes), not a result set",
                "a run stopped before it wrote anything leaves no usable file; run the experiment again");
  quiet_errors();
  if (!is_hdf5(path)) throw Error({path, 0, {}}, "not an HDF5 file", hint);
  if (Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)).valid()) return;
  throw Error({path, 0, {}}, "a damaged or truncated HDF5 file: it does not open",
              "restore it from a copy, or run the experiment again");
}

namespace {
// How long the probe child may read a file of `bytes` before it counts as hung.
double read_time_limit(double bytes) {
  // Our own result sets read at about 5 MB/s through this path (a 500-cell sweep's 14.5 MB file:
  // 2.9 s per read, `xpubench report`, idle machine). 10 s plus 10 s per MB leaves a margin of 50x
  // for a loaded machine or a sanitizer build; damaged files on which libhdf5 itself loops (the
  // fuzzer found one of 86 KB) are refused after 11 s instead of the flat 2 minutes before.
  return std::min(120.0, 10.0 + 10.0 * std::max(0.0, bytes) / 1e6);
}
}  // namespace

void guarded_read(const std::string& path, const std::function<void()>& read) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const double limit = read_time_limit(ec ? 0.0 : static_cast<double>(size));
  const ProbeOutcome probe = probe_in_child(read, limit);
  if (probe.kind == ProbeOutcome::Kind::crashed)
    throw Error({path, 0, {}},
                "a damaged HDF5 file: reading it crashed the HDF5 library" +
                    (probe.signal ? " (signal " + std::to_string(probe.signal) + ")" : std::string()),
                "restore it from a copy, or run the experiment again");
  if (probe.kind == ProbeOutcome::Kind::timed_out)
    throw Error({path, 0, {}},
                "reading the file did not finish in " + std::to_string(int(limit + 0.5)) + " s",
                "a damaged file, or one whose links form a loop; restore it from a copy");
  try {
    read();
  } catch (const Error& e) {
    if (!e.where().file.empty()) throw;
    throw Error({path, 0, e.where().key}, e.what(), e.hint());
  } catch (const std::bad_alloc&) {
    throw Error({path, 0, {}}, "a damaged result file: it asks for more memory than this machine has",
                "restore it from a copy, or run the experiment again");
  } catch (const std::exception& e) {
    throw Error({path, 0, {}}, std::string("a damaged result file: ") + e.what(),
                "restore it from a copy, or run the experiment again");
  }
}

std::string object_identity(hid_t loc, const std::string& name) {
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info_by_name3(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return {};
  std::string id(sizeof info.token, '\0');
  std::memcpy(id.data(), &info.token, sizeof info.token);
#else
  if (H5Oget_info_by_name2(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return {};
  std::string id(sizeof info.addr, '\0');
  std::memcpy(id.data(), &info.addr, sizeof info.addr);
#endif
  return std::to_string(info.fileno) + ":" + id;
}

bool exists(hid_t loc, const std::string& path) {
  std::string cur;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    const std::size_t next = path.find('/', pos);
    cur = path.substr(0, next);
    pos = next == std::string::npos ? next : next + 1;
    if (cur.empty()) continue;
    if (H5Lexists(loc, cur.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

Handle create_group(hid_t loc, const std::string& name) {
  if (exists(loc, name)) return open_group(loc, name);
  // Each missing level is made here, with this creation list: groups HDF5 makes as intermediates
  // get the defaults (object times, dense attribute storage).
  const auto slash = name.rfind('/');
  if (slash != std::string::npos && slash > 0) create_group(loc, name.substr(0, slash));
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl, 1);
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE));
  H5Pset_obj_track_times(gcpl, 0);  // identical inputs, identical bytes (create_file)
  // Keep attributes in compact storage: HDF5 1.10's H5Ocopy crashes on variable-length string
  // attributes held in dense storage (more than 8 attributes by default).
  H5Pset_attr_phase_change(gcpl, 4096, 4000);
  hid_t g = H5Gcreate2(loc, name.c_str(), lcpl, gcpl, H5P_DEFAULT);
  if (g < 0) throw Error({}, "HDF5: cannot create group " + name);
  return Handle(g);
}

Handle open_group(hid_t loc, const std::string& name) {
  hid_t g = H5Gopen2(loc, name.c_str(), H5P_DEFAULT);
  if (g < 0) throw Error({}, "HDF5: no group " + name);
  return Handle(g);
}

std::vector<std::string> children(hid_t group) {
  std::vector<std::string> names;
  H5G_info_t info;
  if (H5Gget_info(group, &info) < 0) return names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t n = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) continue;
    std::string s(static_cast<std::size_t>(n), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), static_cast<std::size_t>(n) + 1,
                       H5P_DEFAULT);
    names.push_back(s);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ------------------------------------------------------------------------------------------------
// Attributes

static void replace_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
}

void attr(hid_t obj, const std::string& name, const std::string& value) {
  replace_attr(obj, name);
  Handle type(vlen_string_type());
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  const char* p = value.c_str();
  check(H5Awrite(a, type, &p), "write attribute " + name);
}

void attr(hid_t obj, const std::string& name, long long value) {
  replace_attr(obj, name);
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
  check(H5Awrite(a, H5T_NATIVE_LLONG, &value), "write attribute " + name);
}

void attr_double(hid_t obj, const std::string& name, double value) {
  replace_attr(obj, name);
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT));
  check(H5Awrite(a, H5T_NATIVE_DOUBLE, &value), "write attribute " + name);
}

std::optional<std::string> read_attr_string(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) return std::nullopt;
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  Handle ftype(H5Aget_type(a));
  if (H5Tget_class(ftype) != H5T_STRING) return std::nullopt;
  if (H5Tis_variable_str(ftype) > 0) {
    Handle mtype(vlen_string_type());
    char* p = nullptr;
    if (H5Aread(a, mtype, &p) < 0) return std::nullopt;
    std::string s = p ? p : "";
    Handle space(H5Aget_space(a));
    H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, &p);
    return s;
  }
  const std::size_t n = H5Tget_size(ftype);
  std::string s(n, '\0');
  Handle mtype(H5Tcopy(H5T_C_S1));
  H5Tset_size(mtype, n);
  if (H5Aread(a, mtype, s.data()) < 0) return std::nullopt;
  s.resize(std::strlen(s.c_str()));
  return s;
}

std::optional<long long> read_attr_int(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) return std::nullopt;
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  long long v = 0;
  if (H5Aread(a, H5T_NATIVE_LLONG, &v) < 0) return std::nullopt;
  return v;
}

std::optional<double> read_attr_double(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) return std::nullopt;
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  double v = 0;
  if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) return std::nullopt;
  return v;
}

std::vector<std::string> attr_names(hid_t obj) {
  std::vector<std::string> names;
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info3(obj, &info, H5O_INFO_NUM_ATTRS) < 0) return names;
#else
  if (H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) < 0) return names;
#endif
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    ssize_t n = H5Aget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) continue;
    std::string s(static_cast<std::size_t>(n), '\0');
    H5Aget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), static_cast<std::size_t>(n) + 1,
                       H5P_DEFAULT);
    names.push_back(s);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ------------------------------------------------------------------------------------------------
// Datasets

namespace {
// The groups above a dataset's path, made by create_group rather than as HDF5's intermediates.
void create_parent_groups(hid_t loc, const std::string& name) {
  const auto slash = name.rfind('/');
  if (slash != std::string::npos && slash > 0) create_group(loc, name.substr(0, slash));
}
}  // namespace

void write_doubles(hid_t loc, const std::string& name, const std::vector<double>& v, const std::string& unit,
                   const std::vector<std::size_t>& shape) {
  std::vector<hsize_t> dims;
  if (shape.empty())
    dims.push_back(v.size());
  else
    for (auto s : shape) dims.push_back(s);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  create_parent_groups(loc, name);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl, 1);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_obj_track_times(dcpl, 0);  // identical inputs, identical bytes (create_file)
  if (v.size() > 1024) {
    std::vector<hsize_t> chunk(dims);
    hsize_t total = 1;
    for (auto& c : chunk) total *= std::max<hsize_t>(c, 1);
    // Chunk along the first dimension to about 64k elements.
    const hsize_t row = total / std::max<hsize_t>(dims[0], 1);
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], 65536 / std::max<hsize_t>(row, 1)));
    H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
  }
  Handle d(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space, lcpl, dcpl, H5P_DEFAULT));
  if (!d.valid()) throw Error({}, "HDF5: cannot create dataset " + name);
  if (!v.empty())
    check(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "write " + name);
  if (!unit.empty()) attr(d, "unit", unit);
}

std::vector<std::size_t> dataset_shape(hid_t loc, const std::string& name) {
  std::vector<std::size_t> s;
  if (!exists(loc, name)) return s;
  Handle d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
  Handle space(H5Dget_space(d));
  const int nd = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(nd, 0)));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  for (auto x : dims) s.push_back(static_cast<std::size_t>(x));
  return s;
}

std::vector<double> read_doubles(hid_t loc, const std::string& name) {
  if (!exists(loc, name)) return {};
  Handle d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
  Handle space(H5Dget_space(d));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<double> v(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
  if (!v.empty())
    check(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "read " + name);
  return v;
}

void copy(hid_t src_loc, const std::string& src_name, hid_t dst_loc, const std::string& dst_name) {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl, 1);
  check(H5Ocopy(src_loc, src_name.c_str(), dst_loc, dst_name.c_str(), H5P_DEFAULT, lcpl), "copy " + src_name);
}

// ------------------------------------------------------------------------------------------------
// Tables (compound datasets)

// A transfer property list whose type-conversion buffer fits `rows` elements of the larger of the
// two types. HDF5's default is a 1 MiB conversion buffer plus a background buffer, each calloc'ed
// on every H5Dwrite/H5Dread that converts (compound rows with variable-length strings always do):
// for the small tables of a one-cell result set that zeroing cost more than the rest of the write.
static Handle transfer_props(std::size_t rows, hid_t mem_type, hid_t file_type) {
  Handle dxpl(H5Pcreate(H5P_DATASET_XFER));
  // A variable-length string is 8 bytes in memory but 16 in the file (length, heap address, index),
  // so twice the larger type's size holds an element in either form; larger tables are converted
  // in strips of the buffer's size, as with the default.
  const std::size_t elem = 2 * std::max(H5Tget_size(mem_type), H5Tget_size(file_type));
  const std::size_t bytes = std::max<std::size_t>(rows, 1) * elem;
  check(H5Pset_buffer(dxpl, std::clamp<std::size_t>(bytes, 4096, std::size_t{1} << 20), nullptr, nullptr),
        "conversion buffer");
  return dxpl;
}

void write_table(hid_t loc, const std::string& name, const Table& t) {
  const std::size_t ns = t.string_columns.size(), nd = t.double_columns.size(), ni = t.int_columns.size();
  const std::size_t row_size = ns * sizeof(char*) + nd * sizeof(double) + ni * sizeof(long long);
  const std::size_t rows = std::max({t.strings.size(), t.doubles.size(), t.ints.size()});
  Handle str_t(vlen_string_type());
  // Memory type with native layout; file type packed little-endian.
  Handle mtype(H5Tcreate(H5T_COMPOUND, row_size));
  std::size_t off = 0;
  for (const auto& c : t.string_columns) H5Tinsert(mtype, c.c_str(), off, str_t), off += sizeof(char*);
  for (const auto& c : t.double_columns)
    H5Tinsert(mtype, c.c_str(), off, H5T_NATIVE_DOUBLE), off += sizeof(double);
  for (const auto& c : t.int_columns)
    H5Tinsert(mtype, c.c_str(), off, H5T_NATIVE_LLONG), off += sizeof(long long);
  std::vector<unsigned char> buf(std::max<std::size_t>(rows, 1) * row_size);
  for (std::size_t r = 0; r < rows; ++r) {
    unsigned char* p = buf.data() + r * row_size;
    for (std::size_t c = 0; c < ns; ++c) {
      const char* s = t.strings[r][c].c_str();
      std::memcpy(p, &s, sizeof s), p += sizeof(char*);
    }
    for (std::size_t c = 0; c < nd; ++c)
      std::memcpy(p, &t.doubles[r][c], sizeof(double)), p += sizeof(double);
    for (std::size_t c = 0; c < ni; ++c)
      std::memcpy(p, &t.ints[r][c], sizeof(long long)), p += sizeof(long long);
  }
  hsize_t dims[1] = {rows};
  Handle space(H5Screate_simple(1, dims, nullptr));
  create_parent_groups(loc, name);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl, 1);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_obj_track_times(dcpl, 0);  // identical inputs, identical bytes (create_file)
  Handle d(H5Dcreate2(loc, name.c_str(), mtype, space, lcpl, dcpl, H5P_DEFAULT));
  if (!d.valid()) throw Error({}, "HDF5: cannot create table " + name);
  if (rows)
    check(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, transfer_props(rows, mtype, mtype), buf.data()),
          "write table " + name);
}

Table read_table(hid_t loc, const std::string& name) {
  Table t;
  if (!exists(loc, name)) return t;
  Handle d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
  Handle ftype(H5Dget_type(d));
  const int nm = H5Tget_nmembers(ftype);
  Handle str_t(vlen_string_type());
  struct Col {
    std::string name;
    H5T_class_t cls;
  };
  std::vector<Col> cols;
  for (int i = 0; i < nm; ++i) {
    char* n = H5Tget_member_name(ftype, static_cast<unsigned>(i));
    cols.push_back({n, H5Tget_member_class(ftype, static_cast<unsigned>(i))});
    H5free_memory(n);
  }
  for (const auto& c : cols) {
    if (c.cls == H5T_STRING)
      t.string_columns.push_back(c.name);
    else if (c.cls == H5T_FLOAT)
      t.double_columns.push_back(c.name);
    else if (c.cls == H5T_INTEGER)
      t.int_columns.push_back(c.name);
  }
  const std::size_t row_size = t.string_columns.size() * sizeof(char*) +
                               t.double_columns.size() * sizeof(double) +
                               t.int_columns.size() * sizeof(long long);
  Handle mtype(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(row_size, 1)));
  std::size_t off = 0;
  for (const auto& c : t.string_columns) H5Tinsert(mtype, c.c_str(), off, str_t), off += sizeof(char*);
  for (const auto& c : t.double_columns)
    H5Tinsert(mtype, c.c_str(), off, H5T_NATIVE_DOUBLE), off += sizeof(double);
  for (const auto& c : t.int_columns)
    H5Tinsert(mtype, c.c_str(), off, H5T_NATIVE_LLONG), off += sizeof(long long);
  Handle space(H5Dget_space(d));
  const auto rows = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  std::vector<unsigned char> buf(std::max<std::size_t>(rows, 1) * std::max<std::size_t>(row_size, 1));
  if (rows)
    check(H5Dread(d, mtype, H5S_ALL, H5S_ALL, transfer_props(rows, mtype, ftype), buf.data()),
          "read table " + name);
  for (std::size_t r = 0; r < rows; ++r) {
    const unsigned char* p = buf.data() + r * row_size;
    std::vector<std::string> s;
    std::vector<double> dv;
    std::vector<long long> iv;
    for (std::size_t c = 0; c < t.string_columns.size(); ++c) {
      const char* cs = nullptr;
      std::memcpy(&cs, p, sizeof cs), p += sizeof(char*);
      s.emplace_back(cs ? cs : "");
    }
    for (std::size_t c = 0; c < t.double_columns.size(); ++c) {
      double x;
      std::memcpy(&x, p, sizeof x), p += sizeof(double);
      dv.push_back(x);
    }
    for (std::size_t c = 0; c < t.int_columns.size(); ++c) {
      long long x;
      std::memcpy(&x, p, sizeof x), p += sizeof(long long);
      iv.push_back(x);
    }
    t.strings.push_back(std::move(s));
    t.doubles.push_back(std::move(dv));
    t.ints.push_back(std::move(iv));
  }
  if (rows) H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, buf.data());
  return t;
}

}  // namespace xpb::h5
