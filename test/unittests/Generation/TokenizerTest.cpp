//===- TokenizerTest.cpp - Byte-level and BPE tokenizers ------------------===//
//
// Token ids are checked against test/reference/bpe_reference.py, a Python
// BPE written from the algorithm (GPT-2's merge loop and Python's `regex`),
// on a tokenizer.json learned by Inputs/make_tokenizer.py.
//
//===----------------------------------------------------------------------===//
#include "GenerationTestUtils.h"

#include "attnc/generation.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <unistd.h>

using namespace attnc;
using attnc::test::inputPath;
using attnc::test::readFile;
using json = nlohmann::json;

namespace {

using Ids = std::vector<int64_t>;

/// A tokenizer.json written to a temporary file for one test.
class TempTokenizer {
public:
  explicit TempTokenizer(const std::string &text) {
    path = testing::TempDir() + "attnc-tokenizer-" + std::to_string(getpid()) +
           "-" + testing::UnitTest::GetInstance()->current_test_info()->name() +
           "-" + std::to_string(counter++) + ".json";
    std::FILE *file = std::fopen(path.c_str(), "wb");
    EXPECT_TRUE(file);
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }
  ~TempTokenizer() { std::remove(path.c_str()); }

  Expected<Tokenizer> open() const { return Tokenizer::open(path); }

private:
  static inline int counter = 0;
  std::string path;
};

Tokenizer openFixture(const std::string &name = "tokenizer.json") {
  Expected<Tokenizer> tokenizer = Tokenizer::open(inputPath(name));
  EXPECT_TRUE(tokenizer) << tokenizer.error().message();
  return std::move(*tokenizer);
}

Ids encode(const Tokenizer &tokenizer, std::string_view text) {
  Expected<Ids> ids = tokenizer.encode(text);
  EXPECT_TRUE(ids) << ids.error().message();
  return ids ? *ids : Ids{};
}

std::string decode(const Tokenizer &tokenizer, const Ids &ids) {
  Expected<std::string> text = tokenizer.decode(ids);
  EXPECT_TRUE(text) << text.error().message();
  return text ? *text : std::string();
}

/// The GPT-2 byte characters as a vocabulary: ids 0..255 are the bytes.
json byteVocab() {
  json vocab = json::object();
  int next = 0x100;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                     (b >= 0xAE && b <= 0xFF);
    int c = printable ? b : next++;
    std::string spelling;
    if (c < 0x80) {
      spelling += static_cast<char>(c);
    } else {
      spelling += static_cast<char>(0xC0 | c >> 6);
      spelling += static_cast<char>(0x80 | (c & 0x3F));
    }
    vocab[spelling] = b;
  }
  return vocab;
}

json minimalTokenizer() {
  return {{"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
          {"model",
           {{"type", "BPE"}, {"vocab", byteVocab()}, {"merges", json::array()}}},
          {"added_tokens", json::array()}};
}

std::string allBytes() {
  std::string bytes;
  for (int b = 0; b < 256; ++b)
    bytes += static_cast<char>(b);
  return bytes;
}

TEST(ByteTokenizerTest, EachByteIsItsId) {
  Expected<Tokenizer> tokenizer = Tokenizer::bytes();
  ASSERT_TRUE(tokenizer);
  EXPECT_EQ(tokenizer->vocabSize(), 256);
  EXPECT_EQ(encode(*tokenizer, std::string("A\xff\0z", 4)), (Ids{65, 255, 0, 122}));
  EXPECT_EQ(decode(*tokenizer, {104, 105}), "hi");
  EXPECT_EQ(decode(*tokenizer, encode(*tokenizer, allBytes())), allBytes());
  EXPECT_EQ(encode(*tokenizer, ""), Ids{});
}

TEST(ByteTokenizerTest, RejectsIdsOutsideTheBytes) {
  Expected<Tokenizer> tokenizer = Tokenizer::bytes();
  for (int64_t id : {256, -1}) {
    Expected<std::string> text = tokenizer->decode(Ids{65, id});
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(text.error().message(), "outside the byte-level vocabulary");
  }
}

class BpeReferenceTest : public testing::TestWithParam<const char *> {};

TEST_P(BpeReferenceTest, IdsMatchTheReference) {
  Tokenizer tokenizer = openFixture(GetParam());
  EXPECT_EQ(tokenizer.vocabSize(), 557);
  json cases = json::parse(readFile(inputPath("bpe-expected.json")));
  ASSERT_GT(cases.size(), 10u);
  for (const json &c : cases) {
    std::string text = c["text"];
    Ids expected = c["ids"];
    EXPECT_EQ(encode(tokenizer, text), expected) << "text: " << text;
    EXPECT_EQ(decode(tokenizer, expected), text);
  }
}

// tokenizer.json spells merges "a b", tokenizer-pairs.json ["a", "b"].
INSTANTIATE_TEST_SUITE_P(MergeSpellings, BpeReferenceTest,
                         testing::Values("tokenizer.json",
                                         "tokenizer-pairs.json"));

TEST(BpeTokenizerTest, RoundTripsAnyText) {
  Tokenizer tokenizer = openFixture();
  for (std::string text :
       {std::string("The keeper's lighthouse, 1887."), allBytes(),
        std::string("\xff\xfe invalid \xc3 UTF-8 \xe6\x9d"),
        std::string("mixed 東京 😀 ١٢٣ <|endoftext|> \t\n  "),
        std::string("nul\0inside", 10)}) {
    Ids ids = encode(tokenizer, text);
    EXPECT_LE(ids.size(), text.size());
    EXPECT_EQ(decode(tokenizer, ids), text);
  }
}

TEST(BpeTokenizerTest, RoundTripsRandomBytes) {
  // Bytes biased towards what the splitter and the merges care about:
  // letters, digits, spaces, quotes, UTF-8 lead and continuation bytes.
  static const char kAlphabet[] = "ee ll th'sS\n\t1 9.!<|>\xC3\xA9\xE6\x9D\xB1"
                                  "\xF0\x9F\x98\x80\xFF\x80";
  Tokenizer tokenizer = openFixture();
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (uint32_t n = next() >> 27; n > 0; --n)
      text += (next() >> 24) % 4 == 0
                  ? static_cast<char>(next() >> 24)
                  : kAlphabet[(next() >> 16) % (sizeof(kAlphabet) - 1)];
    if (round % 7 == 0)
      text += "<|endoftext|>";
    Expected<Ids> ids = tokenizer.encode(text);
    ASSERT_TRUE(ids) << ids.error().message();
    ASSERT_EQ(decode(tokenizer, *ids), text) << "round " << round;
  }
}

