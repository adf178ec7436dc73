//===- GenerationTestUtils.h - Shared helpers of the generation tests -*- C++ -*-===//
#ifndef ATTNC_TEST_UNITTESTS_GENERATION_GENERATIONTESTUTILS_H
#define ATTNC_TEST_UNITTESTS_GENERATION_GENERATIONTESTUTILS_H

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace attnc::test {

/// A file of test/unittests/Generation/Inputs.
inline std::string inputPath(const std::string &name) {
  return std::string(ATTNC_GENERATION_INPUTS) + "/" + name;
}

inline std::string readFile(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << "cannot read " << path;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

/// Expects `text` to contain `part`.
#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "'" << (text) << "' does not contain '" << (part) << "'"

} // namespace attnc::test

#endif // ATTNC_TEST_UNITTESTS_GENERATION_GENERATIONTESTUTILS_H
