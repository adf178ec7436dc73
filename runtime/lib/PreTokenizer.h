//===- PreTokenizer.h - tokenizer.json pre-tokenizers ------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_PRETOKENIZER_H
#define ATTNC_RUNTIME_LIB_PRETOKENIZER_H

#include "TokenizerDescription.h"

#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

/// Splits a normalized part of the text into the words the model encodes
/// one at a time, applying each step to every word the previous ones gave
/// (no steps: the part is one word). `atTextStart`: the part begins the
/// text (Metaspace's prepend_scheme "first"). Empty words are dropped.
Status preTokenize(const std::vector<PreTokenizerStep> &steps,
                   std::string_view text, bool atTextStart,
                   std::vector<std::string> &words);

/// The [begin, end) ranges that split `text` into pieces when the ranges in
/// `matches` (sorted, disjoint) are delimiters handled as `behavior` says
/// (Hugging Face's SplitDelimiterBehavior), after swapping delimiters and
/// the text between them if `invert`.
std::vector<std::pair<size_t, size_t>>
splitRanges(size_t size, const std::vector<std::pair<size_t, size_t>> &matches,
            SplitBehavior behavior, bool invert);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_PRETOKENIZER_H
