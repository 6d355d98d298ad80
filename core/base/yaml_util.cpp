// core/base/yaml_util.cpp — bounded parsing and strict scalar conversion over yaml-cpp.
#include "core/base/yaml_util.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

namespace xpb::yaml {

[[noreturn]] static void too_large(const std::string& file, std::uintmax_t bytes) {
  throw Error({file, 0, {}},
              "the file has " + std::to_string(bytes) + " bytes; input files are limited to " +
                  std::to_string(kMaxDocumentBytes >> 20) + " MiB",
              "experiments, descriptors, model files and rules are small text files");
}

// Control characters (a binary file, a NUL that yaml-cpp would drop silently) and flow brackets
// outside quotes and comments, counted before yaml-cpp recurses into them. Block
// nesting needs an indentation per level and is bounded by the size limit and yaml-cpp's guard.
static void check_text(const std::string& text, const std::string& file) {
  int depth = 0, line = 1;
  char quote = 0;
  bool comment = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line, comment = false;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\r') || byte == 0x7f)
      throw Error({file, line, {}}, "a control character (byte " + std::to_string(byte) + ") in the text",
                  "YAML files are text; is this a binary file?");
    if (comment) continue;
    if (quote) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    const bool after_space = i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n';
    if (c == '#' && after_space)
      comment = true;
    else if (c == '"' || c == '\'')
      quote = c;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxFlowDepth)
        throw Error({file, line, {}}, "nested deeper than " + std::to_string(kMaxFlowDepth) + " levels",
                    "input files describe flat tables; flatten the structure");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// yaml-cpp 0.7 never returns from LoadAll when a document begins at a ',' — at the start
// (",", "--- ,", after a tag or anchor: "!t ,") or after a complete top-level value ("\"a\" ,",
// "[a] ,", "- a\n,"; found by fuzzing): it reports an empty document there, again and again,
// without consuming it. So the documents are first walked with the event parser, which builds no
// nodes: a document that begins where the previous one did, or at a ',', is refused; LoadAll is
// then only given text whose documents all advance.
namespace {

class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
  }
  void OnMapEnd() override {}
};

}  // namespace

static void check_documents_advance(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  while (parser.HandleNextDocument(handler)) {
    const YAML::Mark& m = handler.starts.back();
    const bool stuck = handler.starts.size() > 1 && m.pos == handler.starts[handler.starts.size() - 2].pos;
    if (stuck || (m.pos >= 0 && std::size_t(m.pos) < text.size() && text[std::size_t(m.pos)] == ','))
      throw Error({file, m.line + 1, {}}, "a YAML document cannot begin with ','",
                  "remove the comma, or write the list in brackets: [a, b]");
  }
}

YAML::Node parse(const std::string& text, const std::string& file) {
  if (text.size() > kMaxDocumentBytes) too_large(file, text.size());
  check_text(text, file);
  std::vector<YAML::Node> docs;
  try {
    check_documents_advance(text, file);
    docs = YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {
    throw Error({file, e.mark.line + 1, {}},
                "nested too deeply (yaml-cpp's limit of " + std::to_string(e.depth()) + " levels)",
                "input files describe flat tables; flatten the structure");
  } catch (const YAML::ParserException& e) {
    throw Error({file, e.mark.line + 1, {}}, "YAML syntax error: " + e.msg,
                "check indentation and quoting near this line");
  } catch (const YAML::Exception& e) {
    throw Error({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, {}}, "malformed YAML: " + e.msg);
  } catch (const std::bad_alloc&) {
    throw Error({file, 0, {}}, "out of memory while parsing", "the file is too large or too deeply nested");
  }
  if (docs.size() > 1)
    throw Error({file, line_of(docs[1]), {}},
                "the file holds " + std::to_string(docs.size()) + " YAML documents; one is expected",
                "remove the '---' line and what follows it, or split the file");
  if (docs.empty() || docs[0].IsNull())
    throw Error({file, 0, {}}, "the file is empty (or holds only comments)",
                "see the examples under experiments/ and platforms/");
  return docs[0];
}

YAML::Node load_file(const std::string& path, std::string* text) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error({path, 0, {}}, "is a directory, not a file", "give the path of a YAML file");
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw Error({path, 0, {}}, "is not a regular file (a pipe or a device?)", "give the path of a YAML file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error({path, 0, {}}, "cannot open file", "check the path");
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxDocumentBytes) too_large(path, size);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error({path, 0, {}}, "cannot read file", "check its permissions");
  if (text) *text = ss.str();
  return parse(ss.str(), path);
}

