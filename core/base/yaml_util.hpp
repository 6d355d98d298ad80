// core/base/yaml_util.hpp — bounded YAML parsing and strict scalar conversion over yaml-cpp.
// Load a file (size-limited, every yaml-cpp exception turned into xpb::Error with its line) and
// convert scalars with typed messages. Keys, structure and documentation are core/base/input_schema.hpp's.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/base/error.hpp"

namespace xpb::yaml {

// Input files larger than this are refused before parsing (they are hand-written text: the largest
// shipped file has 21 kB). yaml-cpp needs about 25 us and 1 kB per node, so 1 MiB of a flow list
// (~200k nodes) already costs seconds and 250 MB; the node and depth budgets are
// input::Limits (core/base/input_schema.hpp).
constexpr std::size_t kMaxDocumentBytes = std::size_t(1) << 20;
// Flow collections ([ and {) nested deeper than this are refused before parsing.
constexpr int kMaxFlowDepth = 64;

// Parse text; a syntax error becomes xpb::Error with the line of the problem. Nothing yaml-cpp
// throws escapes (its recursion limit and memory exhaustion included). A file of more than one
// document (`---`), an empty one, and one nested too deeply are refused.
YAML::Node parse(const std::string& text, const std::string& file);
// Read a file into `text` and parse it.
YAML::Node load_file(const std::string& path, std::string* text);

// 1-based line of a node (0 when unknown).
int line_of(const YAML::Node& n);
Where where(const std::string& file, const YAML::Node& n, const std::string& key);
std::string join_key(const std::string& parent, const std::string& child);

std::string as_string(const YAML::Node& n, const std::string& file, const std::string& key);
double as_number(const YAML::Node& n, const std::string& file, const std::string& key);
// Integers also accept "2^K" and "M*2^K" strings (handy for sizes).
std::int64_t as_integer(const YAML::Node& n, const std::string& file, const std::string& key);
bool as_bool(const YAML::Node& n, const std::string& file, const std::string& key);

// True if the scalar is written as a YAML string that parses as an integer or "2^K" form.
bool looks_integer(const std::string& s, std::int64_t* out);

}  // namespace xpb::yaml