TEST(BpeTokenizerTest, FindsTokensBySpelling) {
  Tokenizer tokenizer = openFixture();
  int64_t eot = tokenizer.tokenId("<|endoftext|>");
  EXPECT_EQ(eot, 556);
  EXPECT_TRUE(tokenizer.isAddedToken(eot));
  int64_t the = tokenizer.tokenId("\xC4\xA0the"); // "Ġthe"
  ASSERT_GE(the, 256);
  EXPECT_FALSE(tokenizer.isAddedToken(the));
  EXPECT_EQ(encode(tokenizer, " the"), Ids{the});
  EXPECT_EQ(tokenizer.tokenId("no such token"), -1);
  EXPECT_FALSE(tokenizer.isAddedToken(-1));
  EXPECT_FALSE(tokenizer.isAddedToken(100000));
}

TEST(BpeTokenizerTest, AddPrefixSpace) {
  json spec = json::parse(readFile(inputPath("tokenizer.json")));
  spec["pre_tokenizer"]["add_prefix_space"] = true;
  TempTokenizer file(spec.dump());
  Expected<Tokenizer> prefixed = file.open();
  ASSERT_TRUE(prefixed) << prefixed.error().message();
  Tokenizer plain = openFixture();
  EXPECT_EQ(encode(*prefixed, "the keeper"), encode(plain, " the keeper"));
  EXPECT_EQ(encode(*prefixed, " the keeper"), encode(plain, " the keeper"));
}

TEST(BpeTokenizerTest, IgnoreMergesTakesWholeWords) {
  json spec = minimalTokenizer();
  spec["model"]["vocab"]["hello"] = 300;
  spec["model"]["vocab"]["he"] = 301;
  spec["model"]["merges"] = {"h e"};
  TempTokenizer merging(spec.dump());
  EXPECT_EQ(encode(*merging.open(), "hello"), (Ids{301, 'l', 'l', 'o'}));
  spec["model"]["ignore_merges"] = true;
  TempTokenizer ignoring(spec.dump());
  EXPECT_EQ(encode(*ignoring.open(), "hello"), Ids{300});
  EXPECT_EQ(encode(*ignoring.open(), "help"), (Ids{301, 'l', 'p'}));
}

