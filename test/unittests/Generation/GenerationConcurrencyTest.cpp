//===- GenerationConcurrencyTest.cpp - Decoders and a tokenizer in threads ===//
//
// Threads share one decoder model and one tokenizer; each decodes with its
// own KV-cache session and tokenizes its own text. Everything must equal a
// single-threaded run. tools/test.sh runs these (ctest -L runtime) under
// ThreadSanitizer too.
//
//===----------------------------------------------------------------------===//
#include "GenerationTestUtils.h"

#include "attnc/Decoder.h"
#include "attnc/generation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace attnc;

namespace {

constexpr int kThreads = 4;

/// Greedy decoding of `steps` tokens after `prompt`, through the KV cache;
/// the tokens, or a message.
std::vector<int64_t> greedy(const Model &model, std::vector<int64_t> prompt,
                            int steps, std::string &problem) {
  Expected<std::unique_ptr<CachingDecoder>> decoder =
      CachingDecoder::create(model, 32);
  if (!decoder) {
    problem = decoder.error().message();
    return {};
  }
  Expected<Logits> logits = (*decoder)->prefill(prompt);
  std::vector<int64_t> tokens;
  for (int i = 0; i < steps && logits; ++i) {
    int64_t next = std::max_element(logits->begin(), logits->end()) -
                   logits->begin();
    tokens.push_back(next);
    logits = (*decoder)->step(next);
  }
  if (!logits)
    problem = logits.error().message();
  return tokens;
}

std::string threadText(int id) {
  return "Thread " + std::to_string(id) +
         " counts the keeper's steps: one hundred and twelve, caf\xc3\xa9 " +
         std::string(id + 1, ' ') + "<|endoftext|>";
}

TEST(GenerationConcurrencyTest, ThreadsMatchASingleThreadedRun) {
  Expected<Model> model = Model::open(ATTNC_FAKE_DECODER);
  ASSERT_TRUE(model) << model.error().message();
  ASSERT_TRUE(
      model->loadWeights(test::inputPath("fake-decoder.safetensors")));
  Expected<Tokenizer> tokenizer =
      Tokenizer::open(test::inputPath("tokenizer.json"));
  ASSERT_TRUE(tokenizer) << tokenizer.error().message();

  std::vector<std::vector<int64_t>> expectedTokens, expectedIds;
  for (int id = 0; id < kThreads; ++id) {
    std::string problem;
    expectedTokens.push_back(
        greedy(*model, {id % 2 ? '!' : 'a', 'a' + id}, 20, problem));
    ASSERT_EQ(problem, "");
    Expected<std::vector<int64_t>> ids = tokenizer->encode(threadText(id));
    ASSERT_TRUE(ids) << ids.error().message();
    expectedIds.push_back(*ids);
  }

  std::vector<std::string> problems(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int id = 0; id < kThreads; ++id)
    threads.emplace_back([&, id] {
      std::string &problem = problems[id];
      ready.fetch_add(1);
      while (ready.load() < kThreads)
        std::this_thread::yield();
      for (int round = 0; round < 5 && problem.empty(); ++round) {
        if (greedy(*model, {id % 2 ? '!' : 'a', 'a' + id}, 20, problem) !=
                expectedTokens[id] &&
            problem.empty())
          problem = "the decoded tokens differ";
        Expected<std::vector<int64_t>> ids = tokenizer->encode(threadText(id));
        if (problem.empty() && (!ids || *ids != expectedIds[id]))
          problem = "the token ids differ";
        Expected<std::string> text =
            ids ? tokenizer->decode(*ids) : Expected<std::string>(ids.error());
        if (problem.empty() && (!text || *text != threadText(id)))
          problem = "the text does not round-trip";
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(problems, std::vector<std::string>(kThreads));
}

} // namespace
