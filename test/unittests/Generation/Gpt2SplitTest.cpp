//===- Gpt2SplitTest.cpp - The hand-written splitter vs Python's regex ----===//
#include "Gpt2Split.h"

#include "GenerationTestUtils.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using attnc::rt::splitGpt2;
using attnc::test::inputPath;
using attnc::test::readFile;

namespace {

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> pieces;
  for (std::string_view piece : splitGpt2(text))
    pieces.emplace_back(piece);
  return pieces;
}

// bpe-expected.json holds regex.findall(GPT-2's pattern, text), computed by
// test/reference/bpe_reference.py.
TEST(Gpt2SplitTest, AgreesWithRegexFindall) {
  auto cases = nlohmann::json::parse(readFile(inputPath("bpe-expected.json")));
  ASSERT_GT(cases.size(), 10u);
  for (const auto &c : cases) {
    std::string text = c["text"];
    EXPECT_EQ(split(text), c["pieces"].get<std::vector<std::string>>())
        << "text: " << text;
  }
}

TEST(Gpt2SplitTest, WhitespaceLeavesItsLastCharacterToTheNextWord) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("a   b"), (V{"a", "  ", " b"}));
  EXPECT_EQ(split("a\n\nb"), (V{"a", "\n", "\n", "b"}));
  EXPECT_EQ(split("a \n b"), (V{"a", " \n", " b"}));
  EXPECT_EQ(split("end   "), (V{"end", "   "}));
  EXPECT_EQ(split(" "), (V{" "}));
  EXPECT_EQ(split(""), V{});
}

TEST(Gpt2SplitTest, ContractionsAreLowercaseOnly) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("it's we'll I'M"), (V{"it", "'s", " we", "'ll", " I", "'", "M"}));
  EXPECT_EQ(split("'x"), (V{"'", "x"}));
}

TEST(Gpt2SplitTest, InvalidBytesAreOtherCharacters) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("ab\xff\xfe cd \xc3"), (V{"ab", "\xff\xfe", " cd", " \xc3"}));
  // The pieces always cover the input.
  std::string all;
  for (int b = 0; b < 256; ++b)
    all += static_cast<char>(b);
  std::string joined;
  for (const std::string &piece : split(all))
    joined += piece;
  EXPECT_EQ(joined, all);
}

} // namespace
