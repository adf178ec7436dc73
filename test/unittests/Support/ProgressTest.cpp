//===- ProgressTest.cpp - Tests of the progress line ----------------------===//
#include "attnc/Support/Progress.h"

#include "gtest/gtest.h"

using namespace attnc;

namespace {

TEST(ProgressTest, FormatsBytes) {
  EXPECT_EQ(formatBytes(0), "0 B");
  EXPECT_EQ(formatBytes(999), "999 B");
  EXPECT_EQ(formatBytes(1500), "1.5 kB");
  EXPECT_EQ(formatBytes(2'000'000), "2.00 MB");
  EXPECT_EQ(formatBytes(4'200'000'000ull), "4.20 GB");
}

TEST(ProgressTest, BytesWithRateAndTimeLeft) {
  // 1.5 GB of 4.5 GB in 2 s: 750 MB/s, 3 GB left = 4 s.
  EXPECT_EQ(formatProgress(ProgressUnit::Bytes, 1'500'000'000ull,
                           4'500'000'000ull, 2.0),
            "1.50 GB of 4.50 GB (33%), 750.00 MB/s, 4.0 s left");
  // Done: no time left.
  EXPECT_EQ(formatProgress(ProgressUnit::Bytes, 300'000'000, 300'000'000, 1.0),
            "300.00 MB of 300.00 MB (100%), 300.00 MB/s");
}

TEST(ProgressTest, NoRateBeforeAnythingIsDone) {
  EXPECT_EQ(formatProgress(ProgressUnit::Bytes, 0, 1'000'000, 3.0),
            "0 B of 1.00 MB (0%)");
  EXPECT_EQ(formatProgress(ProgressUnit::Steps, 5, 10, 0.0),
            "5 of 10 steps (50%)");
}

TEST(ProgressTest, Steps) {
  EXPECT_EQ(formatProgress(ProgressUnit::Steps, 12, 40, 2.4),
            "12 of 40 steps (30%), 2.4 s");
}

TEST(ProgressTest, NothingUnlessEnabled) {
  std::string text;
  llvm::raw_string_ostream os(text);
  // A string (like a pipe or a file) is not a terminal.
  EXPECT_FALSE(ProgressLine::wanted(os, /*quiet=*/false));
  EXPECT_FALSE(ProgressLine::wanted(os, /*quiet=*/true));
  {
    ProgressLine line(os, ProgressLine::wanted(os, false), "loading",
                      ProgressUnit::Bytes);
    line.update(1, 2);
    line.update(2, 2);
  }
  EXPECT_EQ(text, "");
}

TEST(ProgressTest, OneLineThatRewritesItselfAndIsErased) {
  std::string text;
  llvm::raw_string_ostream os(text);
  {
    ProgressLine line(os, /*enabled=*/true, "compiling", ProgressUnit::Steps);
    line.update(0, 4, "canonicalize");
    line.update(4, 4); // the last is always drawn, however soon
  }
  std::string first = "\rcompiling: 0 of 4 steps (0%) [canonicalize]\x1b[K";
  EXPECT_EQ(text.substr(0, first.size()), first);
  size_t last = text.find("\rcompiling: 4 of 4 steps (100%)");
  ASSERT_NE(last, std::string::npos);
  // Erased on destruction: the text ends with a return and an erase.
  EXPECT_EQ(text.substr(text.size() - 4), "\r\x1b[K");
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

} // namespace
