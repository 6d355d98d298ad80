// tests/test_support.hpp — helpers shared by tests: source-tree paths and temporary folders.
#pragma once

#include <filesystem>
#include <random>
#include <string>

namespace xpb::test {

inline std::string source_path(const std::string& rel) { return std::string(XPB_SOURCE_DIR) + "/" + rel; }

// A fresh temporary folder, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() / ("xpb-test-" + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (m_path / name).string(); }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

}  // namespace xpb::test
