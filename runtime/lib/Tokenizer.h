//===- Tokenizer.h - Text <-> token ids -------------------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_TOKENIZER_H
#define ATTNC_RUNTIME_LIB_TOKENIZER_H

#include "attnc/runtime.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

struct DecodeOptions {
  /// Leave out the added tokens marked "special" (e.g. "<s>", "[CLS]").
  bool skipSpecialTokens = false;
  /// The ids follow earlier ones of the same sequence: the result is what
  /// decoding the whole sequence appends for them (no prefix space dropped
  /// at the start, WordPiece's joining space kept), so that a stream of
  /// tokens can be decoded one at a time.
  bool continuation = false;
};

/// Immutable once built, so safe to share between threads.
class Tokenizer {
public:
  virtual ~Tokenizer() = default;

  /// One more than the largest id.
  virtual int64_t vocabSize() const = 0;
  /// What Hugging Face's `tokenizer(text)` gives: with the special tokens
  /// the post-processor adds (e.g. Llama's "<s>") unless `addSpecialTokens`
  /// is false.
  virtual Expected<std::vector<int64_t>> encode(std::string_view text,
                                                bool addSpecialTokens) const = 0;
  Expected<std::vector<int64_t>> encode(std::string_view text) const {
    return encode(text, /*addSpecialTokens=*/true);
  }
  virtual Expected<std::string> decode(const int64_t *ids, size_t count,
                                       const DecodeOptions &options) const = 0;
  Expected<std::string> decode(const int64_t *ids, size_t count) const {
    return decode(ids, count, DecodeOptions());
  }
  /// The id of the token spelled `token`, or -1.
  virtual int64_t tokenId(std::string_view token) const = 0;
  virtual bool isAddedToken(int64_t id) const = 0;
  /// The token the post-processor puts first (e.g. "<s>"), or -1.
  virtual int64_t bosTokenId() const { return -1; }
  /// The token the post-processor puts last, else the added special token
  /// conventionally ending a text (e.g. "</s>", "<|endoftext|>"), or -1.
  virtual int64_t eosTokenId() const { return -1; }
};

/// Token i is byte i.
std::unique_ptr<Tokenizer> createByteTokenizer();

/// The tokenizer a Hugging Face tokenizer.json describes (byte-level BPE,
/// SentencePiece-style BPE or WordPiece; see docs/tokenizers.md).
Expected<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::string &path);

/// The same from the file's text; `source` names it in messages.
Expected<std::unique_ptr<Tokenizer>>
parseTokenizerJson(std::string_view text, const std::string &source);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_TOKENIZER_H
