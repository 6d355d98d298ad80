// core/results/record_journal.cpp — CellRecords as bytes, appended to one synced file.
// Bytes are the host's (a journal is read back by the run that resumes on the same machine); the
// header records the byte order and a reader on another order refuses the file.
#include "core/results/record_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/plugin/ledger.hpp"

namespace xpb {

namespace {

constexpr char kMagic[8] = {'X', 'P', 'B', 'J', 'R', 'N', 'L', '\0'};
constexpr std::uint32_t kFormat = 1;
constexpr std::uint32_t kByteOrder = 0x01020304;
constexpr std::size_t kFrameHead = 12;  // u64 payload length, u32 CRC-32 of the payload

// CRC-32 (the IEEE polynomial, reflected, as zlib and Python's zlib.crc32 compute it).
std::uint32_t crc32(std::string_view bytes) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFU;
  for (const char ch : bytes) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

// ---- the two directions of one field list -----------------------------------------------------

struct DecodeError {
  std::string what;
};

// The last value of each enum a record holds: a decoded value beyond it is damage, not data (and
// would reach to_string() unchecked when the merge writes the cell). A value added to one of these
// enums after its current last one moves the bound here (the ledger's from its kAll... lists).
constexpr std::int32_t last_value(CellStatus) { return static_cast<std::int32_t>(CellStatus::skipped); }
constexpr std::int32_t last_value(MetricKind) { return static_cast<std::int32_t>(MetricKind::projected); }
constexpr std::int32_t last_value(OpKind) { return static_cast<std::int32_t>(kAllOpKinds.back()); }
constexpr std::int32_t last_value(DType) { return static_cast<std::int32_t>(DType::int8); }
constexpr std::int32_t last_value(Collective) { return static_cast<std::int32_t>(kAllCollectives.back()); }
constexpr std::int32_t last_value(Bound) { return static_cast<std::int32_t>(Bound::unknown); }

class Encoder {
 public:
  std::string bytes;
  template <class T>
  void operator()(const T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
      raw(&v, sizeof v);
    } else if constexpr (std::is_enum_v<T>) {
      (*this)(static_cast<std::int32_t>(v));
    } else {
      fields(*this, const_cast<T&>(v));  // fields() only reads through an Encoder
    }
  }
  void operator()(const std::string& s) {
    (*this)(static_cast<std::uint64_t>(s.size()));
    bytes.append(s);
  }
  template <class T>
  void operator()(const std::vector<T>& v) {
    (*this)(static_cast<std::uint64_t>(v.size()));
    for (const auto& x : v) (*this)(x);
  }
  void operator()(const std::vector<double>& v) {
    (*this)(static_cast<std::uint64_t>(v.size()));
    raw(v.data(), v.size() * sizeof(double));
  }
  template <class A, class B>
  void operator()(const std::pair<A, B>& p) {
    (*this)(p.first), (*this)(p.second);
  }
  template <class K, class V>
  void operator()(const std::map<K, V>& m) {
    (*this)(static_cast<std::uint64_t>(m.size()));
    for (const auto& kv : m) (*this)(kv.first), (*this)(kv.second);
  }
  template <class T>
  void operator()(const std::optional<T>& o) {
    (*this)(o.has_value());
    if (o) (*this)(*o);
  }

 private:
  void raw(const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); }
};

