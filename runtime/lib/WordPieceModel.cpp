//===- WordPieceModel.cpp - BERT's greedy longest-match-first -------------===//
//
// As Hugging Face's models/wordpiece: a word longer than
// max_input_chars_per_word characters, or one that cannot be covered by
// tokens (the first piece as is, the others with the "##" prefix), is the
// unk token as a whole.
//
//===----------------------------------------------------------------------===//
#include "TokenModel.h"

#include "Utf8.h"

namespace attnc::rt {
namespace {

class WordPieceModel final : public TokenModel {
public:
  WordPieceModel(const Vocabulary &vocab, const WordPieceSettings &settings)
      : vocab(vocab), settings(settings) {}

  void build(ErrorList &errors, const std::string &source) {
    unkId = vocab.find(settings.unkToken);
    if (unkId < 0)
      errors.add(ATTNC_ERROR_FORMAT, source + ": the unk token '" +
                                         truncate(settings.unkToken) +
                                         "' is not in the vocabulary");
  }

  Status encodeWord(std::string_view word,
                    std::vector<int64_t> &ids) const override {
    // Character boundaries, in bytes.
    std::vector<size_t> bounds;
    for (size_t pos = 0; pos < word.size(); pos += utf8::decode(word, pos).size)
      bounds.push_back(pos);
    bounds.push_back(word.size());
    size_t chars = bounds.size() - 1;
    if (static_cast<int64_t>(chars) > settings.maxInputCharsPerWord) {
      ids.push_back(unkId);
      return Status::success();
    }
    size_t first = ids.size();
    std::string piece;
    for (size_t start = 0; start < chars;) {
      int64_t found = -1;
      size_t end = chars;
      for (; end > start; --end) {
        piece = start > 0 ? settings.prefix : std::string();
        piece.append(word, bounds[start], bounds[end] - bounds[start]);
        found = vocab.find(piece);
        if (found >= 0)
          break;
      }
      if (found < 0) {
        ids.resize(first);
        ids.push_back(unkId);
        return Status::success();
      }
      ids.push_back(found);
      start = end;
    }
    return Status::success();
  }

private:
  const Vocabulary &vocab;
  WordPieceSettings settings;
  int64_t unkId = -1;
};

} // namespace

std::unique_ptr<TokenModel>
createWordPieceModel(const Vocabulary &vocab, const WordPieceSettings &settings,
                     ErrorList &errors, const std::string &source) {
  auto model = std::make_unique<WordPieceModel>(vocab, settings);
  model->build(errors, source);
  return model;
}

} // namespace attnc::rt
