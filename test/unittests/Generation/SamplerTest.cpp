//===- SamplerTest.cpp - The sampler against naive references -------------===//
//
// The filters are checked against literal transcriptions of Hugging Face's
// TopKLogitsWarper / TopPLogitsWarper / RepetitionPenaltyLogitsProcessor
// below, and the random numbers against values computed by an independent
// Python transcription of splitmix64 and xoshiro256**.
//
//===----------------------------------------------------------------------===//
#include "Random.h"

#include "attnc/generation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

using namespace attnc;

namespace {

Sampler makeSampler(float temperature, int32_t topK = 0, float topP = 1,
                    float penalty = 1, uint64_t seed = 0) {
  attnc_sampler_config config = Sampler::defaultConfig();
  config.temperature = temperature;
  config.top_k = topK;
  config.top_p = topP;
  config.repetition_penalty = penalty;
  config.seed = seed;
  Expected<Sampler> sampler = Sampler::create(config);
  EXPECT_TRUE(sampler) << sampler.error().message();
  return std::move(*sampler);
}

std::set<int64_t> ids(const std::vector<Sampler::Candidate> &candidates) {
  std::set<int64_t> result;
  for (const Sampler::Candidate &c : candidates)
    result.insert(c.id);
  return result;
}

std::set<int64_t> keptIds(const Sampler &sampler, const std::vector<float> &logits,
                          const std::vector<int64_t> &context = {}) {
  Expected<std::vector<Sampler::Candidate>> c = sampler.candidates(logits, context);
  EXPECT_TRUE(c) << c.error().message();
  return c ? ids(*c) : std::set<int64_t>{};
}

/// Logits drawn from a small LCG, so that the tests need no std:: random.
std::vector<float> pseudoRandomLogits(size_t n, uint32_t seed) {
  std::vector<float> logits(n);
  for (float &l : logits) {
    seed = seed * 1664525u + 1013904223u;
    l = static_cast<float>(seed >> 8) / (1 << 24) * 8 - 4;
  }
  return logits;
}

// HF: indices_to_remove = scores < torch.topk(scores, k)[0][..., -1, None]
std::set<int64_t> referenceTopK(const std::vector<float> &logits, int k) {
  std::vector<float> sorted = logits;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  float threshold = sorted[std::min<size_t>(k, sorted.size()) - 1];
  std::set<int64_t> kept;
  for (size_t i = 0; i < logits.size(); ++i)
    if (!(logits[i] < threshold))
      kept.insert(i);
  return kept;
}

// HF: sort ascending, cumulative softmax, remove where cumsum <= 1 - p,
// but always keep the most probable token.
std::set<int64_t> referenceTopP(const std::vector<float> &logits, double p) {
  std::vector<size_t> ascending(logits.size());
  std::iota(ascending.begin(), ascending.end(), 0);
  std::sort(ascending.begin(), ascending.end(), [&](size_t a, size_t b) {
    return logits[a] != logits[b] ? logits[a] < logits[b] : a > b;
  });
  double maxLogit = *std::max_element(logits.begin(), logits.end()), total = 0;
  for (float l : logits)
    total += std::exp(l - maxLogit);
  std::set<int64_t> kept;
  double cumulative = 0;
  for (size_t rank = 0; rank < ascending.size(); ++rank) {
    cumulative += std::exp(logits[ascending[rank]] - maxLogit) / total;
    if (cumulative > 1 - p || rank + 1 == ascending.size())
      kept.insert(ascending[rank]);
  }
  return kept;
}

TEST(RandomTest, MatchesThePublishedAlgorithm) {
  // From a Python transcription of splitmix64 + xoshiro256** 1.0.
  rt::Xoshiro256StarStar zero(0), fortyTwo(42);
  EXPECT_EQ(zero.next(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(zero.next(), 0xbf6e1f784956452aull);
  EXPECT_EQ(zero.next(), 0x1a5f849d4933e6e0ull);
  EXPECT_EQ(zero.next(), 0x6aa594f1262d2d2cull);
  EXPECT_EQ(fortyTwo.next(), 0x15780b2e0c2ec716ull);
  EXPECT_EQ(fortyTwo.next(), 0x6104d9866d113a7eull);
}

TEST(SamplerTest, DrawsFollowTheDocumentedRule) {
  // Seed 7 gives u = 0.7006, 0.2788, 0.8396, 0.9811, 0.9909, 0.8728, 0.0608,
  // 0.1044: the first candidate whose cumulative probability exceeds u.
  Sampler sampler = makeSampler(1, 0, 1, 1, /*seed=*/7);
  std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  std::vector<int64_t> drawn;
  for (int i = 0; i < 8; ++i) {
    Expected<int64_t> token = sampler.sample(logits, {});
    ASSERT_TRUE(token) << token.error().message();
    drawn.push_back(*token);
  }
  EXPECT_EQ(drawn, (std::vector<int64_t>{1, 0, 2, 2, 2, 2, 0, 0}));
}

TEST(SamplerTest, SameSeedSameTokens) {
  std::vector<float> logits = pseudoRandomLogits(1000, 1);
  auto draw = [&](uint64_t seed) {
    Sampler sampler = makeSampler(0.8f, 50, 0.9f, 1.3f, seed);
    std::vector<int64_t> tokens;
    for (int i = 0; i < 64; ++i)
      tokens.push_back(*sampler.sample(logits, tokens));
    return tokens;
  };
  EXPECT_EQ(draw(123), draw(123));
  EXPECT_NE(draw(123), draw(124));
}

TEST(SamplerTest, TemperatureZeroIsGreedy) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::vector<float> logits = pseudoRandomLogits(257, seed);
    int64_t argmax = std::max_element(logits.begin(), logits.end()) - logits.begin();
    Sampler greedy = makeSampler(0, /*topK=*/5, /*topP=*/0.5f, 1, seed);
    EXPECT_EQ(*greedy.sample(logits, {}), argmax);
    EXPECT_EQ(keptIds(greedy, logits), std::set<int64_t>{argmax});
  }
  // Among equal logits, the lowest id.
  Sampler greedy = makeSampler(0);
  EXPECT_EQ(*greedy.sample(std::vector<float>{1, 3, 2, 3}, {}), 1);
}

TEST(SamplerTest, TopKKeepsTheKLargestAndTies) {
  std::vector<float> logits = {1, 5, 3, 5, 2, 4};
  EXPECT_EQ(keptIds(makeSampler(1, 3), logits), (std::set<int64_t>{1, 3, 5}));
  EXPECT_EQ(keptIds(makeSampler(1, 2), logits), (std::set<int64_t>{1, 3}));
  EXPECT_EQ(keptIds(makeSampler(1, 1), logits), (std::set<int64_t>{1, 3}));
  EXPECT_EQ(keptIds(makeSampler(1, 0), logits).size(), 6u);
  EXPECT_EQ(keptIds(makeSampler(1, 100), logits).size(), 6u);
  for (uint32_t seed = 1; seed <= 10; ++seed)
    for (int k : {1, 2, 7, 40, 99}) {
      std::vector<float> random = pseudoRandomLogits(100, seed);
      EXPECT_EQ(keptIds(makeSampler(0.7f, k), random), referenceTopK(random, k))
          << "seed " << seed << ", k " << k;
    }
}

TEST(SamplerTest, TopPKeepsTheSmallestPrefixReachingP) {
  std::vector<float> logits = {std::log(0.4f), std::log(0.3f), std::log(0.2f),
                               std::log(0.1f)};
  EXPECT_EQ(keptIds(makeSampler(1, 0, 0.35f), logits), (std::set<int64_t>{0}));
  EXPECT_EQ(keptIds(makeSampler(1, 0, 0.65f), logits), (std::set<int64_t>{0, 1}));
  EXPECT_EQ(keptIds(makeSampler(1, 0, 0.75f), logits),
            (std::set<int64_t>{0, 1, 2}));
  EXPECT_EQ(keptIds(makeSampler(1, 0, 0.95f), logits).size(), 4u);
  // The kept probabilities are renormalized.
  Expected<std::vector<Sampler::Candidate>> kept =
      makeSampler(1, 0, 0.65f).candidates(logits, {});
  ASSERT_TRUE(kept);
  EXPECT_NEAR((*kept)[0].probability, 0.4 / 0.7, 1e-6);
  EXPECT_NEAR((*kept)[1].probability, 0.3 / 0.7, 1e-6);
  for (uint32_t seed = 1; seed <= 10; ++seed)
    for (float p : {0.1f, 0.33f, 0.5f, 0.9f, 0.999f}) {
      std::vector<float> random = pseudoRandomLogits(100, seed);
      EXPECT_EQ(keptIds(makeSampler(1, 0, p), random), referenceTopP(random, p))
          << "seed " << seed << ", p " << p;
    }
}

TEST(SamplerTest, TopPAppliesAfterTemperatureAndTopK) {
  std::vector<float> logits = pseudoRandomLogits(100, 5);
  std::vector<float> scaled = logits;
  for (float &l : scaled)
    l /= 0.5f;
  std::set<int64_t> topK = referenceTopK(scaled, 10);
  std::vector<float> filtered(scaled.size(), -INFINITY);
  for (int64_t id : topK)
    filtered[id] = scaled[id];
  EXPECT_EQ(keptIds(makeSampler(0.5f, 10, 0.6f), logits),
            referenceTopP(filtered, 0.6f));
}

TEST(SamplerTest, RepetitionPenaltyAsHuggingFace) {
  // Positive logits are divided by the penalty, negative ones multiplied,
  // once per distinct id of the context.
  std::vector<float> logits = {2, -2, 1.5f, 0.5f};
  std::vector<int64_t> context = {0, 1, 1, 0};
  Expected<std::vector<Sampler::Candidate>> kept =
      makeSampler(1, 0, 1, 2).candidates(logits, context);
  ASSERT_TRUE(kept);
  std::vector<double> penalized = {1, -4, 1.5, 0.5}, expected(4);
  double total = 0;
  for (double l : penalized)
    total += std::exp(l);
  std::map<int64_t, double> byId;
  for (const Sampler::Candidate &c : *kept)
    byId[c.id] = c.probability;
  for (int64_t id = 0; id < 4; ++id)
    EXPECT_NEAR(byId[id], std::exp(penalized[id]) / total, 1e-9) << id;
  EXPECT_EQ(*makeSampler(0, 0, 1, 2).sample(logits, context), 2);
  EXPECT_EQ(*makeSampler(0).sample(logits, context), 0);
}

TEST(SamplerTest, FrequenciesFollowTheProbabilities) {
  std::vector<float> logits = {0, 1, 2, -1};
  Sampler sampler = makeSampler(1, 0, 1, 1, 99);
  std::vector<int> counts(4);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i)
    ++counts[*sampler.sample(logits, {})];
  double total = 0;
  for (float l : logits)
    total += std::exp(l);
  for (int id = 0; id < 4; ++id) // 4 standard deviations at most
    EXPECT_NEAR(counts[id] / double(draws), std::exp(logits[id]) / total, 0.014)
        << id;
}

