//===- DecoderTest.cpp - RecomputingDecoder over a hand-written model -----===//
#include "GenerationTestUtils.h"

#include "attnc/Decoder.h"
#include "attnc/Generator.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace attnc;

namespace {

Model openFakeDecoder() {
  Expected<Model> model = Model::open(ATTNC_FAKE_DECODER);
  EXPECT_TRUE(model) << model.error().message();
  Status loaded = model->loadWeights(test::inputPath("fake-decoder.safetensors"));
  EXPECT_TRUE(loaded) << loaded.error().message();
  return std::move(*model);
}

int64_t argmax(const Logits &logits) {
  return std::max_element(logits.begin(), logits.end()) - logits.begin();
}

TEST(DecoderTest, RecomputesTheWholeSequence) {
  Model model = openFakeDecoder();
  Expected<std::unique_ptr<RecomputingDecoder>> decoder =
      RecomputingDecoder::create(model);
  ASSERT_TRUE(decoder) << decoder.error().message();
  EXPECT_EQ((*decoder)->vocabSize(), 256);
  EXPECT_EQ((*decoder)->contextLength(), std::optional<int64_t>(32));
  Expected<Logits> first = (*decoder)->prefill({10, 'a'});
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_EQ(first->size(), 256u);
  EXPECT_EQ(argmax(*first), 'b');
  EXPECT_EQ((*first)['b'], 1.0f);
  Expected<Logits> second = (*decoder)->step('x');
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(argmax(*second), 'y');
}

TEST(DecoderTest, ReportsForwardFailuresAndMisuse) {
  Model model = openFakeDecoder();
  std::unique_ptr<RecomputingDecoder> decoder =
      std::move(*RecomputingDecoder::create(model));
  Expected<Logits> early = decoder->step(1);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().message(), "step before prefill");
  ASSERT_FALSE(decoder->prefill({}));
  // The fake model refuses ids outside its vocabulary, as an embedding does.
  Expected<Logits> bad = decoder->prefill({1, 999});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ATTNC_ERROR_MODEL);
}

TEST(DecoderTest, RejectsModelsThatAreNotDecoders) {
  Expected<Model> model = Model::open(ATTNC_FAKE_MODEL);
  ASSERT_TRUE(model) << model.error().message();
  Expected<std::unique_ptr<RecomputingDecoder>> decoder =
      RecomputingDecoder::create(*model);
  ASSERT_FALSE(decoder);
  EXPECT_EQ(decoder.error().code(), ATTNC_ERROR_MISMATCH);
  EXPECT_EQ(decoder.error().message(),
            "model 'fake' is not a decoder: it has no input 'input_ids' (a "
            "decoder takes input_ids: i64[batch, seq] and returns logits: "
            "f32[batch, seq, vocab])");
}

TEST(DecoderTest, GeneratesEndToEnd) {
  Model model = openFakeDecoder();
  std::unique_ptr<RecomputingDecoder> decoder =
      std::move(*RecomputingDecoder::create(model));
  Tokenizer tokenizer = std::move(*Tokenizer::bytes());
  Sampler sampler = std::move(*Sampler::create(Sampler::defaultConfig()));
  GenerationOptions options;
  options.maxNewTokens = 6;
  options.stopTexts = {"f"};
  Expected<std::vector<int64_t>> prompt = tokenizer.encode("Hi a");
  Expected<GenerationResult> result =
      generate(*decoder, sampler, tokenizer, *prompt, options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->text, "bcdef");
  EXPECT_EQ(result->stopReason, StopReason::StopText);
}

} // namespace
