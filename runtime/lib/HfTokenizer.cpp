//===- HfTokenizer.cpp - A Hugging Face tokenizer, part by part -----------===//
//
// Encoding follows Hugging Face's tokenizers: the added tokens that are not
// "normalized" are cut out of the text first (leftmost, then longest), each
// remaining part is normalized, the "normalized" added tokens are cut out of
// it, and each remaining piece is pre-tokenized into words that the model
// turns into ids; the post-processor then puts its special tokens around
// them. Decoding runs the decoder over the tokens' spellings.
//
//===----------------------------------------------------------------------===//
#include "Normalizer.h"
#include "PreTokenizer.h"
#include "Support.h"
#include "TokenDecoder.h"
#include "TokenModel.h"
#include "UnicodeTables.h"
#include "Utf8.h"

#include <algorithm>

namespace attnc::rt {
namespace {

/// A part of the text: either an added token or text for the model.
struct Segment {
  std::string_view text;
  int64_t addedId = -1;
  bool atTextStart = false;
};

bool isWordChar(const utf8::CodePoint &c) {
  return c.valid && (c.value == U'_' || unicode::isLetter(c.value) ||
                     unicode::isNumber(c.value));
}

bool isSpace(const utf8::CodePoint &c) {
  return c.valid && unicode::isWhitespace(c.value);
}

/// The code point that ends at byte `end` (> 0) of `text`; a byte that ends
/// no well-formed sequence reads as an invalid code point of size 1.
utf8::CodePoint charBefore(std::string_view text, size_t end) {
  for (size_t size = 1; size <= 4 && size <= end; ++size) {
    utf8::CodePoint c = utf8::decode(text, end - size);
    if (c.valid && c.size == size)
      return c;
  }
  return {static_cast<uint8_t>(text[end - 1]), 1, false};
}

/// Cuts the tokens of `tokens` (longest first) out of `text`.
void splitAddedTokens(const std::vector<AddedToken> &tokens,
                      std::string_view text, bool atTextStart,
                      std::vector<Segment> &segments) {
  size_t textStart = 0; // the end of the previous added token
  for (size_t pos = 0; pos < text.size() && !tokens.empty();) {
    const AddedToken *match = nullptr;
    for (const AddedToken &token : tokens)
      if (text.compare(pos, token.content.size(), token.content) == 0) {
        match = &token;
        break;
      }
    if (!match) {
      ++pos;
      continue;
    }
    size_t start = pos, end = pos + match->content.size();
    if (match->singleWord &&
        ((start > 0 && isWordChar(charBefore(text, start))) ||
         (end < text.size() && isWordChar(utf8::decode(text, end))))) {
      pos = end;
      continue;
    }
    if (match->lstrip)
      while (start > textStart && isSpace(charBefore(text, start)))
        start -= charBefore(text, start).size;
    if (match->rstrip)
      while (end < text.size() && isSpace(utf8::decode(text, end)))
        end += utf8::decode(text, end).size;
    if (start > textStart)
      segments.push_back({text.substr(textStart, start - textStart), -1,
                          atTextStart && textStart == 0});
    segments.push_back({text.substr(start, end - start), match->id});
    textStart = pos = end;
  }
  if (textStart < text.size())
    segments.push_back(
        {text.substr(textStart), -1, atTextStart && textStart == 0});
}

class HfTokenizer final : public Tokenizer {
public:
  explicit HfTokenizer(TokenizerDescription description)
      : description(std::move(description)) {}

  /// Fills the tables; every problem found is added to `errors`.
  void build(ErrorList &errors, const std::string &source);

  int64_t vocabSize() const override { return vocab.idCount; }
  Expected<std::vector<int64_t>> encode(std::string_view text,
                                        bool addSpecialTokens) const override;
  Expected<std::string> decode(const int64_t *ids, size_t count,
                               const DecodeOptions &options) const override;
  int64_t tokenId(std::string_view token) const override;
  bool isAddedToken(int64_t id) const override {
    auto it = vocab.byId.find(id);
    return it != vocab.byId.end() && it->second.added;
  }
  int64_t bosTokenId() const override { return bos; }
  int64_t eosTokenId() const override { return eos; }

private:
  Status encodeText(std::string_view text, bool atTextStart,
                    std::vector<int64_t> &ids) const;