TEST(SamplerTest, RejectsBadSettings) {
  auto fails = [](float t, int32_t k, float p, float r, const char *message) {
    attnc_sampler_config config = {t, k, p, r, 0};
    Expected<Sampler> sampler = Sampler::create(config);
    ASSERT_FALSE(sampler);
    EXPECT_EQ(sampler.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(sampler.error().message().find(message), std::string::npos)
        << sampler.error().message();
  };
  fails(-1, 0, 1, 1, "temperature must be");
  fails(NAN, 0, 1, 1, "temperature must be");
  fails(INFINITY, 0, 1, 1, "temperature must be");
  fails(1, -3, 1, 1, "top-k must be");
  fails(1, 0, 0, 1, "top-p must be in (0, 1]");
  fails(1, 0, 1.5f, 1, "top-p must be in (0, 1]");
  fails(1, 0, 1, 0, "repetition penalty must be");
  fails(1, 0, 1, -2, "repetition penalty must be");
}

TEST(SamplerTest, RejectsBadLogitsAndContext) {
  Sampler sampler = makeSampler(1);
  Expected<int64_t> nan = sampler.sample(std::vector<float>{0, NAN}, {});
  ASSERT_FALSE(nan);
  EXPECT_EQ(nan.error().code(), ATTNC_ERROR_MODEL);
  EXPECT_NE(nan.error().message().find("logit 1 is nan"), std::string::npos)
      << nan.error().message();
  for (float temperature : {0.0f, 1.0f}) {
    Expected<int64_t> allMasked = makeSampler(temperature).sample(
        std::vector<float>{-INFINITY, -INFINITY}, {});
    ASSERT_FALSE(allMasked);
    EXPECT_EQ(allMasked.error().message(), "every logit is -inf");
  }
  Expected<int64_t> outside = sampler.sample(std::vector<float>{0, 1}, {2});
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().message(),
            "context token 2 is outside the vocabulary (2 ids)");
  Expected<int64_t> empty = sampler.sample(std::vector<float>{}, {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "no logits to sample from");
  // -inf logits are masked, never drawn.
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(*sampler.sample(std::vector<float>{-INFINITY, 0, -INFINITY}, {}), 1);
}

TEST(SamplerTest, CApiCountsLikeSnprintf) {
  attnc_sampler_config config;
  attnc_sampler_config_init(&config);
  config.temperature = 1;
  attnc_sampler *sampler = nullptr;
  ASSERT_EQ(attnc_sampler_create(&config, &sampler), ATTNC_OK);
  float logits[] = {3, 2, 1};
  size_t count = 0;
  ASSERT_EQ(attnc_sampler_candidates(sampler, logits, 3, nullptr, 0, nullptr,
                                     nullptr, 0, &count),
            ATTNC_OK);
  EXPECT_EQ(count, 3u);
  int64_t ids[1];
  double probabilities[1];
  ASSERT_EQ(attnc_sampler_candidates(sampler, logits, 3, nullptr, 0, ids,
                                     probabilities, 1, &count),
            ATTNC_OK);
  EXPECT_EQ(ids[0], 0);
  EXPECT_EQ(attnc_sampler_sample(sampler, nullptr, 3, nullptr, 0, ids),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(attnc_last_error()).find("must not be NULL"),
            std::string::npos);
  attnc_sampler_destroy(sampler);
  attnc_sampler_destroy(nullptr);
}

} // namespace
