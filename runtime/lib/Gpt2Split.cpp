//===- Gpt2Split.cpp - GPT-2's pre-tokenization, by hand ------------------===//
//
// A regex engine is not used because none available to C++ here matches
// Python's `regex` module on Unicode classes and lookahead; the pattern is
// simple enough that its leftmost-first alternation can be followed by hand.
//
//===----------------------------------------------------------------------===//
#include "Gpt2Split.h"

#include "UnicodeTables.h"
#include "Utf8.h"

namespace attnc::rt {
namespace {

enum class Class { Letter, Number, Space, Other };

struct Char {
  char32_t value;
  size_t offset; // in bytes
  Class kind;
};

Class classify(const utf8::CodePoint &c) {
  if (!c.valid)
    return Class::Other;
  if (unicode::isLetter(c.value))
    return Class::Letter;
  if (unicode::isNumber(c.value))
    return Class::Number;
  if (unicode::isWhitespace(c.value))
    return Class::Space;
  return Class::Other;
}

std::vector<Char> decodeAll(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    utf8::CodePoint c = utf8::decode(text, pos);
    chars.push_back({c.value, pos, classify(c)});
    pos += c.size;
  }
  return chars;
}

/// The length in characters of the contraction at chars[i] ('s, 't, 're,
/// 've, 'm, 'll, 'd; lowercase only, as in GPT-2's pattern), or 0.
size_t contractionLength(const std::vector<Char> &chars, size_t i) {
  if (chars[i].value != U'\'' || i + 1 >= chars.size())
    return 0;
  char32_t a = chars[i + 1].value;
  if (a == U's' || a == U't' || a == U'm' || a == U'd')
    return 2;
  if (i + 2 >= chars.size())
    return 0;
  char32_t b = chars[i + 2].value;
  if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') ||
      (a == U'l' && b == U'l'))
    return 3;
  return 0;
}

/// The end of the run of characters of class `kind` that starts at `i`.
size_t runEnd(const std::vector<Char> &chars, size_t i, Class kind) {
  while (i < chars.size() && chars[i].kind == kind)
    ++i;
  return i;
}

/// The end (exclusive, in characters) of the piece that starts at `i`.
size_t pieceEnd(const std::vector<Char> &chars, size_t i) {
  if (size_t length = contractionLength(chars, i))
    return i + length;
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: only U+0020 may lead.
  size_t start = chars[i].value == U' ' ? i + 1 : i;
  if (start < chars.size() && chars[start].kind != Class::Space)
    return runEnd(chars, start, chars[start].kind);
  // `\s+(?!\S)` backs off one character when non-space follows the run,
  // which leaves nothing for a run of one: then `\s+` takes it.
  size_t end = runEnd(chars, i, Class::Space);
  if (end == chars.size() || end - i == 1)
    return end;
  return end - 1;
}

} // namespace

std::vector<std::string_view> splitGpt2(std::string_view text) {
  std::vector<Char> chars = decodeAll(text);
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < chars.size();) {
    size_t end = pieceEnd(chars, i);
    size_t from = chars[i].offset;
    size_t to = end < chars.size() ? chars[end].offset : text.size();
    pieces.push_back(text.substr(from, to - from));
    i = end;
  }
  return pieces;
}

} // namespace attnc::rt
