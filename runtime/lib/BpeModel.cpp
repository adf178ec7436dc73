//===- BpeModel.cpp - Byte-pair encoding of one word ----------------------===//
//
// Follows Hugging Face's models/bpe: the word becomes one symbol per byte
// (byte-level, GPT-2) or per character (SentencePiece style: a character
// without a token becomes its "<0xNN>" byte tokens with byte_fallback, else
// the unk token, neighbouring unknowns fused with fuse_unk), then pairs are
// merged: always the pair of highest priority, leftmost among equals, until
// no pair of neighbours is a merge.
//
//===----------------------------------------------------------------------===//
#include "TokenModel.h"

#include "ByteLevel.h"
#include "Utf8.h"

#include <queue>

namespace attnc::rt {
namespace {

struct Merge {
  uint32_t rank;
  int64_t result;
};

uint64_t pairKey(int64_t left, int64_t right) {
  return static_cast<uint64_t>(left) << 32 | static_cast<uint32_t>(right);
}

std::string hexByte(uint8_t byte) {
  static const char kHex[] = "0123456789ABCDEF";
  return std::string{kHex[byte >> 4], kHex[byte & 15]};
}

class BpeModel final : public TokenModel {
public:
  BpeModel(const Vocabulary &vocab, const BpeSettings &settings, bool byteLevel)
      : vocab(vocab), byteLevel(byteLevel), ignoreMerges(settings.ignoreMerges),
        byteFallback(settings.byteFallback), fuseUnk(settings.fuseUnk) {}

  void build(const BpeSettings &settings, ErrorList &errors,
             const std::string &source);
  Status encodeWord(std::string_view word,
                    std::vector<int64_t> &ids) const override;

private:
  Status byteSymbols(std::string_view word, std::vector<int64_t> &out) const;
  void charSymbols(std::string_view word, std::vector<int64_t> &out) const;
  void merge(std::vector<int64_t> &symbols) const;

  const Vocabulary &vocab;
  bool byteLevel, ignoreMerges, byteFallback, fuseUnk;
  int64_t unkId = -1;
  std::unordered_map<uint64_t, Merge> merges;
  /// Byte-level: the token of each byte's character. Byte fallback: the
  /// "<0xNN>" tokens. -1 where there is none.
  int64_t byteIds[256];
};

void BpeModel::build(const BpeSettings &settings, ErrorList &errors,
                     const std::string &source) {
  if (!settings.unkToken.empty()) {
    unkId = vocab.find(settings.unkToken);
    if (unkId < 0)
      errors.add(ATTNC_ERROR_FORMAT, source + ": the unk token '" +
                                         truncate(settings.unkToken) +
                                         "' is not in the vocabulary");
  }
  for (size_t rank = 0; rank < settings.merges.size(); ++rank) {
    const std::string &left = settings.merges[rank].first;
    const std::string &right = settings.merges[rank].second;
    auto find = [&](const std::string &spelling) -> int64_t {
      int64_t id = vocab.find(spelling);
      if (id < 0)
        errors.add(ATTNC_ERROR_FORMAT,
                   source + ": merge " + std::to_string(rank) + " ('" +
                       truncate(left) + "' '" + truncate(right) + "'): '" +
                       truncate(spelling) + "' is not in the vocabulary");
      return id;
    };
    int64_t a = find(left), b = find(right), result = find(left + right);
    if (a < 0 || b < 0 || result < 0)
      continue;
    // A repeated merge keeps its first (highest) priority.
    merges.emplace(pairKey(a, b), Merge{static_cast<uint32_t>(rank), result});
  }
  for (unsigned byte = 0; byte < 256; ++byte) {
    std::string spelling;
    if (byteLevel)
      utf8::append(spelling, bytelevel::byteToChar(byte));
    else
      spelling = "<0x" + hexByte(byte) + ">";
    byteIds[byte] = vocab.find(spelling);
  }
}

Status BpeModel::byteSymbols(std::string_view word,
                             std::vector<int64_t> &out) const {
  for (char c : word) {
    uint8_t byte = static_cast<uint8_t>(c);
    if (byteIds[byte] < 0)
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "cannot encode byte 0x" + hexByte(byte) +
                       ": the vocabulary has no token for it");
    out.push_back(byteIds[byte]);
  }
  return Status::success();
}

void BpeModel::charSymbols(std::string_view word,
                           std::vector<int64_t> &out) const {
  bool pendingUnk = false;
  auto flushUnk = [&] {
    if (pendingUnk)
      out.push_back(unkId);
    pendingUnk = false;
  };
  std::string spelling;
  for (size_t pos = 0; pos < word.size();) {
    size_t size = utf8::decode(word, pos).size;
    spelling.assign(word, pos, size);
    pos += size;
    if (int64_t id = vocab.find(spelling); id >= 0) {
      flushUnk();
      out.push_back(id);
      continue;
    }
    if (byteFallback) {
      bool all = true;
      for (char c : spelling)
        all = all && byteIds[static_cast<uint8_t>(c)] >= 0;
      if (all) {
        flushUnk();
        for (char c : spelling)
          out.push_back(byteIds[static_cast<uint8_t>(c)]);
        continue;
      }
    }
    // Without an unk token the character is dropped, as Hugging Face does.
    if (unkId < 0)
      continue;
    if (!fuseUnk)
      flushUnk();
    pendingUnk = true;
  }
  flushUnk();
}

void BpeModel::merge(std::vector<int64_t> &ids) const {
  struct Symbol {
    int64_t id;
    int prev, next; // -1 at the ends
    bool alive;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    int index = static_cast<int>(i);
    symbols.push_back(
        {ids[i], index - 1, i + 1 < ids.size() ? index + 1 : -1, true});
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
    auto it = merges.find(
        pairKey(symbols[left].id, symbols[symbols[left].next].id));
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
  ids.clear();
  for (const Symbol &symbol : symbols)
    if (symbol.alive)
      ids.push_back(symbol.id);
}

Status BpeModel::encodeWord(std::string_view word,
                            std::vector<int64_t> &ids) const {
  if (ignoreMerges) {
    int64_t id =
        vocab.find(byteLevel ? bytelevel::spell(word) : std::string(word));
    if (id >= 0) {
      ids.push_back(id);
      return Status::success();
    }
  }
  std::vector<int64_t> symbols;
  symbols.reserve(word.size());
  if (byteLevel) {
    if (Status s = byteSymbols(word, symbols); !s)
      return s;
  } else {
    charSymbols(word, symbols);
  }
  merge(symbols);
  ids.insert(ids.end(), symbols.begin(), symbols.end());
  return Status::success();
}

} // namespace

std::unique_ptr<TokenModel> createBpeModel(const Vocabulary &vocab,
                                           const BpeSettings &settings,
                                           bool byteLevel, ErrorList &errors,
                                           const std::string &source) {
  auto model = std::make_unique<BpeModel>(vocab, settings, byteLevel);
  model->build(settings, errors, source);
  return model;
}

} // namespace attnc::rt
