//===- DecoderSupport.h - Shared by the decoder implementations -*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_GENERATE_DECODERSUPPORT_H
#define ATTNC_RUNTIME_LIB_GENERATE_DECODERSUPPORT_H

#include "attnc/Decoder.h"

namespace attnc::detail {

inline constexpr const char *kInputIds = "input_ids";
inline constexpr const char *kLogits = "logits";

/// `tokens` as the model's input_ids, batch 1. The tensor points into
/// `tokens` and `shape`.
attnc_tensor inputIds(std::vector<int64_t> &tokens, int64_t (&shape)[2]);

/// Which rows of `logits` a call returns: one per new token, or (a step
/// entry) either that or the last one only.
enum class Rows { Every, EveryOrLast };

/// The last row of the `logits` output of a run over `tokens` new tokens.
Expected<Logits> lastLogits(const OutputView &outputs, int64_t tokens,
                            int64_t vocab, Rows rows);

} // namespace attnc::detail

#endif // ATTNC_RUNTIME_LIB_GENERATE_DECODERSUPPORT_H
