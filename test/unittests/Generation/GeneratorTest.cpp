//===- GeneratorTest.cpp - The generation loop over a scripted decoder ----===//
#include "GenerationTestUtils.h"

#include "attnc/Generator.h"

#include <gtest/gtest.h>

using namespace attnc;

namespace {

using Ids = std::vector<int64_t>;

/// Puts the largest logit on script[i] after i generated tokens (or on
/// `fallback` past the script), and records what it was fed.
class ScriptedDecoder final : public Decoder {
public:
  ScriptedDecoder(Ids script, int64_t vocab = 256,
                  std::optional<int64_t> context = std::nullopt)
      : script(std::move(script)), vocab(vocab), context(context) {}

  int64_t vocabSize() const override { return vocab; }
  std::optional<int64_t> contextLength() const override { return context; }
  bool usesKvCache() const override { return false; }
  Expected<Logits> prefill(const Ids &tokens) override {
    prefilled = tokens;
    return next();
  }
  Expected<Logits> step(int64_t token) override {
    stepped.push_back(token);
    if (failAtStep && stepped.size() == *failAtStep)
      return Error(ATTNC_ERROR_MODEL, "scripted failure");
    return next();
  }

  Ids prefilled, stepped;
  std::optional<size_t> failAtStep;
  Logits constant; // when set, returned instead of the script

private:
  Expected<Logits> next() {
    if (!constant.empty())
      return constant;
    size_t i = stepped.size();
    Logits logits(vocab, 0.0f);
    logits[i < script.size() ? script[i] : 0] = 1;
    return logits;
  }

  Ids script;
  int64_t vocab;
  std::optional<int64_t> context;
};

Ids bytesOf(std::string_view text) {
  Ids ids;
  for (char c : text)
    ids.push_back(static_cast<uint8_t>(c));
  return ids;
}

struct Fixture {
  Tokenizer tokenizer = std::move(*Tokenizer::bytes());
  Sampler greedy = std::move(*Sampler::create(Sampler::defaultConfig()));

  Expected<GenerationResult> run(Decoder &decoder, const Ids &prompt,
                                 const GenerationOptions &options,
                                 std::vector<std::string> *pieces = nullptr) {
    TextSink sink;
    if (pieces)
      sink = [pieces](std::string_view text) { pieces->emplace_back(text); };
    return generate(decoder, greedy, tokenizer, prompt, options, sink);
  }
};

TEST(GeneratorTest, StopsAfterMaxNewTokens) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("hello world"));
  GenerationOptions options;
  options.maxNewTokens = 5;
  std::vector<std::string> pieces;
  Expected<GenerationResult> result = f.run(decoder, {7, 8}, options, &pieces);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->tokens, bytesOf("hello"));
  EXPECT_EQ(result->text, "hello");
  EXPECT_EQ(result->stopReason, StopReason::MaxNewTokens);
  EXPECT_EQ(result->promptTokens, 2);
  // The first token comes from the prefill, each later one from a step that
  // is fed the token before it; the last token needs no step.
  EXPECT_EQ(decoder.prefilled, (Ids{7, 8}));
  EXPECT_EQ(decoder.stepped, bytesOf("hell"));
  EXPECT_EQ(result->decodeSteps, 4);
  EXPECT_EQ(pieces, (std::vector<std::string>{"h", "e", "l", "l", "o"}));
}

TEST(GeneratorTest, StopTokenIsKept) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("hello world"));
  GenerationOptions options;
  options.maxNewTokens = 20;
  options.stopTokens = {'x', ' '};
  Expected<GenerationResult> result = f.run(decoder, {1}, options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->text, "hello ");
  EXPECT_EQ(result->stopReason, StopReason::StopToken);
  EXPECT_EQ(result->stopToken, ' ');
}

TEST(GeneratorTest, EosIsListedButNotWritten) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("hello world"));
  GenerationOptions options;
  options.maxNewTokens = 20;
  options.eosTokens = {'w', 'o'}; // any of them; 'o' comes first
  options.stopTokens = {'o'};     // an EOS id wins over the same stop id
  std::vector<std::string> pieces;
  Expected<GenerationResult> result = f.run(decoder, {1}, options, &pieces);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->tokens, bytesOf("hello"));
  EXPECT_EQ(result->text, "hell");
  EXPECT_EQ(pieces, (std::vector<std::string>{"h", "e", "l", "l"}));
  EXPECT_EQ(result->stopReason, StopReason::Eos);
  EXPECT_EQ(result->stopToken, 'o');
}

TEST(GeneratorTest, NoStopTokenAtMaxNewTokens) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("hi"));
  GenerationOptions options;
  options.maxNewTokens = 2;
  options.eosTokens = {'x'};
  Expected<GenerationResult> result = f.run(decoder, {1}, options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stopReason, StopReason::MaxNewTokens);
  EXPECT_EQ(result->stopToken, -1);
}

TEST(GeneratorTest, StopTextSpanningTokens) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("hello world"));
  GenerationOptions options;
  options.maxNewTokens = 20;
  options.stopTexts = {"zzz", "lo w"};
  std::vector<std::string> pieces;
  Expected<GenerationResult> result = f.run(decoder, {1}, options, &pieces);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->text, "hello w");
  EXPECT_EQ(result->tokens, bytesOf("hello w"));
  EXPECT_EQ(result->stopReason, StopReason::StopText);
  std::string streamed;
  for (const std::string &piece : pieces)
    streamed += piece;
  EXPECT_EQ(streamed, "hello w");
}

