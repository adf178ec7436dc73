//===- Normalizer.h - tokenizer.json normalizers -----------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_NORMALIZER_H
#define ATTNC_RUNTIME_LIB_NORMALIZER_H

#include "TokenizerDescription.h"

#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

/// `text` after each step in turn. Bytes that are not valid UTF-8 pass
/// through unchanged (Unicode normalization and case mapping apply to the
/// well-formed runs between them).
Expected<std::string> normalize(const std::vector<NormalizerStep> &steps,
                                std::string_view text);

namespace unicode {
/// BERT's "Chinese character": the CJK Unified Ideographs blocks.
bool isCjkIdeograph(char32_t c);
/// Unicode general category P* (what Rust's char::is_punctuation means).
bool isPunctuation(char32_t c);
/// Unicode general category C* other than \t, \n, \r.
bool isControl(char32_t c);
} // namespace unicode

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_NORMALIZER_H
