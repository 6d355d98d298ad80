// core/base/sha256.hpp — SHA-256 digests (FIPS 180-4) of strings and files, as lowercase hex.
// Used for provenance: experiment text, descriptors, corpora. Not for security.
#pragma once

#include <string>

namespace xpb {

std::string sha256_hex(const std::string& data);
// Digest of a file's bytes; throws xpb::Error when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace xpb
