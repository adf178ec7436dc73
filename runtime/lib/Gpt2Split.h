//===- Gpt2Split.h - GPT-2's pre-tokenization, by hand ----------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_GPT2SPLIT_H
#define ATTNC_RUNTIME_LIB_GPT2SPLIT_H

#include <string_view>
#include <vector>

namespace attnc::rt {

/// Splits `text` into the pieces that GPT-2's pattern
///
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// finds with Python's `regex.findall`: contractions, words, numbers and
/// runs of other characters (each with at most one leading space), and runs
/// of whitespace that leave their last character to a following word. The
/// pieces cover the text exactly, in order. Bytes that are not valid UTF-8
/// count as "other" characters.
std::vector<std::string_view> splitGpt2(std::string_view text);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_GPT2SPLIT_H
