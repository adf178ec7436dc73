//===- TokenizerFamiliesTest.cpp - tokenizer.json parts and their errors --===//
//
// What the reference checks in test/Tokenizers do not reach: each refused
// part named with the file, the added-token and Metaspace options, the
// post-processors, and the C API's flags. Expected ids are worked out by
// hand from the tiny vocabularies below.
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
using json = nlohmann::json;

namespace {

using Ids = std::vector<int64_t>;
const char *const kSpace = "\xE2\x96\x81"; // U+2581, SentencePiece's space

Expected<Tokenizer> openJson(const json &spec) {
  static int counter = 0;
  std::string path = testing::TempDir() + "attnc-tokfam-" +
                     std::to_string(getpid()) + "-" +
                     std::to_string(counter++) + ".json";
  std::string text = spec.dump();
  std::FILE *file = std::fopen(path.c_str(), "wb");
  EXPECT_TRUE(file);
  std::fwrite(text.data(), 1, text.size(), file);
  std::fclose(file);
  Expected<Tokenizer> tokenizer = Tokenizer::open(path);
  std::remove(path.c_str());
  return tokenizer;
}

Tokenizer open(const json &spec) {
  Expected<Tokenizer> tokenizer = openJson(spec);
  EXPECT_TRUE(tokenizer) << tokenizer.error().message();
  return std::move(*tokenizer);
}

Ids encode(const Tokenizer &tokenizer, std::string_view text,
           bool special = true) {
  Expected<Ids> ids = tokenizer.encode(text, special);
  EXPECT_TRUE(ids) << ids.error().message();
  return ids ? *ids : Ids{};
}

std::string decode(const Tokenizer &tokenizer, const Ids &ids,
                   uint32_t flags = 0) {
  Expected<std::string> text = tokenizer.decode(ids, flags);
  EXPECT_TRUE(text) << text.error().message();
  return text ? *text : std::string();
}

json addedToken(const std::string &content, int64_t id, bool special = true) {
  return {{"id", id},          {"content", content}, {"single_word", false},
          {"lstrip", false},   {"rstrip", false},    {"normalized", !special},
          {"special", special}};
}

/// SentencePiece style: ids 0..2 special, "▁" 3, "a" 4, "b" 5, "▁a" 6,
/// "ab" 7, "<0x41>" ("A") 8, "<0xC3>" 9, "<0xA9>" 10 ("é").
json sentencePiece() {
  std::string sp = kSpace;
  json vocab = {{"<unk>", 0}, {"<s>", 1},      {"</s>", 2},      {sp, 3},
                {"a", 4},     {"b", 5},        {sp + "a", 6},    {"ab", 7},
                {"<0x41>", 8}, {"<0xC3>", 9}, {"<0xA9>", 10}};
  return {
      {"added_tokens",
       {addedToken("<unk>", 0), addedToken("<s>", 1), addedToken("</s>", 2)}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", sp}},
          {{"type", "Replace"},
           {"pattern", {{"String", " "}}},
           {"content", sp}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single",
         {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
          {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
        {"special_tokens",
         {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"}, {"pattern", {{"String", sp}}}, {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model",
       {{"type", "BPE"},
        {"unk_token", "<unk>"},
        {"fuse_unk", true},
        {"byte_fallback", true},
        {"vocab", vocab},
        {"merges", {sp + " a", "a b"}}}}};
}

TEST(TokenizerFamiliesTest, SentencePieceByteFallbackAndUnk) {
  Tokenizer tokenizer = open(sentencePiece());
  // "▁a" "b": the merge "▁ a" ranks before "a b".
  EXPECT_EQ(encode(tokenizer, "ab", false), (Ids{6, 5}));
  EXPECT_EQ(encode(tokenizer, "ab"), (Ids{1, 6, 5}));
  // "A" and "é" have byte tokens; "xy" has neither: one fused <unk>.
  EXPECT_EQ(encode(tokenizer, "bAxy\xC3\xA9", false),
            (Ids{3, 5, 8, 0, 9, 10}));
  EXPECT_EQ(decode(tokenizer, {3, 5, 8, 9, 10}), "bA\xC3\xA9");
  EXPECT_EQ(decode(tokenizer, {1, 6, 5}), "<s> ab");
  EXPECT_EQ(decode(tokenizer, {1, 6, 5}, ATTNC_TOKENIZER_SKIP_SPECIAL_TOKENS),
            "ab");
  EXPECT_EQ(decode(tokenizer, {6}, ATTNC_TOKENIZER_CONTINUATION), " a");
  EXPECT_EQ(tokenizer.bosTokenId(), 1);
  EXPECT_EQ(tokenizer.eosTokenId(), 2);
}

TEST(TokenizerFamiliesTest, UnkWithoutFusingAndDroppedWithoutUnk) {
  json spec = sentencePiece();
  spec["model"]["fuse_unk"] = false;
  spec["model"]["byte_fallback"] = false;
  EXPECT_EQ(encode(open(spec), "axy", false), (Ids{6, 0, 0}));
  spec["model"]["unk_token"] = nullptr;
  EXPECT_EQ(encode(open(spec), "axy", false), (Ids{6}));
}

TEST(TokenizerFamiliesTest, MetaspacePrependsOnlyAtTheStartWithFirst) {
  json spec = sentencePiece();
  spec["normalizer"] = nullptr;
  spec["pre_tokenizer"] = {{"type", "Metaspace"},
                           {"replacement", kSpace},
                           {"prepend_scheme", "first"},
                           {"split", true}};
  spec["decoder"] = {{"type", "Metaspace"},
                     {"replacement", kSpace},
                     {"prepend_scheme", "first"}};
  Tokenizer tokenizer = open(spec);
  // After an added token the text does not start the input: no "▁".
  EXPECT_EQ(encode(tokenizer, "a</s>a b", false), (Ids{6, 2, 4, 3, 5}));
  spec["pre_tokenizer"]["prepend_scheme"] = "always";
  EXPECT_EQ(encode(open(spec), "a</s>a b", false), (Ids{6, 2, 6, 3, 5}));
  EXPECT_EQ(decode(tokenizer, {6, 3, 5}), "a b");
}

TEST(TokenizerFamiliesTest, AddedTokensStripAndNormalize) {
  json spec = sentencePiece();
  spec["added_tokens"].push_back(addedToken("<x>", 11));
  spec["added_tokens"].back()["lstrip"] = true;
  spec["added_tokens"].back()["rstrip"] = true;
  // Matched after the normalizer, so in "▁"-spelled text.
  spec["added_tokens"].push_back(addedToken(std::string(kSpace) + "b", 12, false));
  Tokenizer tokenizer = open(spec);
  EXPECT_EQ(encode(tokenizer, "a  <x>  a", false), (Ids{6, 11, 6}));
  EXPECT_EQ(encode(tokenizer, "a b", false), (Ids{6, 12}));
  EXPECT_TRUE(tokenizer.isAddedToken(12));
  EXPECT_EQ(decode(tokenizer, {6, 12}, ATTNC_TOKENIZER_SKIP_SPECIAL_TOKENS),
            "a b");
}

TEST(TokenizerFamiliesTest, PostProcessors) {
  json spec = sentencePiece();
  spec["post_processor"] = {{"type", "RobertaProcessing"},
                            {"cls", {"<s>", 1}},
                            {"sep", {"</s>", 2}},
                            {"trim_offsets", true},
                            {"add_prefix_space", false}};
  Tokenizer roberta = open(spec);
  EXPECT_EQ(encode(roberta, "a"), (Ids{1, 6, 2}));
  EXPECT_EQ(encode(roberta, ""), (Ids{1, 2}));
  EXPECT_EQ(roberta.eosTokenId(), 2);
  spec["post_processor"] = nullptr;
  EXPECT_EQ(encode(open(spec), "a"), (Ids{6}));
}

TEST(TokenizerFamiliesTest, SplitBehaviors) {
  // Characters as tokens; Split on "-" with each behaviour.
  json vocab = {{"a", 0}, {"-", 1}, {"a-", 2}, {"-a", 3}, {"--", 4}};
  json spec = {{"model",
                {{"type", "BPE"},
                 {"vocab", vocab},
                 {"merges", {"a -", "- a", "- -"}}}},
               {"decoder", {{"type", "Fuse"}}}};
  auto split = [&](const char *behavior, bool invert = false) {
    spec["pre_tokenizer"] = {{"type", "Split"},
                             {"pattern", {{"String", "-"}}},
                             {"behavior", behavior},
                             {"invert", invert}};
    return encode(open(spec), "a-a--a", false);
  };
  EXPECT_EQ(split("Removed"), (Ids{0, 0, 0}));
  EXPECT_EQ(split("Isolated"), (Ids{0, 1, 0, 1, 1, 0}));
  EXPECT_EQ(split("MergedWithPrevious"), (Ids{2, 2, 1, 0}));
  EXPECT_EQ(split("MergedWithNext"), (Ids{0, 3, 1, 3}));
  EXPECT_EQ(split("Contiguous"), (Ids{0, 1, 0, 4, 0}));
  // Each match is its own piece, so the kept "-"s stay apart.
  EXPECT_EQ(split("Removed", /*invert=*/true), (Ids{1, 1, 1}));
}

TEST(TokenizerFamiliesTest, EncodeCountsLikeSnprintfWithSpecialTokens) {
  Tokenizer tokenizer = open(sentencePiece());
  size_t count = 0;
  ASSERT_EQ(attnc_tokenizer_encode(tokenizer.get(), "", 0, nullptr, 0, &count),
            ATTNC_OK);
  EXPECT_EQ(count, 1u); // "<s>" alone: more ids than bytes
  EXPECT_EQ(attnc_tokenizer_encode_flags(tokenizer.get(), "a", 1, 8, nullptr,
                                         0, &count),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_CONTAINS(attnc_last_error(), "unknown flags 8");
  int64_t id = 1;
  char byte;
  EXPECT_EQ(attnc_tokenizer_decode_flags(tokenizer.get(), &id, 1, 1, &byte, 1,
                                         &count),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attnc_tokenizer_bos_id(nullptr), -1);
}

struct Refusal {
  const char *name;
  std::function<void(json &)> edit;
  const char *message;
};

TEST(TokenizerFamiliesTest, RefusesWhatItDoesNotImplementByName) {
  std::vector<Refusal> cases = {
      {"decoder", [](json &s) { s["decoder"] = {{"type", "CTC"}}; },
       "unsupported decoder 'CTC' (supported: Sequence, ByteLevel, Replace, "
       "ByteFallback, Fuse, Strip, Metaspace, WordPiece)"},
      {"post-processor",
       [](json &s) { s["post_processor"] = {{"type", "Custom"}}; },
       "unsupported post_processor 'Custom' (supported: Sequence, ByteLevel, "
       "TemplateProcessing, BertProcessing, RobertaProcessing)"},
      {"nested normalizer",
       [](json &s) {
         s["normalizer"]["normalizers"].push_back({{"type", "Precompiled"}});
       },
       "unsupported normalizer 'Precompiled'"},
      {"split behavior",
       [](json &s) {
         s["pre_tokenizer"] = {{"type", "Split"},
                               {"pattern", {{"Regex", "a"}}},
                               {"behavior", "Sideways"}};
       },
       "unsupported Split behavior 'Sideways'"},
      {"bad regex",
       [](json &s) {
         s["pre_tokenizer"] = {{"type", "Split"},
                               {"pattern", {{"Regex", "(a"}}}};
       },
       "invalid pattern '(a' at offset 2: missing closing parenthesis"},
      {"pattern form",
       [](json &s) {
         s["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Glob", "*"}}}};
       },
       "\"pattern\" must be {\"String\": ...} or {\"Regex\": ...}"},
      {"prepend scheme",
       [](json &s) {
         s["pre_tokenizer"] = {{"type", "Metaspace"},
                               {"prepend_scheme", "sometimes"}};
       },
       "unsupported Metaspace prepend_scheme 'sometimes'"},
      {"template pair",
       [](json &s) {
         s["post_processor"]["single"].push_back(
             {{"Sequence", {{"id", "B"}, {"type_id", 1}}}});
       },
       "unsupported TemplateProcessing \"single\" item"},
      {"template token",
       [](json &s) { s["post_processor"]["special_tokens"] = json::object(); },
       "names no entry of \"special_tokens\" with \"ids\""},
      {"post-processor id",
       [](json &s) {
         s["post_processor"]["special_tokens"]["<s>"]["ids"] = {99};
       },
       "the post_processor adds token id 99, which no token has"},
      {"unk", [](json &s) { s["model"]["unk_token"] = "<nope>"; },
       "the unk token '<nope>' is not in the vocabulary"},
      {"truncation",
       [](json &s) { s["truncation"] = {{"max_length", 512}}; },
       "unsupported \"truncation\" {\"max_length\":512} (supported: null"},
      {"deep sequence",
       [](json &s) {
         json deep = {{"type", "Lowercase"}};
         for (int i = 0; i < 10; ++i)
           deep = {{"type", "Sequence"}, {"normalizers", {deep}}};
         s["normalizer"] = deep;
       },
       "Sequence nests deeper than 8 levels"},
  };
  for (const Refusal &refusal : cases) {
    json spec = sentencePiece();
    refusal.edit(spec);
    Expected<Tokenizer> tokenizer = openJson(spec);
    ASSERT_FALSE(tokenizer) << refusal.name;
    EXPECT_EQ(tokenizer.error().code(), ATTNC_ERROR_FORMAT) << refusal.name;
    EXPECT_CONTAINS(tokenizer.error().message(), "attnc-tokfam-")
        << refusal.name;
    EXPECT_CONTAINS(tokenizer.error().message(), refusal.message)
        << refusal.name;
  }
}

TEST(TokenizerFamiliesTest, WordPieceUnkAndLongWords) {
  json spec = {
      {"normalizer", {{"type", "BertNormalizer"}, {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"decoder", {{"type", "WordPiece"}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", "[UNK]"},
        {"max_input_chars_per_word", 4},
        {"vocab", {{"[UNK]", 0}, {"ab", 1}, {"##c", 2}, {"a", 3}, {"!", 4}}}}}};
  Tokenizer tokenizer = open(spec);
  // "abc" = "ab" "##c"; "ax" cannot be covered; "aaaaa" is too long.
  EXPECT_EQ(encode(tokenizer, "ABC! ax aaaaa"), (Ids{1, 2, 4, 0, 0}));
  EXPECT_EQ(decode(tokenizer, {1, 2, 4, 3}), "abc! a");
  EXPECT_EQ(decode(tokenizer, {2}, ATTNC_TOKENIZER_CONTINUATION), "c");
  EXPECT_EQ(decode(tokenizer, {3}, ATTNC_TOKENIZER_CONTINUATION), " a");
}

} // namespace
