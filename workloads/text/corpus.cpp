// workloads/text/corpus.cpp — reading verse files and splitting them into train / held-out text.
#include "workloads/text/corpus.hpp"

#include <fstream>
#include <sstream>

#include "core/base/error.hpp"
#include "core/base/sha256.hpp"

namespace xpb::text {
namespace {

// "1Cor13:4" -> "1Cor": drop the trailing "chapter:verse" digits.
std::string book_of(const std::string& ref) {
  std::size_t end = ref.find(':');
  if (end == std::string::npos) end = ref.size();
  while (end > 0 && ref[end - 1] >= '0' && ref[end - 1] <= '9') --end;
  if (end == 0) end = ref.find(':') == std::string::npos ? ref.size() : ref.find(':');
  return ref.substr(0, end);
}

}  // namespace

std::string resolve_corpus_path(const std::string& name, const std::string& data_dir) {
  if (!name.empty() && name[0] == '/') return name;
  return (data_dir.empty() ? std::string(".") : data_dir) + "/" + name;
}

Corpus load_corpus(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error({path, 0, "corpus"}, "cannot read the corpus file",
                "run scripts/setup.sh (it extracts the KJV text from Debian's bible-kjv-text "
                "into .cache/data/kjv.txt), or set XPB_DATA_DIR");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  Corpus c;
  c.path = path;
  c.sha256 = sha256_hex(bytes);
  std::istringstream lines(bytes);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t sp = line.find(' ');
    if (line.empty() || sp == std::string::npos || sp + 1 >= line.size()) continue;
    Verse v;
    v.ref = line.substr(0, sp);
    v.text = line.substr(sp + 1);
    v.book = book_of(v.ref);
    if (c.books.empty() || c.books.back() != v.book) {
      // A book seen before keeps its index (books are contiguous in a real corpus).
      int idx = -1;
      for (std::size_t b = 0; b < c.books.size(); ++b)
        if (c.books[b] == v.book) idx = static_cast<int>(b);
      if (idx < 0) c.books.push_back(v.book);
    }
    for (std::size_t b = 0; b < c.books.size(); ++b)
      if (c.books[b] == v.book) v.book_index = static_cast<int>(b);
    c.verses.push_back(std::move(v));
  }
  if (c.verses.empty())
    throw Error({path, 0, "corpus"}, "the corpus file holds no \"REF text\" lines",
                "expected one verse per line, e.g. \"Ge1:1 In the beginning ...\"");
  return c;
}

TextSplit split_text(const Corpus& c, int every) {
  TextSplit s;
  for (std::size_t i = 0; i < c.verses.size(); ++i) {
    const bool held = every > 0 && static_cast<int>(i % every) == every - 1;
    std::string& dst = held ? s.heldout : s.train;
    dst += c.verses[i].text;
    dst += '\n';
    (held ? s.heldout_verses : s.train_verses) += 1;
  }
  return s;
}

}  // namespace xpb::text
