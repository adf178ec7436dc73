//===- Normalizer.cpp - tokenizer.json normalizers ------------------------===//
//
// Unicode normalization forms, general categories and lowercase come from
// utf8proc (Debian's libutf8proc): it is small, and NFD is all BERT needs.
// Lowercasing is utf8proc's simple (one code point to one) mapping; Rust's
// str::to_lowercase, which Hugging Face uses, differs only for final sigma
// and the few code points whose lowercase is two.
//
//===----------------------------------------------------------------------===//
#include "Normalizer.h"

#include "UnicodeTables.h"
#include "Utf8.h"

#include <utf8proc.h>

#include <cstdlib>
#include <functional>

namespace attnc::rt {

namespace unicode {
bool isCjkIdeograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool isPunctuation(char32_t c) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
  case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD:
  case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
  case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
  case UTF8PROC_CATEGORY_PO:
    return true;
  default:
    return false;
  }
}

bool isControl(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r')
    return false;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
  case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF:
  case UTF8PROC_CATEGORY_CS: case UTF8PROC_CATEGORY_CO:
  case UTF8PROC_CATEGORY_CN:
    return true;
  default:
    return false;
  }
}
} // namespace unicode

namespace {

/// `text` with each well-formed code point replaced by `map`'s output.
std::string mapChars(std::string_view text,
                     const std::function<void(char32_t, std::string &)> &map) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    utf8::CodePoint c = utf8::decode(text, pos);
    if (c.valid)
      map(c.value, out);
    else
      out += text[pos];
    pos += c.size;
  }
  return out;
}

Expected<std::string> unicodeForm(std::string_view text, int options) {
  std::string out;
  bool done = utf8::forEachRun(
      text,
      [&](size_t begin, size_t end) {
        utf8proc_uint8_t *mapped = nullptr;
        utf8proc_ssize_t size = utf8proc_map(
            reinterpret_cast<const utf8proc_uint8_t *>(text.data() + begin),
            static_cast<utf8proc_ssize_t>(end - begin), &mapped,
            static_cast<utf8proc_option_t>(options | UTF8PROC_STABLE));
        if (size < 0)
          return false;
        out.append(reinterpret_cast<char *>(mapped), size);
        std::free(mapped);
        return true;
      },
      [&](size_t pos) {
        out += text[pos];
        return true;
      });
  if (!done)
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 "out of memory normalizing a text of " +
                     std::to_string(text.size()) + " bytes");
  return out;
}

std::string lowercase(std::string_view text) {
  return mapChars(text, [](char32_t c, std::string &out) {
    utf8::append(out, static_cast<char32_t>(
                          utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
  });
}

std::string dropNonspacingMarks(std::string_view text) {
  return mapChars(text, [](char32_t c, std::string &out) {
    if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) !=
        UTF8PROC_CATEGORY_MN)
      utf8::append(out, c);
  });
}

std::string strip(std::string_view text, bool left, bool right) {
  size_t begin = 0, end = text.size();
  while (left && begin < end) {
    utf8::CodePoint c = utf8::decode(text, begin);
    if (!c.valid || !unicode::isWhitespace(c.value))
      break;
    begin += c.size;
  }
  while (right && end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80)
      --start;
    utf8::CodePoint c = utf8::decode(text, start);
    if (!c.valid || c.size != end - start || !unicode::isWhitespace(c.value))
      break;
    end = start;
  }
  return std::string(text.substr(begin, end - begin));
}

Expected<std::string> replace(const NormalizerStep &step, std::string text) {
  auto matches = step.pattern->findAll(text);
  if (!matches)
    return matches.error();
  if (matches->empty())
    return text;
  std::string out;
  size_t from = 0;
  for (auto [begin, end] : *matches) {
    out.append(text, from, begin - from);
    out += step.text;
    from = end;
  }
  out.append(text, from);
  return out;
}

Expected<std::string> bert(const NormalizerStep &step, std::string text) {
  if (step.cleanText)
    text = mapChars(text, [](char32_t c, std::string &out) {
      if (c == 0 || c == 0xFFFD || unicode::isControl(c))
        return;
      utf8::append(out, unicode::isWhitespace(c) ? U' ' : c);
    });
  if (step.chineseChars)
    text = mapChars(text, [](char32_t c, std::string &out) {
      bool cjk = unicode::isCjkIdeograph(c);
      if (cjk)
        out += ' ';
      utf8::append(out, c);
      if (cjk)
        out += ' ';
    });
  if (step.stripAccents) {
    Expected<std::string> nfd = unicodeForm(text, UTF8PROC_DECOMPOSE);
    if (!nfd)
      return nfd;
    text = dropNonspacingMarks(*nfd);
  }
  if (step.lowercase)
    text = lowercase(text);
  return text;
}

} // namespace

Expected<std::string> normalize(const std::vector<NormalizerStep> &steps,
                                std::string_view input) {
  std::string text(input);
  for (const NormalizerStep &step : steps) {
    using Kind = NormalizerStep::Kind;
    Expected<std::string> next = std::string();
    switch (step.kind) {
    case Kind::Prepend:
      next = text.empty() ? text : step.text + text;
      break;
    case Kind::Replace:
      next = replace(step, std::move(text));
      break;
    case Kind::Lowercase:
      next = lowercase(text);
      break;
    case Kind::Nfd:
      next = unicodeForm(text, UTF8PROC_DECOMPOSE);
      break;
    case Kind::Nfkd:
      next = unicodeForm(text, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
      break;
    case Kind::Nfc:
      next = unicodeForm(text, UTF8PROC_COMPOSE);
      break;
    case Kind::Nfkc:
      next = unicodeForm(text, UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
      break;
    case Kind::StripAccents:
      next = dropNonspacingMarks(text);
      break;
    case Kind::Strip:
      next = strip(text, step.left, step.right);
      break;
    case Kind::Bert:
      next = bert(step, std::move(text));
      break;
    }
    if (!next)
      return next;
    text = std::move(*next);
  }
  return text;
}

} // namespace attnc::rt
