// workloads/mlp/book_groups.hpp — the six genre groups of the Bible's books, the MLP's labels.
// Law, History, Poetry, Prophets (with Revelation), Gospels + Acts, Epistles; books are named by
// the bible-kjv CLI's abbreviations ("Ge", "1Sm", "SSol", ...). Nothing else.
#pragma once

#include <string>

namespace xpb::mlp {

inline constexpr int kBookGroups = 6;
// Group index in [0, 6) of a book abbreviation, or -1 when the name is unknown.
int book_group(const std::string& book);
const char* book_group_name(int group);

}  // namespace xpb::mlp
