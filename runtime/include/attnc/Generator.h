//===- Generator.h - The token-by-token generation loop ---------*- C++ -*-===//
#ifndef ATTNC_GENERATOR_H
#define ATTNC_GENERATOR_H

#include "attnc/Decoder.h"
#include "attnc/generation.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc {

struct GenerationOptions {
  /// At least 1.
  int64_t maxNewTokens = 16;
  /// Generation ends after any of these tokens (which is kept).
  std::vector<int64_t> stopTokens;
  /// End-of-sequence ids (generation_config.json's eos_token_id): generation
  /// ends after any of them; the token is kept, its text is not.
  std::vector<int64_t> eosTokens;
  /// Generation ends once the generated text contains any of these; the
  /// text is cut just after the first one.
  std::vector<std::string> stopTexts;
};

enum class StopReason { MaxNewTokens, StopToken, StopText, Eos };

struct GenerationResult {
  /// The generated tokens, not the prompt.
  std::vector<int64_t> tokens;
  /// Their bytes (UTF-8 unless the model produced something else), cut
  /// after a stop text.
  std::string text;
  StopReason stopReason = StopReason::MaxNewTokens;
  /// The token that ended generation (StopToken, Eos), else -1.
  int64_t stopToken = -1;
  int64_t promptTokens = 0;
  /// prefill() produced the first token; each later one took a step().
  double prefillSeconds = 0;
  double decodeSeconds = 0;
  int64_t decodeSteps = 0;
};

/// Receives the text as it is produced, never cutting a UTF-8 character in
/// two (a character spread over several tokens arrives with its last byte).
using TextSink = std::function<void(std::string_view)>;

/// Generates from `prompt` until a stop condition. Fails, before running the
/// model, on an empty prompt, prompt ids outside the model's vocabulary, or
/// more tokens (prompt + maxNewTokens) than the model's context; later, on
/// any failure of the decoder, sampler or tokenizer.
Expected<GenerationResult> generate(Decoder &decoder, Sampler &sampler,
                                    const Tokenizer &tokenizer,
                                    const std::vector<int64_t> &prompt,
                                    const GenerationOptions &options,
                                    const TextSink &sink = nullptr);

} // namespace attnc

#endif // ATTNC_GENERATOR_H
