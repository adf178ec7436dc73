//===- ByteTokenizer.cpp - Token i is byte i ------------------------------===//
#include "Tokenizer.h"

namespace attnc::rt {
namespace {

class ByteTokenizer final : public Tokenizer {
public:
  int64_t vocabSize() const override { return 256; }

  Expected<std::vector<int64_t>> encode(std::string_view text,
                                        bool) const override {
    std::vector<int64_t> ids;
    ids.reserve(text.size());
    for (char c : text)
      ids.push_back(static_cast<uint8_t>(c));
    return ids;
  }

  Expected<std::string> decode(const int64_t *ids, size_t count,
                               const DecodeOptions &) const override {
    std::string bytes;
    bytes.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (ids[i] < 0 || ids[i] > 255)
        return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                     "token id " + std::to_string(ids[i]) +
                         " is outside the byte-level vocabulary (0..255)");
      bytes += static_cast<char>(ids[i]);
    }
    return bytes;
  }

  int64_t tokenId(std::string_view token) const override {
    return token.size() == 1 ? static_cast<uint8_t>(token[0]) : -1;
  }

  bool isAddedToken(int64_t) const override { return false; }
};

} // namespace

std::unique_ptr<Tokenizer> createByteTokenizer() {
  return std::make_unique<ByteTokenizer>();
}

} // namespace attnc::rt
