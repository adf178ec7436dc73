//===- DecoderTest.cpp - RecomputingDecoder over a hand-written model -----===//
#include "GenerationTestUtils.h"

#include "attnc/Decoder.h"
#include "attnc/Generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

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

TEST(DecoderTest, CachingDecoderKeepsTheSequence) {
  Model model = openFakeDecoder();
  Expected<std::unique_ptr<CachingDecoder>> decoder =
      CachingDecoder::create(model, 8);
  ASSERT_TRUE(decoder) << decoder.error().message();
  EXPECT_TRUE((*decoder)->usesKvCache());
  EXPECT_EQ((*decoder)->contextLength(), std::optional<int64_t>(32));
  ASSERT_FALSE((*decoder)->step('a'));
  Status reserved = (*decoder)->reserve(2);
  ASSERT_TRUE(reserved) << reserved.error().message();
  // A leading '!' makes the fake count by twos; steps read it from the cache.
  Expected<Logits> first = (*decoder)->prefill({'!', 'a'});
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(argmax(*first), 'c');
  Expected<Logits> second = (*decoder)->step('c');
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(argmax(*second), 'e');
  // A new prefill forgets the old sequence.
  EXPECT_EQ(argmax(*(*decoder)->prefill({'a'})), 'b');
  EXPECT_EQ(argmax(*(*decoder)->step('b')), 'c');
}

TEST(DecoderTest, CachingDecoderReportsAFullCache) {
  Model model = openFakeDecoder();
  std::unique_ptr<CachingDecoder> decoder =
      std::move(*CachingDecoder::create(model, 3));
  ASSERT_TRUE(decoder->prefill({'a', 'b'}));
  ASSERT_TRUE(decoder->step('c'));
  Expected<Logits> overflow = decoder->step('d');
  ASSERT_FALSE(overflow);
  EXPECT_EQ(overflow.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(overflow.error().message(),
            "KV cache full: 3 cached tokens + 1 new ones exceed its capacity "
            "of 3");
}

/// The session's KV cache errors, with their exact messages.
TEST(DecoderTest, SessionKvCacheMisuse) {
  Model model = openFakeDecoder();
  Expected<Session> session = model.createSession();
  ASSERT_TRUE(session) << session.error().message();
  std::vector<int64_t> ids = {'a', 'b', 'c', 'd', 'e', 'f'};
  auto step = [&](int64_t batch, int64_t seq) {
    std::vector<int64_t> shape = {batch, seq};
    attnc_tensor input = {"input_ids", ATTNC_DTYPE_I64, 2, shape.data(),
                          ids.data()};
    return session->step(&input, 1);
  };

  Expected<OutputView> early = step(1, 1);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), ATTNC_ERROR_STATE);
  EXPECT_EQ(early.error().message(),
            "model 'fake_decoder': enable the KV cache before stepping");

  Status zero = session->enableKVCache(0);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(zero.error().message(),
            "KV cache capacity must be at least 1, got 0");

  // The cache of one row is allocated now, not by the first step.
  Status huge = session->enableKVCache(int64_t(1) << 62);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code(), ATTNC_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(huge.error().message(), "KV cache of 4611686018427387904 tokens "
                                    "for a batch of 1 is too large");
  EXPECT_EQ(step(1, 1).error().message(),
            "model 'fake_decoder': enable the KV cache before stepping");

  ASSERT_TRUE(session->enableKVCache(3));
  ASSERT_TRUE(step(2, 1));
  Expected<OutputView> otherBatch = step(1, 1);
  ASSERT_FALSE(otherBatch);
  EXPECT_EQ(otherBatch.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(otherBatch.error().message(),
            "KV cache: this session caches a batch of 2, the inputs have 1 "
            "(reset with a new capacity to change it)");

  Expected<OutputView> full = step(2, 3);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(full.error().message(),
            "KV cache full: 1 cached tokens + 3 new ones exceed its capacity "
            "of 3");
  // The failed steps left the cache as it was.
  EXPECT_EQ(session->kvPosition(), 1);
  EXPECT_TRUE(step(2, 2));
  EXPECT_EQ(session->kvPosition(), 3);
}

TEST(DecoderTest, CreateDecoderPrefersTheCache) {
  Model model = openFakeDecoder();
  Expected<std::unique_ptr<Decoder>> cached = createDecoder(model, 16);
  ASSERT_TRUE(cached) << cached.error().message();
  EXPECT_TRUE((*cached)->usesKvCache());
  Expected<std::unique_ptr<Decoder>> recomputing =
      createDecoder(model, 16, /*useKvCache=*/false);
  ASSERT_TRUE(recomputing) << recomputing.error().message();
  EXPECT_FALSE((*recomputing)->usesKvCache());
}

TEST(DecoderTest, CachedAndRecomputedGenerationAgree) {
  Model model = openFakeDecoder();
  Tokenizer tokenizer = std::move(*Tokenizer::bytes());
  GenerationOptions options;
  options.maxNewTokens = 10;
  std::vector<std::string> texts;
  for (bool useKvCache : {true, false}) {
    std::unique_ptr<Decoder> decoder =
        std::move(*createDecoder(model, 12, useKvCache));
    Sampler sampler = std::move(*Sampler::create(Sampler::defaultConfig()));
    Expected<GenerationResult> result =
        generate(*decoder, sampler, tokenizer, {'!', 'a'}, options);
    ASSERT_TRUE(result) << result.error().message();
    texts.push_back(result->text);
  }
  EXPECT_EQ(texts[0], "cegikmoqsu");
  EXPECT_EQ(texts[1], texts[0]);
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
