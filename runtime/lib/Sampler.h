//===- Sampler.h - Choosing the next token from logits ----------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_SAMPLER_H
#define ATTNC_RUNTIME_LIB_SAMPLER_H

#include "Random.h"

#include "attnc/generation.h"
#include "attnc/runtime.hpp"

#include <vector>

namespace attnc::rt {

struct Candidate {
  int64_t id;
  double probability;
};

/// See attnc_sampler_config in generation.h for what each setting does.
class Sampler {
public:
  /// Fails on settings outside their documented ranges.
  static Expected<Sampler> create(const attnc_sampler_config &config);

  /// The tokens a draw chooses from, most probable first, with their
  /// probabilities (summing to 1).
  Expected<std::vector<Candidate>> candidates(const float *logits,
                                              size_t vocabSize,
                                              const int64_t *context,
                                              size_t contextSize) const;
  Expected<int64_t> sample(const float *logits, size_t vocabSize,
                           const int64_t *context, size_t contextSize);

private:
  explicit Sampler(const attnc_sampler_config &config)
      : config(config), random(config.seed) {}

  attnc_sampler_config config;
  Xoshiro256StarStar random;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_SAMPLER_H
