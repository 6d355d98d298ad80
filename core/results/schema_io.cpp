// core/results/schema_io.cpp — checked access to result sets: every path is looked up in the
// declaration before HDF5 is asked.
#include "core/results/schema_io.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/error.hpp"

namespace xpb::schema {

namespace {

std::string join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

// Every write goes through here: the messages are built only when the check fails.
const Entry& declared(const std::string& path, std::initializer_list<Node> nodes) {
  const Entry* e = find(path);
  if (e == nullptr) {
    const std::string msg = "result set path is not declared in core/results/schema.cpp: " + path;
    XPB_ASSERT(e != nullptr, msg.c_str());
  }
  const bool node_ok = std::find(nodes.begin(), nodes.end(), e->node) != nodes.end();
  if (!node_ok) {
    const std::string msg =
        path + " is declared as a " + std::string(to_string(e->node)) + " (" + e->path + ")";
    XPB_ASSERT(node_ok, msg.c_str());
  }
  return *e;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Writer

Writer::Writer(hid_t loc, std::string path) : m_id(loc), m_path(std::move(path)) {}

Writer::Writer(h5::Handle&& own, std::string path)
    : m_own(std::move(own)), m_id(m_own.get()), m_path(std::move(path)) {}

std::string Writer::child(const std::string& name) const { return join(m_path, name); }

std::string Writer::attribute(const std::string& name) const { return m_path + "@" + name; }

Writer Writer::group(const std::string& name) const {
  // Each level of a nested name is a declared group.
  std::string path = m_path;
  for (std::size_t pos = 0; pos != std::string::npos;) {
    const std::size_t next = name.find('/', pos);
    path = join(path, name.substr(pos, next == std::string::npos ? next : next - pos));
    declared(path, {Node::group});
    pos = next == std::string::npos ? next : next + 1;
  }
  return Writer(h5::create_group(m_id, name), path);
}

void Writer::attr(const std::string& name, const std::string& value) const {
  declared(attribute(name), {Node::attribute});
  h5::attr(m_id, name, value);
}

void Writer::attr(const std::string& name, long long value) const {
  declared(attribute(name), {Node::attribute});
  h5::attr(m_id, name, value);
}

void Writer::attr(const std::string& name, double value) const {
  declared(attribute(name), {Node::attribute});
  h5::attr_double(m_id, name, value);
}

Writer Writer::values(const std::string& name, const std::vector<double>& v, const std::string& unit,
                      const std::vector<std::size_t>& shape, std::optional<Kind> kind) const {
  const std::string path = child(name);
  const Entry& e = declared(path, {Node::dataset});
  std::string u = unit;
  if (e.unit_from == UnitFrom::fixed) {
    XPB_ASSERT(unit.empty() || unit == e.unit, ("unit differs from the declared one: " + path).c_str());
    u = e.unit;
  }
  h5::write_doubles(m_id, name, v, {}, shape);
  Writer d(h5::Handle(H5Dopen2(m_id, name.c_str(), H5P_DEFAULT)), path);
  d.attr("unit", u);
  if (e.kind_from == KindFrom::object)
    d.attr("kind", std::string(to_string(kind.value_or(kind_for_unit(u)))));
  return d;
}

// ------------------------------------------------------------------------------------------------
// TableWriter

TableWriter::TableWriter(const Writer& at, const std::string& name)
    : m_at(at),
      m_name(name),
      m_path(at.path() == "/" ? "/" + name : at.path() + "/" + name),
      m_entry(&declared(m_path, {Node::table})) {
  for (const auto& c : m_entry->columns) {
    if (c.type == "string")
      m_t.string_columns.push_back(c.name);
    else if (c.type == "float64")
      m_t.double_columns.push_back(c.name);
    else
      m_t.int_columns.push_back(c.name);
  }
}

void TableWriter::row() {
  XPB_ASSERT(std::all_of(m_set.begin(), m_set.end(), [](bool b) { return b; }),
             ("a column of the previous row of " + m_path + " was not set").c_str());
  m_t.strings.emplace_back(m_t.string_columns.size());
  m_t.doubles.emplace_back(m_t.double_columns.size(), std::nan(""));
  m_t.ints.emplace_back(m_t.int_columns.size(), 0);
  m_set.assign(m_entry->columns.size(), false);
}

const Column& TableWriter::column(const std::string& name, const char* type) const {
  const Column* c = m_entry->column(name);
  XPB_ASSERT(c != nullptr, ("column not declared in " + m_entry->path + ": " + name).c_str());
  XPB_ASSERT(c->type == type, ("column " + name + " of " + m_entry->path + " is " + c->type).c_str());
  XPB_ASSERT(!m_set.empty(), "TableWriter::set before row()");
  return *c;
}

namespace {
std::size_t index_of(const std::vector<std::string>& v, const std::string& s) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), s) - v.begin());
}
}  // namespace

void TableWriter::set(const std::string& name, const std::string& v) {
  const Column& c = column(name, "string");
  m_t.strings.back()[index_of(m_t.string_columns, name)] = v;
  m_set[static_cast<std::size_t>(&c - m_entry->columns.data())] = true;
}

