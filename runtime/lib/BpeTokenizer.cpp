//===- BpeTokenizer.cpp - Byte-level BPE, as GPT-2 uses it ----------------===//
//
// Encoding follows Hugging Face's tokenizers: added tokens are cut out of the
// text first (leftmost, then longest), each remaining part is split by GPT-2's
// pattern, and each piece, spelled with the byte characters, is merged pair
// by pair: always the pair of highest priority, leftmost among equals, until
// no pair of neighbours is a merge.
//
//===----------------------------------------------------------------------===//
#include "BpeTokenizer.h"

#include "ByteLevel.h"
#include "Gpt2Split.h"
#include "Support.h"
#include "UnicodeTables.h"
#include "Utf8.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

namespace attnc::rt {
namespace {

enum class TokenKind : uint8_t { Vocab, Added };

struct TokenEntry {
  std::string spelling;
  TokenKind kind;
};

struct Merge {
  uint32_t rank;
  int64_t result;
};

uint64_t pairKey(int64_t left, int64_t right) {
  return static_cast<uint64_t>(left) << 32 | static_cast<uint32_t>(right);
}

/// A part of the text: either an added token or text to run BPE on.
struct Segment {
  std::string_view text;
  int64_t addedId = -1;
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

class BpeTokenizer final : public Tokenizer {
public:
  explicit BpeTokenizer(const BpeDescription &description)
      : addPrefixSpace(description.addPrefixSpace),
        useRegex(description.useRegex),
        ignoreMerges(description.ignoreMerges),
        addedTokens(description.addedTokens) {}

  /// Fills the tables; every problem found is added to `errors`.
  void build(const BpeDescription &description, ErrorList &errors,
             const std::string &source);

  int64_t vocabSize() const override { return idCount; }
  Expected<std::vector<int64_t>> encode(std::string_view text) const override;
  Expected<std::string> decode(const int64_t *ids,
                               size_t count) const override;
  int64_t tokenId(std::string_view token) const override;
  bool isAddedToken(int64_t id) const override {
    auto it = tokens.find(id);
    return it != tokens.end() && it->second.kind == TokenKind::Added;
  }

private:
  std::vector<Segment> splitAddedTokens(std::string_view text) const;
  Status encodeText(std::string_view text, std::vector<int64_t> &ids) const;
  Status encodeWord(std::string_view word, std::vector<int64_t> &ids) const;

  bool addPrefixSpace, useRegex, ignoreMerges;
  std::unordered_map<std::string, int64_t> vocab;
  /// By id. A map, not a table: ids may be sparse, and one large id must
  /// not cost memory in proportion to it.
  std::unordered_map<int64_t, TokenEntry> tokens;
  /// One more than the largest id.
  int64_t idCount = 0;
  std::unordered_map<uint64_t, Merge> merges;
  int64_t byteIds[256];
  /// Longest first, so that the first match at a position is the longest.
  std::vector<AddedToken> addedTokens;
};

void BpeTokenizer::build(const BpeDescription &description, ErrorList &errors,
                         const std::string &source) {
  // Ids index tables and pair keys hold two of them in 64 bits.
  constexpr int64_t kMaxId = INT32_MAX - 1;
  auto define = [&](const std::string &spelling, int64_t id, TokenKind kind) {
    if (id < 0 || id > kMaxId) {
      errors.add(ATTNC_ERROR_FORMAT, source + ": token '" + truncate(spelling) +
                                         "' has an invalid id " +
                                         std::to_string(id));
      return;
    }
    auto [it, inserted] = tokens.try_emplace(id, TokenEntry{spelling, kind});
    if (!inserted && it->second.spelling != spelling) {
      errors.add(ATTNC_ERROR_FORMAT,
                 source + ": id " + std::to_string(id) + " is given to both '" +
                     truncate(it->second.spelling) + "' and '" +
                     truncate(spelling) + "'");
      return;
    }
    if (kind == TokenKind::Added)
      it->second.kind = TokenKind::Added;
    idCount = std::max(idCount, id + 1);
  };
  for (const auto &[spelling, id] : description.vocab) {
    auto [it, inserted] = vocab.emplace(spelling, id);
    if (!inserted && it->second != id)
      errors.add(ATTNC_ERROR_FORMAT, source + ": token '" +
                                         truncate(spelling) +
                                         "' appears twice in the vocabulary");
    define(spelling, id, TokenKind::Vocab);
  }
  for (const AddedToken &token : description.addedTokens) {
    if (token.content.empty())
      errors.add(ATTNC_ERROR_FORMAT, source + ": added token " +
                                         std::to_string(token.id) +
                                         " has empty content");
    define(token.content, token.id, TokenKind::Added);
  }
  // Two tokens of one length cannot both match at one place.
  std::sort(addedTokens.begin(), addedTokens.end(),
                   [](const AddedToken &a, const AddedToken &b) {
                     return a.content.size() > b.content.size();
                   });

  for (size_t rank = 0; rank < description.merges.size(); ++rank) {
    const std::string &left = description.merges[rank].first;
    const std::string &right = description.merges[rank].second;
    auto find = [&](const std::string &spelling) -> int64_t {
      auto it = vocab.find(spelling);
      if (it != vocab.end())
        return it->second;
      errors.add(ATTNC_ERROR_FORMAT,
                 source + ": merge " + std::to_string(rank) + " ('" +
                     truncate(left) + "' '" + truncate(right) + "'): '" +
                     truncate(spelling) + "' is not in the vocabulary");
      return -1;
    };
    int64_t a = find(left), b = find(right), result = find(left + right);
    if (a < 0 || b < 0 || result < 0)
      continue;
    // A repeated merge keeps its first (highest) priority.
    merges.emplace(pairKey(a, b), Merge{static_cast<uint32_t>(rank), result});
  }

  for (unsigned byte = 0; byte < 256; ++byte) {
    std::string spelling;
    utf8::append(spelling, bytelevel::byteToChar(byte));
    auto it = vocab.find(spelling);
    byteIds[byte] = it == vocab.end() ? -1 : it->second;
  }
}

std::vector<Segment>
BpeTokenizer::splitAddedTokens(std::string_view text) const {
  std::vector<Segment> segments;
  size_t textStart = 0; // the end of the previous added token
  for (size_t pos = 0; pos < text.size();) {
    const AddedToken *match = nullptr;
    for (const AddedToken &token : addedTokens)
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
      segments.push_back({text.substr(textStart, start - textStart)});
    segments.push_back({text.substr(start, end - start), match->id});
    textStart = pos = end;
  }
  if (textStart < text.size())
    segments.push_back({text.substr(textStart)});
  return segments;
}

Expected<std::vector<int64_t>>
BpeTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  for (const Segment &segment : splitAddedTokens(text)) {
    if (segment.addedId >= 0) {
      ids.push_back(segment.addedId);
      continue;
    }
    if (Status s = encodeText(segment.text, ids); !s)
      return s.error();
  }
  return ids;
}

Status BpeTokenizer::encodeText(std::string_view text,
                                std::vector<int64_t> &ids) const {
  std::string prefixed;
  if (addPrefixSpace && text.front() != ' ') {
    prefixed = " " + std::string(text);
    text = prefixed;
  }
  if (!useRegex)
    return encodeWord(text, ids);
  for (std::string_view word : splitGpt2(text))
    if (Status s = encodeWord(word, ids); !s)
      return s;
  return Status::success();
}

Status BpeTokenizer::encodeWord(std::string_view word,
                                std::vector<int64_t> &ids) const {
  if (ignoreMerges) {
    auto it = vocab.find(bytelevel::spell(word));
    if (it != vocab.end()) {
      ids.push_back(it->second);
      return Status::success();
    }
  }

  struct Symbol {
    int64_t id;
    int prev, next; // -1 at the ends
    bool alive;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    uint8_t byte = static_cast<uint8_t>(word[i]);
    if (byteIds[byte] < 0) {
      static const char kHex[] = "0123456789ABCDEF";
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   std::string("cannot encode byte 0x") + kHex[byte >> 4] +
                       kHex[byte & 15] +
                       ": the vocabulary has no token for it");
    }
    int index = static_cast<int>(i);
    symbols.push_back({byteIds[byte], index - 1,
                       i + 1 < word.size() ? index + 1 : -1, true});
  }

