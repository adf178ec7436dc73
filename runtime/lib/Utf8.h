//===- Utf8.h - Decoding and encoding UTF-8 ---------------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_UTF8_H
#define ATTNC_RUNTIME_LIB_UTF8_H

#include <cstddef>
#include <string>
#include <string_view>

namespace attnc::rt::utf8 {

/// One code point read from a byte string. A byte that does not start a
/// well-formed sequence (overlong forms, surrogates and values above
/// U+10FFFF are not well formed) reads as itself with valid == false, so
/// that every byte string splits into code points and back.
struct CodePoint {
  char32_t value;
  size_t size; // bytes, 1..4
  bool valid;
};

/// The code point at `text[pos]`; `pos` must be below text.size().
CodePoint decode(std::string_view text, size_t pos);

/// Appends the UTF-8 form of `c` (a Unicode scalar value).
void append(std::string &out, char32_t c);

/// Splits `text` at its malformed bytes: calls `onRun(begin, end)` for each
/// maximal well-formed run text[begin, end) and `onMalformed(pos)` for each
/// malformed byte, in text order. A callback returning false stops the walk,
/// and forEachRun then returns false.
template <typename RunFn, typename MalformedFn>
bool forEachRun(std::string_view text, RunFn onRun, MalformedFn onMalformed) {
  size_t runStart = 0;
  for (size_t pos = 0; pos < text.size();) {
    CodePoint c = decode(text, pos);
    if (c.valid) {
      pos += c.size;
      continue;
    }
    if (pos > runStart && !onRun(runStart, pos))
      return false;
    if (!onMalformed(pos))
      return false;
    runStart = ++pos;
  }
  return runStart >= text.size() || onRun(runStart, text.size());
}

} // namespace attnc::rt::utf8

#endif // ATTNC_RUNTIME_LIB_UTF8_H