  TokenizerDescription description;
  Vocabulary vocab;
  std::unique_ptr<TokenModel> model;
  /// Longest first, so that the first match at a position is the longest.
  std::vector<AddedToken> rawAdded, normalizedAdded;
  int64_t bos = -1, eos = -1;
};

void HfTokenizer::build(ErrorList &errors, const std::string &source) {
  // Ids index tables and pair keys hold two of them in 64 bits.
  constexpr int64_t kMaxId = INT32_MAX - 1;
  auto define = [&](const std::string &spelling, int64_t id, bool added,
                    bool special) {
    if (id < 0 || id > kMaxId) {
      errors.add(ATTNC_ERROR_FORMAT, source + ": token '" + truncate(spelling) +
                                         "' has an invalid id " +
                                         std::to_string(id));
      return;
    }
    auto [it, inserted] =
        vocab.byId.try_emplace(id, Vocabulary::Entry{spelling, added, special});
    if (!inserted && it->second.spelling != spelling) {
      errors.add(ATTNC_ERROR_FORMAT,
                 source + ": id " + std::to_string(id) + " is given to both '" +
                     truncate(it->second.spelling) + "' and '" +
                     truncate(spelling) + "'");
      return;
    }
    it->second.added |= added;
    it->second.special |= special;
    vocab.idCount = std::max(vocab.idCount, id + 1);
  };
  for (const auto &[spelling, id] : description.vocab) {
    auto [it, inserted] = vocab.byText.emplace(spelling, id);
    if (!inserted && it->second != id)
      errors.add(ATTNC_ERROR_FORMAT, source + ": token '" +
                                         truncate(spelling) +
                                         "' appears twice in the vocabulary");
    define(spelling, id, false, false);
  }
  for (const AddedToken &token : description.addedTokens) {
    if (token.content.empty()) {
      errors.add(ATTNC_ERROR_FORMAT, source + ": added token " +
                                         std::to_string(token.id) +
                                         " has empty content");
      continue;
    }
    define(token.content, token.id, true, token.special);
    (token.normalized ? normalizedAdded : rawAdded).push_back(token);
  }
  // Two tokens of one length cannot both match at one place.
  for (auto *tokens : {&rawAdded, &normalizedAdded})
    std::sort(tokens->begin(), tokens->end(),
                     [](const AddedToken &a, const AddedToken &b) {
                       return a.content.size() > b.content.size();
                     });
  for (const auto *ids : {&description.prefixIds, &description.suffixIds})
    for (int64_t id : *ids)
      if (!vocab.byId.count(id))
        errors.add(ATTNC_ERROR_FORMAT,
                   source + ": the post_processor adds token id " +
                       std::to_string(id) + ", which no token has");

  bool byteLevel = std::any_of(
      description.preTokenizer.begin(), description.preTokenizer.end(),
      [](const PreTokenizerStep &step) {
        return step.kind == PreTokenizerStep::Kind::ByteLevel;
      });
  if (description.model == TokenizerDescription::ModelKind::Bpe)
    model = createBpeModel(vocab, description.bpe, byteLevel, errors, source);
  else
    model = createWordPieceModel(vocab, description.wordPiece, errors, source);

  if (!description.prefixIds.empty())
    bos = description.prefixIds.front();
  if (!description.suffixIds.empty()) {
    eos = description.suffixIds.back();
  } else {
    // Without a post-processor that names it, the conventional spellings.
    for (const char *name : {"</s>", "<|end_of_text|>", "<|endoftext|>"}) {
      auto it = vocab.byId.find(tokenId(name));
      if (it != vocab.byId.end() && it->second.added && it->second.special) {
        eos = it->first;
        break;
      }
    }
  }
}

Expected<std::vector<int64_t>>
HfTokenizer::encode(std::string_view text, bool addSpecialTokens) const {
  std::vector<int64_t> ids;
  if (addSpecialTokens)
    ids = description.prefixIds;
  std::vector<Segment> segments;
  splitAddedTokens(rawAdded, text, /*atTextStart=*/true, segments);
  for (const Segment &segment : segments) {
    if (segment.addedId >= 0) {
      ids.push_back(segment.addedId);
      continue;
    }
    Expected<std::string> normalized =
        normalize(description.normalizer, segment.text);
    if (!normalized)
      return normalized.error();
    std::vector<Segment> pieces;
    splitAddedTokens(normalizedAdded, *normalized, segment.atTextStart, pieces);
    for (const Segment &piece : pieces) {
      if (piece.addedId >= 0)
        ids.push_back(piece.addedId);
      else if (Status s = encodeText(piece.text, piece.atTextStart, ids); !s)
        return s.error();
    }
  }
  if (addSpecialTokens)
    ids.insert(ids.end(), description.suffixIds.begin(),
               description.suffixIds.end());
  return ids;
}

Status HfTokenizer::encodeText(std::string_view text, bool atTextStart,
                               std::vector<int64_t> &ids) const {
  std::vector<std::string> words;
  if (Status s = preTokenize(description.preTokenizer, text, atTextStart, words);
      !s)
    return s;
  for (const std::string &word : words)
    if (Status s = model->encodeWord(word, ids); !s)
      return s;
  return Status::success();
}

Expected<std::string> HfTokenizer::decode(const int64_t *ids, size_t count,
                                          const DecodeOptions &options) const {
  std::vector<std::string> tokens;
  tokens.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    auto it = vocab.byId.find(ids[i]);
    if (it == vocab.byId.end())
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "token id " + std::to_string(ids[i]) +
                       " is not in the vocabulary (" +
                       std::to_string(vocabSize()) + " ids)");
    if (!(options.skipSpecialTokens && it->second.special))
      tokens.push_back(it->second.spelling);
  }
  return decodeTokens(description.decoder, std::move(tokens),
                      options.continuation);
}

int64_t HfTokenizer::tokenId(std::string_view token) const {
  for (const auto *tokens : {&rawAdded, &normalizedAdded})
    for (const AddedToken &added : *tokens)
      if (added.content == token)
        return added.id;
  return vocab.find(std::string(token));
}

} // namespace

Expected<std::unique_ptr<Tokenizer>>
createTokenizer(TokenizerDescription description, const std::string &source) {
  auto tokenizer = std::make_unique<HfTokenizer>(std::move(description));
  ErrorList errors;
  tokenizer->build(errors, source);
  if (!errors.empty())
    return errors.take();
  return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

} // namespace attnc::rt