TEST(GeneratorTest, StopTextCutsAToken) {
  // With BPE, one token may run past the stop text: the text is cut after
  // it, the token is kept.
  Tokenizer bpe = std::move(*Tokenizer::open(test::inputPath("tokenizer.json")));
  Ids script = *bpe.encode(" the keeper");
  Sampler greedy = std::move(*Sampler::create(Sampler::defaultConfig()));
  ScriptedDecoder decoder(script, bpe.vocabSize());
  GenerationOptions options;
  options.maxNewTokens = 20;
  options.stopTexts = {"th"};
  std::vector<std::string> pieces;
  Expected<GenerationResult> result =
      generate(decoder, greedy, bpe, {1}, options,
               [&](std::string_view text) { pieces.emplace_back(text); });
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->tokens, Ids{bpe.tokenId("\xC4\xA0the")});
  EXPECT_EQ(result->text, " th");
  EXPECT_EQ(pieces, std::vector<std::string>{" th"});
}

TEST(GeneratorTest, NeverStreamsHalfACharacter) {
  Fixture f;
  std::string text = "\xC3\xA9" "a\xF0\x9F\x98\x80" "b"; // é a 😀 b
  ScriptedDecoder decoder(bytesOf(text));
  GenerationOptions options;
  options.maxNewTokens = static_cast<int64_t>(text.size());
  std::vector<std::string> pieces;
  Expected<GenerationResult> result = f.run(decoder, {1}, options, &pieces);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(pieces, (std::vector<std::string>{"\xC3\xA9", "a",
                                              "\xF0\x9F\x98\x80", "b"}));
  EXPECT_EQ(result->text, text);
}

TEST(GeneratorTest, FlushesAnIncompleteCharacterAtTheEnd) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("a\xF0\x9F"));
  GenerationOptions options;
  options.maxNewTokens = 3;
  std::vector<std::string> pieces;
  Expected<GenerationResult> result = f.run(decoder, {1}, options, &pieces);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(pieces, (std::vector<std::string>{"a", "\xF0\x9F"}));
}

TEST(GeneratorTest, RepetitionPenaltySeesPromptAndNewTokens) {
  Tokenizer tokenizer = std::move(*Tokenizer::bytes());
  attnc_sampler_config config = Sampler::defaultConfig();
  config.repetition_penalty = 10;
  Sampler sampler = std::move(*Sampler::create(config));
  ScriptedDecoder decoder({}, 4);
  decoder.constant = {4, 3, 2, 1};
  GenerationOptions options;
  options.maxNewTokens = 4;
  Expected<GenerationResult> result =
      generate(decoder, sampler, tokenizer, {0}, options);
  ASSERT_TRUE(result) << result.error().message();
  // 0 is in the prompt; then each choice is penalized in turn.
  EXPECT_EQ(result->tokens, (Ids{1, 2, 3, 0}));
}

TEST(GeneratorTest, RejectsBadPrompts) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("abc"), 256, /*context=*/8);
  auto error = [&](const Ids &prompt, int64_t maxNewTokens) {
    GenerationOptions options;
    options.maxNewTokens = maxNewTokens;
    Expected<GenerationResult> result = f.run(decoder, prompt, options);
    EXPECT_FALSE(result);
    EXPECT_TRUE(decoder.prefilled.empty()) << "the model ran";
    return result ? std::string() : result.error().message();
  };
  EXPECT_EQ(error({}, 1), "the prompt is empty: give at least one token");
  EXPECT_EQ(error({1, 256}, 1),
            "prompt token 1 is 256, outside the model's vocabulary (0..255)");
  EXPECT_EQ(error({-5}, 1),
            "prompt token 0 is -5, outside the model's vocabulary (0..255)");
  EXPECT_EQ(error({1}, 0),
            "the number of new tokens must be at least 1, not 0");
  EXPECT_EQ(error(Ids(9, 1), 1),
            "the prompt has 9 tokens but the model's context holds 8 tokens");
  EXPECT_EQ(error(Ids(5, 1), 4),
            "the prompt (5 tokens) and 4 new tokens exceed the model's "
            "context of 8 tokens; ask for at most 3 new tokens");
  GenerationOptions options;
  options.maxNewTokens = 3;
  EXPECT_TRUE(f.run(decoder, Ids(5, 1), options));
}

TEST(GeneratorTest, PassesDecoderFailuresOn) {
  Fixture f;
  ScriptedDecoder decoder(bytesOf("abcdef"));
  decoder.failAtStep = 2;
  GenerationOptions options;
  options.maxNewTokens = 6;
  Expected<GenerationResult> result = f.run(decoder, {1}, options);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ATTNC_ERROR_MODEL);
  EXPECT_EQ(result.error().message(), "scripted failure");
}

// A model whose vocabulary is larger than the tokenizer's (random-weight
// GPT-2 with the default byte tokenizer) still generates: the tokens are
// kept and the text shows the ids the tokenizer cannot decode.
TEST(GeneratorTest, WritesUndecodableTokensById) {
  Fixture f;
  ScriptedDecoder decoder({'o', 300, 'k'}, 512);
  GenerationOptions options;
  options.maxNewTokens = 3;
  Expected<GenerationResult> result = f.run(decoder, bytesOf("a"), options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->tokens, (Ids{'o', 300, 'k'}));
  EXPECT_EQ(result->text, "o<|300|>k");
}

} // namespace
