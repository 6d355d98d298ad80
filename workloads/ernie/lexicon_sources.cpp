// workloads/ernie/lexicon_sources.cpp — reading the manifest and the Debian word lists it names.
// WordNet's file formats are those of its wndb(5) manual page; morphy's detachment rules are those
// of its morphy(7) page. Every file's SHA-256 is checked before it is parsed.
#include "workloads/ernie/lexicon_sources.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/base/build_info.hpp"
#include "core/base/error.hpp"
#include "core/base/sha256.hpp"

namespace xpb::ernie {
namespace {

const std::vector<std::string>& required_roles() {
  static const std::vector<std::string> r = {
      "wordnet-index-noun", "wordnet-index-verb", "wordnet-index-adj", "wordnet-index-adv",
      "wordnet-exc-noun",   "wordnet-exc-verb",   "wordnet-exc-adj",   "wordnet-data-noun",
      "wordnet-cntlist",    "connectives",        "propernames",       "countries",
      "cities"};
  return r;
}

std::string read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error({path, 0, ""}, "cannot read file");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// The decompressed text of a gzip file (zlib reads plain files through unchanged).
std::string read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error({path, 0, ""}, "cannot read file");
  std::string out;
  char buf[1 << 15];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool bad = n < 0;
  gzclose(f);
  if (bad) throw Error({path, 0, ""}, "not a readable gzip file");
  return out;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    v.push_back(line);
  }
  return v;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// index.<pos>: "lemma pos synset_cnt ..." per line; licence lines start with two spaces.
void parse_index(const std::string& text, std::unordered_set<std::string>& out) {
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line[0] == ' ') continue;
    out.insert(line.substr(0, line.find(' ')));
  }
}

// <pos>.exc: "inflected base [base ...]".
void parse_exceptions(const std::string& text, std::unordered_map<std::string, std::vector<std::string>>& out) {
  for (const auto& line : lines_of(text)) {
    std::istringstream in(line);
    std::string form, base;
    if (!(in >> form)) continue;
    while (in >> base) out[form].push_back(base);
  }
}

// cntlist.rev: "sense_key sense_number tag_cnt"; sense_key = lemma%ss_type:... with ss_type
// 1 noun, 2 verb, 3 adjective, 4 adverb, 5 adjective satellite.
void parse_cntlist(const std::string& text, WordNet& wn) {
  for (const auto& line : lines_of(text)) {
    std::istringstream in(line);
    std::string key;
    int sense = 0, count = 0;
    if (!(in >> key >> sense >> count)) continue;
    const std::size_t pct = key.find('%');
    if (pct == std::string::npos || pct + 1 >= key.size()) continue;
    int pos = -1;
    switch (key[pct + 1]) {
      case '1': pos = 0; break;
      case '2': pos = 1; break;
      case '3': case '5': pos = 2; break;
      case '4': pos = 3; break;
      default: continue;
    }
    wn.sense_count[pos][lower(key.substr(0, pct))] += count;
  }
}

// data.noun: "offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id ...] ...". A word
// spelled in lower case is a common noun; a capitalised one is a proper name for the gazetteer.
void parse_data_noun(const std::string& text, WordNet& wn, std::set<std::string>& names) {
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line[0] == ' ') continue;
    std::istringstream in(line);
    std::string offset, filenum, type, cnt_hex;
    if (!(in >> offset >> filenum >> type >> cnt_hex)) continue;
    const long cnt = std::strtol(cnt_hex.c_str(), nullptr, 16);
    for (long k = 0; k < cnt; ++k) {
      std::string word, lex_id;
      if (!(in >> word >> lex_id)) break;
      if (word.empty()) continue;
      if (word[0] >= 'A' && word[0] <= 'Z') {
        std::replace(word.begin(), word.end(), '_', ' ');
        names.insert(word);
      } else if (word[0] >= 'a' && word[0] <= 'z') {
        wn.common_nouns.insert(lower(word));
      }
    }
  }
}

}  // namespace

