//===- TokenModel.h - Words to ids: BPE and WordPiece -----------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_TOKENMODEL_H
#define ATTNC_RUNTIME_LIB_TOKENMODEL_H

#include "Support.h"
#include "TokenizerDescription.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnc::rt {

/// Every token: the model's vocabulary and the added tokens.
struct Vocabulary {
  struct Entry {
    std::string spelling;
    bool added = false;
    bool special = false;
  };
  /// The model's vocabulary (not the added tokens), by spelling.
  std::unordered_map<std::string, int64_t> byText;
  /// By id. A map, not a table: ids may be sparse, and one large id must
  /// not cost memory in proportion to it.
  std::unordered_map<int64_t, Entry> byId;
  /// One more than the largest id.
  int64_t idCount = 0;

  /// The id of a vocabulary spelling, or -1.
  int64_t find(const std::string &spelling) const {
    auto it = byText.find(spelling);
    return it == byText.end() ? -1 : it->second;
  }
};

class TokenModel {
public:
  virtual ~TokenModel() = default;
  /// Appends the ids of one pre-tokenized word.
  virtual Status encodeWord(std::string_view word,
                            std::vector<int64_t> &ids) const = 0;
};

/// `byteLevel`: words are bytes, each spelled with GPT-2's byte characters;
/// else words are characters (SentencePiece style). Problems (merges of
/// unknown tokens, a missing unk token) are added to `errors`.
std::unique_ptr<TokenModel> createBpeModel(const Vocabulary &vocab,
                                           const BpeSettings &settings,
                                           bool byteLevel, ErrorList &errors,
                                           const std::string &source);

std::unique_ptr<TokenModel>
createWordPieceModel(const Vocabulary &vocab, const WordPieceSettings &settings,
                     ErrorList &errors, const std::string &source);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_TOKENMODEL_H
