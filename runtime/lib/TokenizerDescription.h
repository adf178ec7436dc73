//===- TokenizerDescription.h - What a tokenizer.json says ------*- C++ -*-===//
//
// The parts of a Hugging Face tokenizer, as plain data, in the order the text
// meets them: added tokens are cut out, the rest is normalized, split into
// words, each word is turned into ids by the model, and the post-processor
// adds special tokens around them. Decoding runs the decoder steps over the
// tokens' spellings. TokenizerJson.cpp fills it; createTokenizer checks it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_TOKENIZERDESCRIPTION_H
#define ATTNC_RUNTIME_LIB_TOKENIZERDESCRIPTION_H

#include "Regex.h"
#include "Tokenizer.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attnc::rt {

/// A token that is matched in the text before the model runs and never split
/// (e.g. "<|endoftext|>"); the flags mean what they mean in tokenizer.json.
struct AddedToken {
  std::string content;
  int64_t id;
  bool lstrip = false;     // also swallow the whitespace before it
  bool rstrip = false;     // also swallow the whitespace after it
  bool singleWord = false; // only when no letter, digit or _ touches it
  bool normalized = false; // matched in the normalized text, not the input
  bool special = false;    // skipped by decode(skipSpecialTokens)
};

struct NormalizerStep {
  enum class Kind {
    Prepend,      // text: put before a non-empty text
    Replace,      // every match of `pattern` becomes `text`
    Lowercase,
    Nfd, Nfkd, Nfc, Nfkc,
    StripAccents, // drop nonspacing marks (Mn)
    Strip,        // whitespace at the start (left) and/or the end (right)
    Bert,         // BertNormalizer, with the four flags below
  };
  Kind kind = Kind::Lowercase;
  std::string text;
  std::shared_ptr<const Regex> pattern;
  bool left = false, right = false;
  bool cleanText = true, chineseChars = true, stripAccents = false,
       lowercase = true;
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious,
                           MergedWithNext, Contiguous };

struct PreTokenizerStep {
  enum class Kind {
    ByteLevel,      // GPT-2's split (useRegex); the model sees bytes
    Split,          // by `pattern`
    Metaspace,      // ' ' -> replacement, prefix, split before each replacement
    Bert,           // whitespace removed, each punctuation character alone
    Whitespace,     // \w+|[^\w\s]+
    WhitespaceSplit,
    Digits,         // runs of digits (or each digit) alone
  };
  enum class Prepend { Always, First, Never };
  Kind kind = Kind::WhitespaceSplit;
  bool addPrefixSpace = false, useRegex = true;      // ByteLevel
  std::shared_ptr<const Regex> pattern;              // Split
  SplitBehavior behavior = SplitBehavior::Isolated;  // Split
  bool invert = false;                               // Split
  std::string replacement;                           // Metaspace
  Prepend prepend = Prepend::Always;                 // Metaspace
  bool split = true;                                 // Metaspace
  bool individualDigits = false;                     // Digits
};

struct BpeSettings {
  /// Pairs of spellings, highest priority first.
  std::vector<std::pair<std::string, std::string>> merges;
  /// A word that is itself a token is not merged (newer tokenizer.json).
  bool ignoreMerges = false;
  /// A character without a token becomes its bytes' "<0xNN>" tokens.
  bool byteFallback = false;
  /// Neighbouring unknown characters become one unk token.
  bool fuseUnk = false;
  std::string unkToken; // empty: characters without a token are dropped
};

struct WordPieceSettings {
  std::string unkToken = "[UNK]";
  std::string prefix = "##";
  int64_t maxInputCharsPerWord = 100;
};

struct DecoderStep {
  enum class Kind {
    ByteLevel,    // byte characters back to bytes
    Replace,      // `pattern` -> `text` in each token
    ByteFallback, // "<0xNN>" -> the byte
    Fuse,         // all tokens into one
    Strip,        // up to `start`/`stop` `text` characters off each token
    Metaspace,    // replacement -> ' ', the first token's prefix space dropped
    WordPiece,    // "##" joins, other tokens get a space; `cleanup`
  };
  Kind kind = Kind::Fuse;
  std::string pattern, text;
  size_t start = 0, stop = 0;
  bool dropFirstSpace = true; // Metaspace
  bool cleanup = true;        // WordPiece
};

struct TokenizerDescription {
  enum class ModelKind { Bpe, WordPiece };
  ModelKind model = ModelKind::Bpe;
  /// Token spellings and ids (byte-level BPE spells bytes with GPT-2's byte
  /// characters).
  std::vector<std::pair<std::string, int64_t>> vocab;
  BpeSettings bpe;
  WordPieceSettings wordPiece;
  std::vector<AddedToken> addedTokens;
  std::vector<NormalizerStep> normalizer;
  std::vector<PreTokenizerStep> preTokenizer;
  std::vector<DecoderStep> decoder;
  /// What the post-processor puts around the ids of a single text.
  std::vector<int64_t> prefixIds, suffixIds;
};

/// Checks that ids are unique and non-negative, that every merge joins two
/// tokens into a token and that the tokens the settings name exist. `source`
/// names the description in messages. (A byte without a token is reported
/// when a text needs it.)
Expected<std::unique_ptr<Tokenizer>>
createTokenizer(TokenizerDescription description, const std::string &source);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_TOKENIZERDESCRIPTION_H