class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : m_bytes(bytes) {}
  bool done() const { return m_at == m_bytes.size(); }
  std::size_t position() const { return m_at; }
  template <class T>
  void operator()(T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
      raw(&v, sizeof v);
    } else if constexpr (std::is_enum_v<T>) {
      std::int32_t i = 0;
      (*this)(i);
      if (i < 0 || i > last_value(T{})) throw DecodeError{"an enumeration's value is out of range"};
      v = static_cast<T>(i);
    } else {
      fields(*this, v);
    }
  }
  void operator()(std::string& s) {
    const std::size_t n = count(1);
    s.assign(m_bytes.substr(m_at, n));
    m_at += n;
  }
  template <class T>
  void operator()(std::vector<T>& v) {
    v.resize(count(1));
    for (auto& x : v) (*this)(x);
  }
  void operator()(std::vector<double>& v) {
    v.resize(count(sizeof(double)));
    raw(v.data(), v.size() * sizeof(double));
  }
  template <class A, class B>
  void operator()(std::pair<A, B>& p) {
    (*this)(p.first), (*this)(p.second);
  }
  template <class K, class V>
  void operator()(std::map<K, V>& m) {
    m.clear();
    for (std::size_t i = count(1); i > 0; --i) {
      std::pair<K, V> kv;
      (*this)(kv.first), (*this)(kv.second);
      m.insert(std::move(kv));
    }
  }
  template <class T>
  void operator()(std::optional<T>& o) {
    bool has = false;
    (*this)(has);
    o.reset();
    if (has) (*this)(o.emplace());
  }

 private:
  // A length prefix, checked against the bytes left (each element takes at least `min_size`).
  std::size_t count(std::size_t min_size) {
    std::uint64_t n = 0;
    (*this)(n);
    if (n > (m_bytes.size() - m_at) / min_size) throw DecodeError{"a length runs past the record's end"};
    return static_cast<std::size_t>(n);
  }
  void raw(void* p, std::size_t n) {
    if (n > m_bytes.size() - m_at) throw DecodeError{"the record ends early"};
    if (n > 0) std::memcpy(p, m_bytes.data() + m_at, n);
    m_at += n;
  }
  std::string_view m_bytes;
  std::size_t m_at = 0;
};

}  // namespace

// Every field of each struct, in one order for both directions (found by argument-dependent
// lookup from the archives above). Cell is not here: a record stores its cell's id only.
template <class A>
void fields(A& a, Range& r) {
  a(r.low), a(r.nominal), a(r.high);
}
template <class A>
void fields(A& a, Estimate& e) {
  a(e.nominal), a(e.median), a(e.p5), a(e.p95), a(e.envelope_low), a(e.envelope_high), a(e.samples);
  a(e.seed), a(e.ok);
}
template <class A>
void fields(A& a, KernelProjection& k) {
  a(k.name), a(k.seconds), a(k.bound);
}
template <class A>
void fields(A& a, Projection& p) {
  a(p.platform), a(p.ok), a(p.reason), a(p.step_seconds), a(p.step), a(p.compute_seconds);
  a(p.memory_seconds), a(p.comm_seconds), a(p.launch_seconds), a(p.energy_joules), a(p.bound);
  a(p.flops), a(p.bytes), a(p.peak_dtype), a(p.hfu), a(p.kernels), a(p.host_share), a(p.ranks_on_node);
  a(p.self_check), a(p.ledger_as_run), a(p.kernel_overlap);
}
template <class A>
void fields(A& a, KernelCost& k) {
  a(k.name), a(k.kind), a(k.dtype), a(k.flops), a(k.bytes), a(k.count), a(k.collective);
  a(k.collective_bytes), a(k.ranks);
}
template <class A>
void fields(A& a, Scalar& s) {
  a(s.name), a(s.value), a(s.unit), a(s.doc), a(s.kind);
}
template <class A>
void fields(A& a, Series& s) {
  a(s.name), a(s.unit), a(s.values), a(s.index);
}
template <class A>
void fields(A& a, NamedArray& n) {
  a(n.name), a(n.shape), a(n.data), a(n.dtype);
}
template <class A>
void fields(A& a, Metrics& m) {
  a(m.scalars), a(m.series), a(m.arrays), a(m.attributes);
}
template <class A>
void fields(A& a, Validation& v) {
  a(v.passed), a(v.reason), a(v.max_rel_err), a(v.tolerance);
}
// The record after its cell id.
template <class A>
void fields(A& a, CellRecord& r) {
  a(r.status), a(r.reason), a(r.started_utc), a(r.finished_utc), a(r.warmup_seconds), a(r.step_seconds);
  a(r.iterations), a(r.min_time), a(r.timed_seconds), a(r.working_set_bytes), a(r.step_values);
  a(r.step_units), a(r.step_kinds), a(r.validation), a(r.metrics), a(r.ledger), a(r.ledger_as_run);
  a(r.projections), a(r.model_error), a(r.parity_reference), a(r.parity), a(r.load_start), a(r.load_end);
  a(r.cpu_freq), a(r.cpu_governor), a(r.dispersion), a(r.noise_reasons);
}