TEST(BpeTokenizerTest, AddedTokenOptions) {
  json spec = minimalTokenizer();
  spec["added_tokens"] = {
      {{"id", 300}, {"content", "<a>"}, {"lstrip", true}},
      {{"id", 301}, {"content", "<b>"}, {"rstrip", true}},
      {{"id", 302}, {"content", "ab"}, {"single_word", true}},
      {{"id", 303}, {"content", "<a>x"}},
  };
  TempTokenizer file(spec.dump());
  Expected<Tokenizer> tokenizer = file.open();
  ASSERT_TRUE(tokenizer) << tokenizer.error().message();
  // lstrip swallows the spaces before, rstrip the spaces after.
  EXPECT_EQ(encode(*tokenizer, "y  <a> y"), (Ids{'y', 300, ' ', 'y'}));
  EXPECT_EQ(encode(*tokenizer, "y <b>  y"), (Ids{'y', ' ', 301, 'y'}));
  // single_word: not when a letter or digit touches it.
  EXPECT_EQ(encode(*tokenizer, "ab cab ab1 ab"),
            (Ids{302, ' ', 'c', 'a', 'b', ' ', 'a', 'b', '1', ' ', 302}));
  // The longest added token wins at a position.
  EXPECT_EQ(encode(*tokenizer, "<a>xy"), (Ids{303, 'y'}));
  EXPECT_EQ(decode(*tokenizer, {300, 301, 'z'}), "<a><b>z");
}

TEST(BpeTokenizerTest, ReportsAMissingByte) {
  json spec = minimalTokenizer();
  spec["model"]["vocab"].erase("A");
  spec["model"]["vocab"]["extra"] = 65;
  TempTokenizer file(spec.dump());
  Expected<Tokenizer> tokenizer = file.open();
  ASSERT_TRUE(tokenizer) << tokenizer.error().message();
  Expected<Ids> ids = tokenizer->encode("BAD");
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().message(),
            "cannot encode byte 0x41: the vocabulary has no token for it");
}

TEST(BpeTokenizerTest, RejectsUnknownIds) {
  Tokenizer tokenizer = openFixture();
  for (int64_t id : {-1, 557, 1 << 20}) {
    Expected<std::string> text = tokenizer.decode(Ids{id});
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().message(),
              "token id " + std::to_string(id) +
                  " is not in the vocabulary (557 ids)");
  }
}

// Found by attnc-fuzz-tokenizer: one large id made the tables as long as
// the id (64 GB for 2e9) before any check.
TEST(BpeTokenizerTest, SparseIdsCostNoMemory) {
  json spec = minimalTokenizer();
  spec["model"]["vocab"]["zz"] = 2000000000;
  TempTokenizer file(spec.dump());
  Expected<Tokenizer> tokenizer = file.open();
  ASSERT_TRUE(tokenizer) << tokenizer.error().message();
  EXPECT_EQ(tokenizer->vocabSize(), 2000000001);
  EXPECT_EQ(decode(*tokenizer, Ids{2000000000, 'a'}), "zza");
  Expected<std::string> hole = tokenizer->decode(Ids{1999999999});
  ASSERT_FALSE(hole);
  EXPECT_EQ(hole.error().message(),
            "token id 1999999999 is not in the vocabulary (2000000001 ids)");
  EXPECT_EQ(encode(*tokenizer, "zz"), (Ids{'z', 'z'}));
}

// Found by attnc-fuzz-tokenizer: a number beyond a double made the JSON
// parser throw an exception other than a parse error, which ended the process.
TEST(BpeTokenizerTest, RejectsOverflowingNumbers) {
  TempTokenizer file("[1e99999]");
  Expected<Tokenizer> tokenizer = file.open();
  ASSERT_FALSE(tokenizer);
  EXPECT_EQ(tokenizer.error().code(), ATTNC_ERROR_FORMAT);
  EXPECT_CONTAINS(tokenizer.error().message(),
                  "invalid JSON: number overflow parsing '1e99999'");
}

// Found by hand while fixing the above: printing a deeply nested value in a
// message overflowed the stack.
TEST(BpeTokenizerTest, RejectsDeepNesting) {
  TempTokenizer file("{\"normalizer\": " + std::string(100000, '[') +
                     std::string(100000, ']') + "}");
  Expected<Tokenizer> tokenizer = file.open();
  ASSERT_FALSE(tokenizer);
  EXPECT_EQ(tokenizer.error().code(), ATTNC_ERROR_FORMAT);
  EXPECT_CONTAINS(tokenizer.error().message(),
                  ": nests deeper than 64 levels; not a tokenizer.json");
}

struct BadFile {
  const char *name;
  std::function<void(json &)> edit;
  const char *message;
};

