//===- TestFiles.h - Temporary files for the runtime tests ------*- C++ -*-===//
#ifndef ATTNC_TEST_UNITTESTS_RUNTIME_TESTFILES_H
#define ATTNC_TEST_UNITTESTS_RUNTIME_TESTFILES_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace attnc::test {

/// A path in the test's temporary directory, unique to this test and `name`,
/// removed when the object dies.
class TempPath {
public:
  explicit TempPath(const std::string &name) {
    const testing::TestInfo *info =
        testing::UnitTest::GetInstance()->current_test_info();
    std::string file = "attnc-" + std::to_string(getpid()) + "-" +
                       info->test_suite_name() + "-" + info->name() + "-" +
                       name;
    // Parameterized tests have '/' in their names.
    std::replace(file.begin(), file.end(), '/', '_');
    path = testing::TempDir() + file;
  }
  ~TempPath() { std::remove(path.c_str()); }
  TempPath(const TempPath &) = delete;
  TempPath &operator=(const TempPath &) = delete;

  const std::string &str() const { return path; }
  const char *c_str() const { return path.c_str(); }

private:
  std::string path;
};

inline void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

/// A safetensors file made by hand: the 8-byte length, `header`, `data`.
inline std::string safetensorsBytes(const std::string &header,
                                    const std::string &data,
                                    uint64_t headerLength = UINT64_MAX) {
  if (headerLength == UINT64_MAX)
    headerLength = header.size();
  std::string bytes;
  for (int i = 0; i < 8; ++i)
    bytes += static_cast<char>(headerLength >> (8 * i));
  return bytes + header + data;
}

} // namespace attnc::test

#endif // ATTNC_TEST_UNITTESTS_RUNTIME_TESTFILES_H
