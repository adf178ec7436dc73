//===- TokenDecoder.h - tokenizer.json decoders ------------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_TOKENDECODER_H
#define ATTNC_RUNTIME_LIB_TOKENDECODER_H

#include "TokenizerDescription.h"

#include <string>
#include <vector>

namespace attnc::rt {

/// The text of `tokens` (spellings) after each step in turn; no steps join
/// them with spaces, as Hugging Face does. `continuation`: the tokens follow
/// earlier ones of the same sequence, so what only the sequence's first
/// token gets (Strip's start after Fuse, Metaspace's dropped prefix space,
/// WordPiece's missing space) is not done.
std::string decodeTokens(const std::vector<DecoderStep> &steps,
                         std::vector<std::string> tokens, bool continuation);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_TOKENDECODER_H