TEST(BpeTokenizerTest, RejectsBadFiles) {
  std::vector<BadFile> cases = {
      {"normalizer",
       [](json &s) { s["normalizer"] = {{"type", "Precompiled"}}; },
       "unsupported normalizer 'Precompiled' (supported: Sequence, Prepend"},
      {"pre-tokenizer",
       [](json &s) { s["pre_tokenizer"] = {{"type", "Punctuation"}}; },
       "unsupported pre_tokenizer 'Punctuation' (supported: Sequence, "
       "ByteLevel, Split"},
      {"model", [](json &s) { s["model"]["type"] = "Unigram"; },
       "unsupported model 'Unigram' (supported: BPE, WordPiece)"},
      {"suffix", [](json &s) { s["model"]["end_of_word_suffix"] = "</w>"; },
       "unsupported BPE \"end_of_word_suffix\" \"</w>\" (supported: null, "
       "\"\")"},
      {"dropout", [](json &s) { s["model"]["dropout"] = 0.1; },
       "unsupported BPE dropout 0.1 (supported: null, 0)"},
      {"no vocab", [](json &s) { s["model"].erase("vocab"); },
       "missing \"model.vocab\""},
      {"vocab type", [](json &s) { s["model"]["vocab"] = json::array(); },
       "\"vocab\" must be an object, found []"},
      {"id type", [](json &s) { s["model"]["vocab"]["x"] = "7"; },
       "vocabulary entry 'x' must have an integer id, found \"7\""},
      {"negative id", [](json &s) { s["model"]["vocab"]["xy"] = -4; },
       "token 'xy' has an invalid id -4"},
      {"shared id", [](json &s) { s["model"]["vocab"]["xy"] = 5; },
       "id 5 is given to both"},
      {"merge form", [](json &s) { s["model"]["merges"] = {"abc"}; },
       "merge 0 must be two tokens separated by one space, found \"abc\""},
      {"merge pair", [](json &s) { s["model"]["merges"] = {{"a", "b", "c"}}; },
       "merge 0 must be \"a b\" or [\"a\", \"b\"]"},
      {"merge result", [](json &s) { s["model"]["merges"] = {"a b"}; },
       "merge 0 ('a' 'b'): 'ab' is not in the vocabulary"},
      {"added token",
       [](json &s) { s["added_tokens"] = {{{"id", "x"}, {"content", "y"}}}; },
       "an added token must have an integer \"id\" and a string \"content\""},
      {"not an object", [](json &s) { s = json::array(); },
       "expected a JSON object, found []"},
  };
  for (const BadFile &bad : cases) {
    json spec = minimalTokenizer();
    bad.edit(spec);
    TempTokenizer file(spec.dump());
    Expected<Tokenizer> tokenizer = file.open();
    ASSERT_FALSE(tokenizer) << bad.name;
    EXPECT_EQ(tokenizer.error().code(), ATTNC_ERROR_FORMAT) << bad.name;
    EXPECT_CONTAINS(tokenizer.error().message(), bad.message);
  }
}

TEST(BpeTokenizerTest, ReportsEveryProblemAtOnce) {
  json spec = minimalTokenizer();
  spec["normalizer"] = {{"type", "Precompiled"}};
  spec["model"]["merges"] = {"a b", "c"};
  TempTokenizer file(spec.dump());
  Expected<Tokenizer> tokenizer = file.open();
  ASSERT_FALSE(tokenizer);
  EXPECT_CONTAINS(tokenizer.error().message(), "normalizer 'Precompiled'");
  EXPECT_CONTAINS(tokenizer.error().message(), "merge 1 must be two tokens");
}

TEST(BpeTokenizerTest, RejectsUnreadableFiles) {
  Expected<Tokenizer> missing = Tokenizer::open("/nonexistent/tokenizer.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ATTNC_ERROR_IO);
  EXPECT_EQ(missing.error().message(),
            "cannot open tokenizer '/nonexistent/tokenizer.json'");
  TempTokenizer truncated("{\"model\": {");
  Expected<Tokenizer> bad = truncated.open();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ATTNC_ERROR_FORMAT);
  EXPECT_CONTAINS(bad.error().message(), "invalid JSON: parse error at line 1");
}

TEST(TokenizerCApiTest, CountsLikeSnprintf) {
  attnc_tokenizer *tokenizer = nullptr;
  ASSERT_EQ(attnc_tokenizer_open_bytes(&tokenizer), ATTNC_OK);
  size_t count = 0;
  ASSERT_EQ(attnc_tokenizer_encode(tokenizer, "hello", 5, nullptr, 0, &count),
            ATTNC_OK);
  EXPECT_EQ(count, 5u);
  int64_t ids[2];
  ASSERT_EQ(attnc_tokenizer_encode(tokenizer, "hello", 5, ids, 2, &count),
            ATTNC_OK);
  EXPECT_EQ(count, 5u);
  EXPECT_EQ(ids[1], 'e');
  char bytes[1];
  ASSERT_EQ(attnc_tokenizer_decode(tokenizer, ids, 2, bytes, 1, &count),
            ATTNC_OK);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(bytes[0], 'h');
  EXPECT_EQ(attnc_tokenizer_encode(tokenizer, nullptr, 3, ids, 2, &count),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_CONTAINS(attnc_last_error(), "must not be NULL");
  EXPECT_EQ(attnc_tokenizer_open(nullptr, &tokenizer),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attnc_tokenizer_token_id(nullptr, "a"), -1);
  attnc_tokenizer_destroy(tokenizer);
  attnc_tokenizer_destroy(nullptr);
}

} // namespace
