//===- GenerationConfig.h - Hugging Face generation_config.json -*- C++ -*-===//
//
// The generation settings a checkpoint ships: end-of-sequence ids and the
// default sampling. `attnc generate` follows them unless an option says
// otherwise (docs/generation.md, "Precedence").
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_GENERATIONCONFIG_H
#define ATTNC_TOOLS_ATTNC_GENERATIONCONFIG_H

#include "attnc/generation.h"
#include "attnc/runtime.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnc {

/// The keys attnc reads; absent (or null) keys are nullopt / empty.
struct GenerationConfig {
  std::vector<int64_t> eosTokenIds; // eos_token_id: an id or a list of ids
  std::optional<int64_t> bosTokenId;
  std::optional<bool> doSample;
  std::optional<double> temperature, topP, repetitionPenalty;
  std::optional<int64_t> topK, maxNewTokens, maxLength;

  /// Hugging Face's defaults for what the file leaves out: greedy unless
  /// do_sample; when sampling, temperature 1, top_k 50, top_p 1.
  attnc_sampler_config samplerDefaults() const;
};

/// Reads generation_config.json. Only the keys above are read; a key of the
/// wrong type is an error naming the file, the key and what it holds.
Expected<GenerationConfig> readGenerationConfig(const std::string &path);

/// eos_token_id and bos_token_id of a config.json, which older checkpoints
/// (and those without a generation_config.json) keep there.
Expected<GenerationConfig> readTokenIdsFromModelConfig(const std::string &path);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_GENERATIONCONFIG_H
