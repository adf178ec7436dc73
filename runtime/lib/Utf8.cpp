//===- Utf8.cpp - Decoding and encoding UTF-8 -----------------------------===//
#include "Utf8.h"

#include <cstdint>

namespace attnc::rt::utf8 {

CodePoint decode(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  uint8_t lead = byte(pos);
  CodePoint invalid{lead, 1, false};
  if (lead < 0x80)
    return {lead, 1, true};
  size_t size;
  char32_t value, min;
  if ((lead & 0xE0) == 0xC0) {
    size = 2, value = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    size = 3, value = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    size = 4, value = lead & 0x07, min = 0x10000;
  } else {
    return invalid;
  }
  if (text.size() - pos < size)
    return invalid;
  for (size_t i = 1; i < size; ++i) {
    uint8_t next = byte(pos + i);
    if ((next & 0xC0) != 0x80)
      return invalid;
    value = value << 6 | (next & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return invalid;
  return {value, size, true};
}

void append(std::string &out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

} // namespace attnc::rt::utf8