std::vector<std::string> WordNet::base_forms(const std::string& word, Pos p) const {
  // morphy(7)'s detachment rules per part of speech (adverbs have none).
  static const std::array<std::vector<std::pair<const char*, const char*>>, 4> rules = {{
      {{"s", ""}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"},
       {"men", "man"}, {"ies", "y"}},
      {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"},
       {"ing", ""}},
      {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
      {}}};
  const int i = static_cast<int>(p);
  std::vector<std::string> out;
  auto add = [&](const std::string& b) {
    if (lemmas[i].count(b) && std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  };
  const auto ex = exceptions[i].find(word);
  if (ex != exceptions[i].end())
    for (const auto& b : ex->second) add(b);
  add(word);
  for (const auto& [suffix, repl] : rules[i]) {
    const std::string s(suffix);
    if (word.size() > s.size() && word.compare(word.size() - s.size(), s.size(), s) == 0)
      add(word.substr(0, word.size() - s.size()) + repl);
  }
  return out;
}

int WordNet::frequency(const std::string& word, Pos p) const {
  const int i = static_cast<int>(p);
  std::vector<std::string> bases;
  if (p == Pos::verb && lemmas[i].count(word)) bases = {word};  // "seed" is not "see" + "ed"
  else bases = base_forms(word, p);
  int best = -1;
  for (const auto& b : bases) {
    if (p == Pos::noun && !common_nouns.count(b)) continue;  // "Prophets" (the books) is not "prophet"
    const auto it = sense_count[i].find(b);
    best = std::max(best, it == sense_count[i].end() ? 0 : it->second);
  }
  return best < 0 ? 0 : best + 1;
}

std::vector<SourceFile> read_source_manifest(const std::string& manifest_path) {
  const std::string text = read_plain(manifest_path);
  std::vector<SourceFile> files;
  std::set<std::string> seen;
  int line_no = 0;
  for (const auto& line : lines_of(text)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::size_t b = 0;
    for (std::size_t e; (e = line.find('\t', b)) != std::string::npos; b = e + 1) f.push_back(line.substr(b, e - b));
    f.push_back(line.substr(b));
    if (f.size() != 5)
      throw Error({manifest_path, line_no, ""}, "expected ROLE<TAB>PACKAGE<TAB>VERSION<TAB>PATH<TAB>SHA256");
    const auto& roles = required_roles();
    if (std::find(roles.begin(), roles.end(), f[0]) == roles.end())
      throw Error({manifest_path, line_no, ""}, "unknown role '" + f[0] + "'",
                  "did you mean '" + closest_match(f[0], roles) + "'?");
    if (!seen.insert(f[0]).second) throw Error({manifest_path, line_no, ""}, "role '" + f[0] + "' listed twice");
    if (f[4].size() != 64) throw Error({manifest_path, line_no, ""}, "sha256 must be 64 hex digits");
    files.push_back({f[0], f[1], f[2], f[3], f[4], line_no});
  }
  for (const auto& r : required_roles())
    if (!seen.count(r)) throw Error({manifest_path, 0, ""}, "role '" + r + "' is missing");
  return files;
}

std::string default_source_manifest() {
  return std::string(build_info().source_dir) + "/data/ernie-lexicon-sources.tsv";
}

LexiconSources load_lexicon_sources(const std::string& manifest_path) {
  LexiconSources s;
  s.manifest_path = manifest_path;
  s.manifest_sha256 = sha256_hex(read_plain(manifest_path));
  std::set<std::string> names;
  for (const SourceFile& f : read_source_manifest(manifest_path)) {
    std::string raw;
    try {
      raw = read_plain(f.path);
    } catch (const Error&) {
      throw Error({manifest_path, f.line, ""}, f.path + " is missing (role " + f.role + ")",
                  "install Debian's " + f.package + " (scripts/setup.sh does)");
    }
    const std::string digest = sha256_hex(raw);
    if (digest != f.sha256)
      throw Error({manifest_path, f.line, ""},
                  f.path + " has SHA-256 " + digest + ", the manifest pins " + f.sha256,
                  "install " + f.package + " " + f.version +
                      ", or, for another version, update the manifest and re-label the lexicon sample");
    const bool gz = f.path.size() > 3 && f.path.compare(f.path.size() - 3, 3, ".gz") == 0;
    const std::string text = gz ? read_gzip(f.path) : raw;
    WordNet& wn = s.wordnet;
    if (f.role == "wordnet-index-noun") parse_index(text, wn.lemmas[0]);
    else if (f.role == "wordnet-index-verb") parse_index(text, wn.lemmas[1]);
    else if (f.role == "wordnet-index-adj") parse_index(text, wn.lemmas[2]);
    else if (f.role == "wordnet-index-adv") parse_index(text, wn.lemmas[3]);
    else if (f.role == "wordnet-exc-noun") parse_exceptions(text, wn.exceptions[0]);
    else if (f.role == "wordnet-exc-verb") parse_exceptions(text, wn.exceptions[1]);
    else if (f.role == "wordnet-exc-adj") parse_exceptions(text, wn.exceptions[2]);
    else if (f.role == "wordnet-cntlist") parse_cntlist(text, wn);
    else if (f.role == "wordnet-data-noun") parse_data_noun(text, wn, names);
    else if (f.role == "connectives") {
      for (const auto& l : lines_of(text))
        if (!trim(l).empty()) s.connectives.push_back(lower(trim(l)));
    } else if (f.role == "propernames") {
      for (const auto& l : lines_of(text))
        if (!trim(l).empty()) names.insert(trim(l));
    } else if (f.role == "countries") {  // UN:ISO2:ISO3:Name:Capital
      for (const auto& l : lines_of(text)) {
        if (l.empty() || l[0] == '#') continue;
        std::vector<std::string> part;
        std::istringstream in(l);
        for (std::string p; std::getline(in, p, ':');) part.push_back(trim(p));
        if (part.size() >= 5) {
          if (!part[3].empty()) names.insert(part[3]);
          if (!part[4].empty()) names.insert(part[4]);
        }
      }
    } else if (f.role == "cities") {  // "Name        : Aberdeen"
      for (const auto& l : lines_of(text))
        if (l.compare(0, 4, "Name") == 0 && l.find(':') != std::string::npos) {
          const std::string n = trim(l.substr(l.find(':') + 1));
          if (!n.empty()) names.insert(n);
        }
    }
  }
  s.gazetteer.assign(names.begin(), names.end());
  return s;
}

}  // namespace xpb::ernie