  struct Candidate {
    uint32_t rank;
    int pos;
    int64_t result;
    bool operator>(const Candidate &other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto consider = [&](int left) {
    if (left < 0 || symbols[left].next < 0)
      return;
    auto it = merges.find(pairKey(symbols[left].id,
                                  symbols[symbols[left].next].id));
    if (it != merges.end())
      queue.push({it->second.rank, left, it->second.result});
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i)
    consider(i);

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.pos];
    if (!left.alive || left.next < 0)
      continue;
    // The entry is stale if either side has been merged since it was queued.
    auto it = merges.find(pairKey(left.id, symbols[left.next].id));
    if (it == merges.end() || it->second.rank != top.rank)
      continue;
    Symbol &right = symbols[left.next];
    left.id = top.result;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0)
      symbols[left.next].prev = top.pos;
    consider(left.prev);
    consider(top.pos);
  }
  for (const Symbol &symbol : symbols)
    if (symbol.alive)
      ids.push_back(symbol.id);
  return Status::success();
}

Expected<std::string> BpeTokenizer::decode(const int64_t *ids,
                                           size_t count) const {
  std::string bytes;
  for (size_t i = 0; i < count; ++i) {
    int64_t id = ids[i];
    auto it = tokens.find(id);
    if (it == tokens.end())
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "token id " + std::to_string(id) +
                       " is not in the vocabulary (" +
                       std::to_string(vocabSize()) + " ids)");
    const std::string &spelling = it->second.spelling;
    if (it->second.kind == TokenKind::Added) {
      bytes += spelling;
      continue;
    }
    for (size_t pos = 0; pos < spelling.size();) {
      utf8::CodePoint c = utf8::decode(spelling, pos);
      std::optional<uint8_t> byte =
          c.valid ? bytelevel::charToByte(c.value) : std::nullopt;
      if (byte)
        bytes += static_cast<char>(*byte);
      else
        bytes.append(spelling, pos, c.size);
      pos += c.size;
    }
  }
  return bytes;
}

int64_t BpeTokenizer::tokenId(std::string_view token) const {
  for (const AddedToken &added : addedTokens)
    if (added.content == token)
      return added.id;
  auto it = vocab.find(std::string(token));
  return it == vocab.end() ? -1 : it->second;
}

} // namespace

Expected<std::unique_ptr<Tokenizer>>
createBpeTokenizer(BpeDescription description, const std::string &source) {
  auto tokenizer = std::make_unique<BpeTokenizer>(description);
  ErrorList errors;
  tokenizer->build(description, errors, source);
  if (!errors.empty())
    return errors.take();
  return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

} // namespace attnc::rt