int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  const auto m = n.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

Where where(const std::string& file, const YAML::Node& n, const std::string& key) {
  return {file, line_of(n), key};
}

std::string join_key(const std::string& parent, const std::string& child) {
  return parent.empty() ? child : parent + "." + child;
}

static std::string scalar_text(const YAML::Node& n, const std::string& file, const std::string& key,
                               const char* expected) {
  if (!n.IsScalar())
    throw Error(where(file, n, key), std::string("expected ") + expected + ", got a " +
                                         (n.IsSequence() ? "list"
                                          : n.IsMap()    ? "mapping"
                                                         : "null"));
  return n.Scalar();
}

std::string as_string(const YAML::Node& n, const std::string& file, const std::string& key) {
  return scalar_text(n, file, key, "a string");
}

double as_number(const YAML::Node& n, const std::string& file, const std::string& key) {
  const std::string s = scalar_text(n, file, key, "a number");
  std::int64_t i = 0;
  if (looks_integer(s, &i)) return static_cast<double>(i);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
    throw Error(where(file, n, key), "expected a number, got '" + s + "'");
  return v;
}

bool looks_integer(const std::string& s, std::int64_t* out) {
  if (s.empty()) return false;
  auto parse_int = [](const std::string& t, std::int64_t* v) {
    if (t.empty()) return false;
    std::size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
    if (i == t.size()) return false;
    for (std::size_t j = i; j < t.size(); ++j)
      if (t[j] < '0' || t[j] > '9') return false;
    errno = 0;
    *v = std::strtoll(t.c_str(), nullptr, 10);
    return errno != ERANGE;
  };
  const auto caret = s.find('^');
  if (caret == std::string::npos) return parse_int(s, out);
  // "2^K" or "M*2^K"
  std::string head = s.substr(0, caret), exp = s.substr(caret + 1);
  std::int64_t mult = 1, base = 0, e = 0;
  const auto star = head.find('*');
  if (star != std::string::npos) {
    if (!parse_int(head.substr(0, star), &mult)) return false;
    head = head.substr(star + 1);
  }
  if (!parse_int(head, &base) || !parse_int(exp, &e) || e < 0 || e > 62) return false;
  double v = static_cast<double>(mult) * std::pow(static_cast<double>(base), static_cast<double>(e));
  if (std::fabs(v) > 9.2e18) return false;
  std::int64_t r = mult;
  for (std::int64_t k = 0; k < e; ++k) r *= base;
  *out = r;
  return true;
}

std::int64_t as_integer(const YAML::Node& n, const std::string& file, const std::string& key) {
  const std::string s = scalar_text(n, file, key, "an integer");
  std::int64_t v = 0;
  if (!looks_integer(s, &v))
    throw Error(where(file, n, key), "expected an integer, got '" + s + "'",
                "integers may be written as 1048576, 2^20 or 3*2^20");
  return v;
}

bool as_bool(const YAML::Node& n, const std::string& file, const std::string& key) {
  const std::string s = scalar_text(n, file, key, "true or false");
  if (s == "true" || s == "True" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "False" || s == "no" || s == "off") return false;
  throw Error(where(file, n, key), "expected true or false, got '" + s + "'");
}

}  // namespace xpb::yaml
