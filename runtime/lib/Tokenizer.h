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

/// Immutable once built, so safe to share between threads.
class Tokenizer {
public:
  virtual ~Tokenizer() = default;

  /// One more than the largest id.
  virtual int64_t vocabSize() const = 0;
  virtual Expected<std::vector<int64_t>> encode(std::string_view text) const = 0;
  virtual Expected<std::string> decode(const int64_t *ids,
                                       size_t count) const = 0;
  /// The id of the token spelled `token`, or -1.
  virtual int64_t tokenId(std::string_view token) const = 0;
  virtual bool isAddedToken(int64_t id) const = 0;
};

/// Token i is byte i.
std::unique_ptr<Tokenizer> createByteTokenizer();

/// A byte-level BPE tokenizer from a Hugging Face tokenizer.json.
Expected<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::string &path);

/// The same from the file's text; `source` names it in messages.
Expected<std::unique_ptr<Tokenizer>>
parseTokenizerJson(std::string_view text, const std::string &source);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_TOKENIZER_H
