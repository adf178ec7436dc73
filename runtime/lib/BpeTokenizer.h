//===- BpeTokenizer.h - Byte-level BPE, as GPT-2 uses it --------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_BPETOKENIZER_H
#define ATTNC_RUNTIME_LIB_BPETOKENIZER_H

#include "Tokenizer.h"

#include <string>
#include <utility>
#include <vector>

namespace attnc::rt {

/// A token that is matched in the text before BPE runs and never split
/// (e.g. "<|endoftext|>"); the flags mean what they mean in tokenizer.json.
struct AddedToken {
  std::string content;
  int64_t id;
  bool lstrip = false;     // also swallow the whitespace before it
  bool rstrip = false;     // also swallow the whitespace after it
  bool singleWord = false; // only when no letter, digit or _ touches it
};

/// What a tokenizer.json describes, before it is checked.
struct BpeDescription {
  /// Token spellings (bytes written with GPT-2's byte characters) and ids.
  std::vector<std::pair<std::string, int64_t>> vocab;
  /// Pairs of spellings, highest priority first.
  std::vector<std::pair<std::string, std::string>> merges;
  std::vector<AddedToken> addedTokens;
  bool addPrefixSpace = false;
  bool useRegex = true;
  /// A word that is itself a token is not merged (newer tokenizer.json).
  bool ignoreMerges = false;
};

/// Checks that ids are unique and non-negative and that every merge joins
/// two tokens into a token. `source` names the description in messages. (A
/// byte without a token is reported when a text needs it.)
Expected<std::unique_ptr<Tokenizer>>
createBpeTokenizer(BpeDescription description, const std::string &source);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_BPETOKENIZER_H
