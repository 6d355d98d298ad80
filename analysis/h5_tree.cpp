// analysis/h5_tree.cpp — walking an HDF5 file with the C API into a flat Tree.
#include "analysis/h5_tree.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/base/error.hpp"
#include "core/results/hdf5_util.hpp"
#include "core/results/schema.hpp"

namespace xpb::analysis {

namespace {

std::string join(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

H5O_type_t object_type(hid_t loc, const std::string& name) {
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info_by_name3(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return H5O_TYPE_UNKNOWN;
#else
  if (H5Oget_info_by_name2(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return H5O_TYPE_UNKNOWN;
#endif
  return info.type;
}

void add_attributes(hid_t obj, const std::string& path, Tree& tree) {
  for (const auto& n : h5::attr_names(obj)) {
    TreeEntry e;
    e.path = (path == "/" ? std::string("/") : path) + "@" + n;
    e.attribute = true;
    h5::Handle a(H5Aopen(obj, n.c_str(), H5P_DEFAULT));
    h5::Handle t(H5Aget_type(a));
    const H5T_class_t cls = H5Tget_class(t);
    if (cls == H5T_STRING) {
      e.kind = TreeEntry::Kind::strings;
      e.strings.push_back(h5::read_attr_string(obj, n).value_or(""));
    } else if (cls == H5T_INTEGER) {
      e.kind = TreeEntry::Kind::numbers;
      e.numbers.push_back(static_cast<double>(h5::read_attr_int(obj, n).value_or(0)));
    } else if (cls == H5T_FLOAT) {
      e.kind = TreeEntry::Kind::numbers;
      e.numbers.push_back(h5::read_attr_double(obj, n).value_or(0));
    } else {
      e.kind = TreeEntry::Kind::strings;
      e.strings.push_back("<attribute of an unsupported type>");
    }
    tree[e.path] = std::move(e);
  }
}

std::vector<std::string> read_strings(hid_t d) {
  h5::Handle ftype(H5Dget_type(d));
  h5::Handle space(H5Dget_space(d));
  const auto n = static_cast<std::size_t>(std::max<hssize_t>(H5Sget_simple_extent_npoints(space), 0));
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5Tis_variable_str(ftype) > 0) {
    h5::Handle mtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(mtype, H5T_VARIABLE);
    std::vector<char*> p(n, nullptr);
    if (H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0) return {"<unreadable>"};
    for (auto* s : p) out.emplace_back(s ? s : "");
    H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, p.data());
  } else {
    const std::size_t w = H5Tget_size(ftype);
    h5::Handle mtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(mtype, w);
    std::vector<char> buf(n * w + 1, '\0');
    if (H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) return {"<unreadable>"};
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(buf.data() + i * w, strnlen(buf.data() + i * w, w));
  }
  return out;
}

void add_table(hid_t file, const std::string& path, Tree& tree) {
  const h5::Table t = h5::read_table(file, path.substr(1));
  const auto keys = table_key_columns(path, t.string_columns);
  // Columns that describe the whole row, as the schema declares them.
  const schema::Entry* decl = schema::find(path);
  auto role_column = [&](schema::Role r) {
    const schema::Column* c = decl && decl->node == schema::Node::table ? decl->role(r) : nullptr;
    return c ? c->name : std::string{};
  };
  const std::string unit_col = role_column(schema::Role::unit),
                    row_kind_col = role_column(schema::Role::row_kind),
                    value_kind_col = role_column(schema::Role::value_kind);
  std::map<std::string, int> seen;
  auto col = [&](const std::string& n) {
    return static_cast<std::size_t>(std::find(t.string_columns.begin(), t.string_columns.end(), n) -
                                    t.string_columns.begin());
  };
  const std::size_t rows = std::max({t.strings.size(), t.doubles.size(), t.ints.size()});
  for (std::size_t r = 0; r < rows; ++r) {
    std::string key;
    for (const auto& k : keys) {
      const auto c = col(k);
      std::string v = c < t.strings[r].size() ? t.strings[r][c] : "";
      key += "/" + (v.empty() ? std::string("-") : v);
    }
    if (keys.empty()) key = "/" + std::to_string(r);
    if (const int k = seen[key]++; k > 0) key += "#" + std::to_string(k);
    const std::string row_path = path + key;
    auto field = [&](const std::string& name) {
      const auto c = name.empty() ? t.string_columns.size() : col(name);
      return c < t.strings[r].size() ? t.strings[r][c] : std::string{};
    };
    const std::string unit = field(unit_col), row_kind = field(row_kind_col),
                      value_kind = field(value_kind_col);
    auto put = [&](const std::string& c, TreeEntry e) {
      e.path = row_path + "/" + c;
      e.unit = unit;
      e.row_kind = row_kind;
      e.value_kind = value_kind;
      e.table = path;
      e.column = c;
      tree[e.path] = std::move(e);
    };
    for (std::size_t c = 0; c < t.string_columns.size(); ++c) {
      if (std::find(keys.begin(), keys.end(), t.string_columns[c]) != keys.end()) continue;
      TreeEntry e;
      e.kind = TreeEntry::Kind::strings;
      e.strings.push_back(t.strings[r][c]);
      put(t.string_columns[c], std::move(e));
    }
    for (std::size_t c = 0; c < t.double_columns.size(); ++c) {
      TreeEntry e;
      e.kind = TreeEntry::Kind::numbers;
      e.numbers.push_back(t.doubles[r][c]);
      put(t.double_columns[c], std::move(e));
    }
    for (std::size_t c = 0; c < t.int_columns.size(); ++c) {
      TreeEntry e;
      e.kind = TreeEntry::Kind::numbers;
      e.numbers.push_back(static_cast<double>(t.ints[r][c]));
      put(t.int_columns[c], std::move(e));
    }
  }
}

// Groups already walked (by object identity) and the depth: a file whose links form a loop (a
// hard link to an ancestor) is otherwise walked forever.
struct Walk {
  std::set<std::string> seen;
  int depth = 0;
};
constexpr int kMaxGroupDepth = 64;

void walk(hid_t file, const std::string& path, Tree& tree, Walk& w) {
  const std::string rel = path == "/" ? "." : path.substr(1);
  if (!w.seen.insert(h5::object_identity(file, rel)).second)
    throw Error({{}, 0, path}, "the group is reached twice (a loop of links, or a second link to it)",
                "result sets written by xpubench have no loops; restore the file from a copy");
  if (w.depth > kMaxGroupDepth)
    throw Error({{}, 0, path}, "groups nested deeper than " + std::to_string(kMaxGroupDepth) + " levels",
                "result sets written by xpubench are a few levels deep; restore the file from a copy");
  h5::Handle g = h5::open_group(file, rel);
  TreeEntry self;
  self.path = path;
  tree[path] = self;
  add_attributes(g, path, tree);
  for (const auto& n : h5::children(g)) {
    const std::string child = join(path, n);
    const H5O_type_t type = object_type(g, n);
    if (type == H5O_TYPE_GROUP) {
      ++w.depth;
      walk(file, child, tree, w);
      --w.depth;
    } else if (type == H5O_TYPE_DATASET) {
      h5::Handle d(H5Dopen2(g, n.c_str(), H5P_DEFAULT));
      h5::Handle t(H5Dget_type(d));
      const H5T_class_t cls = H5Tget_class(t);
      add_attributes(d, child, tree);
      if (cls == H5T_COMPOUND) {
        TreeEntry e;  // the table itself, so a missing table is reported once
        e.path = child;
        tree[child] = e;
        add_table(file, child, tree);
        continue;
      }
      TreeEntry e;
      e.path = child;
      e.shape = h5::dataset_shape(g, n);
      e.unit = h5::read_attr_string(d, "unit").value_or("");
      e.value_kind = h5::read_attr_string(d, "kind").value_or("");
      if (cls == H5T_STRING) {
        e.kind = TreeEntry::Kind::strings;
        e.strings = read_strings(d);
      } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        e.kind = TreeEntry::Kind::numbers;
        e.numbers = h5::read_doubles(g, n);
      } else {
        e.kind = TreeEntry::Kind::strings;
        e.strings.push_back("<dataset of an unsupported type>");
      }
      tree[child] = std::move(e);
    }
  }
}

}  // namespace

std::vector<std::string> table_key_columns(const std::string& table_path,
                                           const std::vector<std::string>& string_columns) {
  auto has = [&](const std::string& c) {
    return std::find(string_columns.begin(), string_columns.end(), c) != string_columns.end();
  };
  std::vector<std::string> keys;
  const schema::Entry* decl = schema::find(table_path);
  if (decl && decl->node == schema::Node::table)
    keys = decl->keys();
  else if (has("name"))
    keys = {"name"};
  keys.erase(std::remove_if(keys.begin(), keys.end(), [&](const std::string& k) { return !has(k); }),
             keys.end());
  return keys;
}

Tree read_tree(const std::string& path) {
  h5::check_input_file(path, "give the path of an .h5 file");
  Tree tree;
  h5::guarded_read(path, [&] {
    h5::Handle f = h5::open_file(path);
    Walk w;
    tree.clear();
    walk(f, "/", tree, w);
  });
  return tree;
}

}  // namespace xpb::analysis