std::string journal_path(const std::string& output) { return fragment_dir(output) + "/cells.journal"; }

std::string serialize_record(const CellRecord& rec) {
  Encoder e;
  e(rec.cell.id);
  e(rec);
  return std::move(e.bytes);
}

CellRecord deserialize_record(std::string_view bytes, const ExperimentSpec& spec) {
  CellRecord rec;
  try {
    Decoder d(bytes);
    std::string id;
    d(id);
    const auto it =
        std::find_if(spec.cells.begin(), spec.cells.end(), [&](const Cell& c) { return c.id == id; });
    if (it == spec.cells.end()) throw DecodeError{"cell " + id + " is not a cell of " + spec.path};
    rec.cell = *it;
    d(rec);
    if (!d.done()) throw DecodeError{"bytes are left after the record"};
  } catch (const DecodeError& e) {
    throw Error({}, "a journal record does not decode: " + e.what);
  }
  return rec;
}

namespace {

std::string header_bytes(const std::string& experiment_sha256) {
  Encoder e;
  std::string h(kMagic, sizeof kMagic);
  e(kFormat), e(kByteOrder), e(experiment_sha256);
  return h + e.bytes;
}

// The header's experiment when `head` (the file's first bytes) is a journal of this format and
// byte order, with the header's size; nullopt when it is not (or is shorter than its header).
std::optional<std::pair<std::string, std::size_t>> parse_header(std::string_view head) {
  if (head.size() < sizeof kMagic || head.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    return std::nullopt;
  try {
    Decoder d(head.substr(sizeof kMagic));
    std::uint32_t format = 0, order = 0;
    std::string sha;
    d(format), d(order);
    if (format != kFormat || order != kByteOrder) return std::nullopt;
    d(sha);
    return std::make_pair(sha, sizeof kMagic + d.position());
  } catch (const DecodeError&) {
    return std::nullopt;
  }
}

// A journal read entry by entry, one payload in memory at a time.
class FrameReader {
 public:
  explicit FrameReader(const std::string& path) : m_in(path, std::ios::binary) {
    if (!m_in) return;
    m_in.seekg(0, std::ios::end);
    const std::streamoff end = m_in.tellg();
    if (end <= 0) return;  // empty, or not a file that can be read (a folder): nothing to read
    m_size = static_cast<std::uint64_t>(end);
    m_in.seekg(0);
    std::string head(static_cast<std::size_t>(std::min<std::uint64_t>(m_size, 4096)), '\0');
    m_in.read(head.data(), static_cast<std::streamsize>(head.size()));
    m_header = parse_header(head);
    if (m_header) m_at = m_header->second, m_in.seekg(static_cast<std::streamoff>(m_at));
  }
  const std::optional<std::pair<std::string, std::size_t>>& header() const { return m_header; }
  // The next intact entry's payload into `payload`; false at the end or at a torn entry.
  bool next(std::string& payload) {
    if (m_size - m_at < kFrameHead) return false;
    char head[kFrameHead];
    if (!m_in.read(head, kFrameHead)) return false;
    std::uint64_t n = 0;
    std::uint32_t crc = 0;
    std::memcpy(&n, head, sizeof n);
    std::memcpy(&crc, head + sizeof n, sizeof crc);
    if (n > m_size - m_at - kFrameHead) return false;
    payload.resize(static_cast<std::size_t>(n));
    if (!m_in.read(payload.data(), static_cast<std::streamsize>(n)) || crc32(payload) != crc) return false;
    m_at += kFrameHead + n;
    return true;
  }
  std::uint64_t position() const { return m_at; }
  std::uint64_t size() const { return m_size; }

 private:
  std::ifstream m_in;
  std::uint64_t m_size = 0, m_at = 0;
  std::optional<std::pair<std::string, std::size_t>> m_header;
};

}  // namespace

JournalContents for_each_record(const std::string& path, const ExperimentSpec& spec,
                                const std::function<void(CellRecord&&)>& visit) {
  JournalContents c;
  FrameReader in(path);
  if (in.size() == 0 && !in.header()) return c;  // absent or empty
  if (!in.header())
    throw Error({path, 0, {}},
                "is not a journal this xpubench writes (format " + std::to_string(kFormat) + ")",
                "finish the run with the xpubench that started it, or use --force to discard it");
  if (in.header()->first != spec.sha256)
    throw Error({path, 0, {}}, "is the journal of another experiment (experiment_sha256 differs)",
                "use --force to discard it, or -o to write elsewhere");
  std::string payload;
  while (in.next(payload)) {
    try {
      visit(deserialize_record(payload, spec));
    } catch (const Error& e) {
      throw Error({path, 0, {}}, e.what(), "use --force to discard the journal");
    }
    ++c.entries;
  }
  c.valid_bytes = in.position();
  c.torn_bytes = in.size() - in.position();
  return c;
}

JournalContents read_journal(const std::string& path, const ExperimentSpec& spec,
                             std::vector<CellRecord>& out) {
  return for_each_record(path, spec, [&](CellRecord&& r) { out.push_back(std::move(r)); });
}

std::size_t count_journal_entries(const std::string& path) {
  FrameReader in(path);
  if (!in.header()) return 0;
  std::size_t n = 0;
  std::string payload;
  while (in.next(payload)) ++n;
  return n;
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& step, int err) {
  std::string hint = "the cells saved before this one are kept";
  if (err == ENOSPC || err == EDQUOT) hint = "free some space; " + hint;
  throw Error({path, 0, {}}, "cannot write the journal (" + step + "): " + std::strerror(err), hint);
}

}  // namespace