void TableWriter::set(const std::string& name, double v) {
  const Column& c = column(name, "float64");
  m_t.doubles.back()[index_of(m_t.double_columns, name)] = v;
  m_set[static_cast<std::size_t>(&c - m_entry->columns.data())] = true;
}

void TableWriter::set(const std::string& name, long long v) {
  const Column& c = column(name, "int64");
  m_t.ints.back()[index_of(m_t.int_columns, name)] = v;
  m_set[static_cast<std::size_t>(&c - m_entry->columns.data())] = true;
}

Writer TableWriter::write() {
  XPB_ASSERT(std::all_of(m_set.begin(), m_set.end(), [](bool b) { return b; }),
             ("a column of the last row of " + m_path + " was not set").c_str());
  h5::write_table(m_at.id(), m_name, m_t);
  return Writer(h5::Handle(H5Dopen2(m_at.id(), m_name.c_str(), H5P_DEFAULT)), m_path);
}

// ------------------------------------------------------------------------------------------------
// Reader

Reader::Reader(hid_t loc, std::string path) : m_id(loc), m_path(std::move(path)) {}

Reader::Reader(h5::Handle&& own, std::string path)
    : m_own(std::move(own)), m_id(m_own.get()), m_path(std::move(path)) {}

std::string Reader::child(const std::string& name) const { return join(m_path, name); }

std::string Reader::attribute(const std::string& name) const { return m_path + "@" + name; }

bool Reader::has(const std::string& name) const {
  declared(child(name), {Node::group, Node::dataset, Node::table});
  return h5::exists(m_id, name);
}

bool Reader::is_dataset(const std::string& name) const {
  if (!has(name)) return false;
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info_by_name3(m_id, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
#else
  if (H5Oget_info_by_name2(m_id, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
#endif
  return info.type == H5O_TYPE_DATASET;
}

Reader Reader::open(const std::string& name) const {
  const std::string path = child(name);
  const Entry& e = declared(path, {Node::group, Node::dataset, Node::table});
  hid_t id = e.node == Node::group ? H5Gopen2(m_id, name.c_str(), H5P_DEFAULT)
                                   : H5Dopen2(m_id, name.c_str(), H5P_DEFAULT);
  if (id < 0) throw Error({}, "HDF5: cannot open " + path);
  return Reader(h5::Handle(id), path);
}

std::vector<std::string> Reader::children() const { return h5::children(m_id); }

std::optional<std::string> Reader::text(const std::string& name) const {
  declared(attribute(name), {Node::attribute});
  return h5::read_attr_string(m_id, name);
}

std::optional<long long> Reader::integer(const std::string& name) const {
  declared(attribute(name), {Node::attribute});
  return h5::read_attr_int(m_id, name);
}

std::optional<double> Reader::number(const std::string& name) const {
  declared(attribute(name), {Node::attribute});
  return h5::read_attr_double(m_id, name);
}

std::vector<double> Reader::values(const std::string& name) const {
  declared(child(name), {Node::dataset});
  return h5::read_doubles(m_id, name);
}

std::string Reader::unit(const std::string& name) const {
  if (!is_dataset(name)) return {};
  return open(name).text("unit").value_or("");
}

std::optional<Kind> Reader::kind(const std::string& name) const {
  if (!is_dataset(name)) return std::nullopt;
  const auto k = open(name).text("kind");
  return k ? parse_kind(*k) : std::nullopt;
}

// ------------------------------------------------------------------------------------------------
// TableReader

TableReader::TableReader(const Reader& at, const std::string& name)
    : m_entry(&declared(at.path() == "/" ? "/" + name : at.path() + "/" + name, {Node::table})),
      m_path(at.path() == "/" ? "/" + name : at.path() + "/" + name),
      m_t(h5::read_table(at.id(), name)) {
  m_rows = std::max({m_t.strings.size(), m_t.doubles.size(), m_t.ints.size()});
}

void TableReader::check(const std::string& column) const {
  XPB_ASSERT(m_entry->column(column) != nullptr,
             ("column not declared in " + m_path + ": " + column).c_str());
}

std::string TableReader::text(std::size_t row, const std::string& column) const {
  check(column);
  const auto c = index_of(m_t.string_columns, column);
  return c < m_t.strings[row].size() ? m_t.strings[row][c] : std::string{};
}

double TableReader::number(std::size_t row, const std::string& column) const {
  check(column);
  const auto c = index_of(m_t.double_columns, column);
  if (c < m_t.doubles[row].size()) return m_t.doubles[row][c];
  const auto ci = index_of(m_t.int_columns, column);
  return ci < m_t.ints[row].size() ? static_cast<double>(m_t.ints[row][ci]) : std::nan("");
}

long long TableReader::integer(std::size_t row, const std::string& column) const {
  check(column);
  const auto c = index_of(m_t.int_columns, column);
  return c < m_t.ints[row].size() ? m_t.ints[row][c] : 0;
}

}  // namespace xpb::schema
