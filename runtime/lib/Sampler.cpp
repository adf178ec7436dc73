//===- Sampler.cpp - Choosing the next token from logits ------------------===//
//
// Scores stay in f32 through the penalty and the temperature, as in Hugging
// Face's logits processors, so that greedy choices agree with PyTorch's; the
// softmax and the top-p sums are computed in f64.
//
//===----------------------------------------------------------------------===//
#include "Sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace attnc::rt {
namespace {

Error invalid(const std::string &message) {
  return Error(ATTNC_ERROR_INVALID_ARGUMENT, message);
}

} // namespace

Expected<Sampler> Sampler::create(const attnc_sampler_config &config) {
  if (!(config.temperature >= 0) || std::isinf(config.temperature))
    return invalid("temperature must be a finite number >= 0, not " +
                   std::to_string(config.temperature));
  if (config.top_k < 0)
    return invalid("top-k must be >= 0 (0: no limit), not " +
                   std::to_string(config.top_k));
  if (!(config.top_p > 0 && config.top_p <= 1))
    return invalid("top-p must be in (0, 1] (1: no limit), not " +
                   std::to_string(config.top_p));
  if (!(config.repetition_penalty > 0) || std::isinf(config.repetition_penalty))
    return invalid("repetition penalty must be a finite number > 0 (1: none), "
                   "not " +
                   std::to_string(config.repetition_penalty));
  return Sampler(config);
}

Expected<std::vector<Candidate>>
Sampler::candidates(const float *logits, size_t vocabSize,
                    const int64_t *context, size_t contextSize) const {
  if (vocabSize == 0 || !logits)
    return invalid("no logits to sample from");
  if (contextSize && !context)
    return invalid("context is NULL but context_size is " +
                   std::to_string(contextSize));
  std::vector<float> scores(logits, logits + vocabSize);
  for (size_t i = 0; i < vocabSize; ++i)
    if (std::isnan(scores[i]) || scores[i] == INFINITY)
      return Error(ATTNC_ERROR_MODEL, "logit " + std::to_string(i) + " is " +
                                          std::to_string(scores[i]) +
                                          ": the model produced a non-number");

  std::vector<bool> penalized(vocabSize);
  for (size_t i = 0; i < contextSize; ++i) {
    int64_t id = context[i];
    if (id < 0 || static_cast<uint64_t>(id) >= vocabSize)
      return invalid("context token " + std::to_string(id) +
                     " is outside the vocabulary (" +
                     std::to_string(vocabSize) + " ids)");
    if (config.repetition_penalty == 1 || penalized[id])
      continue;
    penalized[id] = true;
    float &score = scores[id];
    score = score < 0 ? score * config.repetition_penalty
                      : score / config.repetition_penalty;
  }

  if (config.temperature == 0) {
    size_t best = std::max_element(scores.begin(), scores.end()) -
                  scores.begin();
    if (scores[best] == -INFINITY)
      return Error(ATTNC_ERROR_MODEL, "every logit is -inf");
    return std::vector<Candidate>{{static_cast<int64_t>(best), 1.0}};
  }

  for (float &score : scores)
    score /= config.temperature;
  std::vector<int64_t> order(vocabSize);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  });
  size_t kept = std::find_if(order.begin(), order.end(),
                             [&](int64_t id) { return scores[id] == -INFINITY; }) -
                order.begin();
  if (kept == 0)
    return Error(ATTNC_ERROR_MODEL, "every logit is -inf");
  if (config.top_k > 0 && static_cast<size_t>(config.top_k) < kept) {
    float threshold = scores[order[config.top_k - 1]];
    kept = config.top_k;
    while (kept < order.size() && scores[order[kept]] >= threshold)
      ++kept;
  }

  std::vector<Candidate> result;
  result.reserve(kept);
  double total = 0, maxScore = scores[order[0]];
  for (size_t i = 0; i < kept; ++i) {
    double weight = std::exp(static_cast<double>(scores[order[i]]) - maxScore);
    result.push_back({order[i], weight});
    total += weight;
  }
  for (Candidate &c : result)
    c.probability /= total;

  if (config.top_p < 1) {
    double before = 0;
    size_t n = 0;
    while (n < result.size() && (n == 0 || before < config.top_p))
      before += result[n++].probability;
    result.resize(n);
    for (Candidate &c : result)
      c.probability /= before;
  }
  return result;
}

Expected<int64_t> Sampler::sample(const float *logits, size_t vocabSize,
                                  const int64_t *context, size_t contextSize) {
  Expected<std::vector<Candidate>> choices =
      candidates(logits, vocabSize, context, contextSize);
  if (!choices)
    return choices.error();
  if (config.temperature == 0)
    return choices->front().id;
  double u = random.nextDouble(), cumulative = 0;
  for (const Candidate &c : *choices) {
    cumulative += c.probability;
    if (cumulative > u)
      return c.id;
  }
  return choices->back().id;
}

} // namespace attnc::rt