JournalWriter::JournalWriter(std::string path, const std::string& experiment_sha256)
    : m_path(std::move(path)) {
  std::filesystem::create_directories(std::filesystem::path(m_path).parent_path());
  const std::string head = header_bytes(experiment_sha256);
  write_file_atomically(m_path, head, "the journal");
  m_fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (m_fd < 0) fail(m_path, "open", errno);
  m_size = head.size();
}

JournalWriter::~JournalWriter() {
  if (m_fd >= 0) ::close(m_fd);
}

void JournalWriter::append(const CellRecord& rec) {
  const std::string payload = serialize_record(rec);
  const std::uint64_t n = payload.size();
  const std::uint32_t crc = crc32(payload);
  std::string frame(kFrameHead, '\0');
  std::memcpy(frame.data(), &n, sizeof n);
  std::memcpy(frame.data() + sizeof n, &crc, sizeof crc);
  frame += payload;
  std::size_t done = 0;
  int err = 0;
  while (done < frame.size()) {
    const ssize_t w = ::write(m_fd, frame.data() + done, frame.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      err = w < 0 ? errno : ENOSPC;
      break;
    }
    done += static_cast<std::size_t>(w);
  }
  if (err == 0 && ::fdatasync(m_fd) != 0) err = errno;
  if (err != 0) {
    if (::ftruncate(m_fd, static_cast<off_t>(m_size)) == 0) ::fdatasync(m_fd);  // best effort
    fail(m_path, done < frame.size() ? "write" : "fdatasync", err);
  }
  m_size += frame.size();
}

void JournalWriter::remove() {
  if (m_fd >= 0) ::close(m_fd), m_fd = -1;
  ::unlink(m_path.c_str());
}

}  // namespace xpb
