//===- FakeFileTree.h - Temporary system files for tests ----*- C++ -*-===//
//
// A base for fixtures whose code reads /proc, sysfs or cgroup files: a fresh
// temporary directory per test (`root`), files written under it with their
// directories, all removed afterwards.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_UNITTESTS_RUNTIME_FAKEFILETREE_H
#define ATTNC_TEST_UNITTESTS_RUNTIME_FAKEFILETREE_H

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <stdlib.h>

class FakeFileTree : public testing::Test {
protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "attnc-files-XXXXXX";
    ASSERT_TRUE(mkdtemp(pattern.data()));
    root = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(root); }

  /// Writes `text` to `path` under the root.
  void write(const std::string &path, const std::string &text) {
    std::filesystem::create_directories(
        std::filesystem::path(root + path).parent_path());
    std::ofstream(root + path) << text;
  }

  std::string root;
};

#endif // ATTNC_TEST_UNITTESTS_RUNTIME_FAKEFILETREE_H
