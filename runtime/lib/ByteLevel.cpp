//===- ByteLevel.cpp - GPT-2's byte <-> printable character map -----------===//
#include "ByteLevel.h"

#include "Utf8.h"

#include <array>

namespace attnc::rt::bytelevel {
namespace {

bool standsForItself(unsigned byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

const std::array<char32_t, 256> &table() {
  static const std::array<char32_t, 256> chars = [] {
    std::array<char32_t, 256> result{};
    char32_t next = 0x100;
    for (unsigned byte = 0; byte < 256; ++byte)
      result[byte] = standsForItself(byte) ? byte : next++;
    return result;
  }();
  return chars;
}

} // namespace

char32_t byteToChar(uint8_t byte) { return table()[byte]; }

std::optional<uint8_t> charToByte(char32_t c) {
  // Every character of the map is below U+0144.
  static const std::array<int16_t, 0x144> bytes = [] {
    std::array<int16_t, 0x144> result;
    result.fill(-1);
    for (unsigned byte = 0; byte < 256; ++byte)
      result[byteToChar(byte)] = static_cast<int16_t>(byte);
    return result;
  }();
  if (c >= bytes.size() || bytes[c] < 0)
    return std::nullopt;
  return static_cast<uint8_t>(bytes[c]);
}

std::string spell(std::string_view bytes) {
  std::string result;
  result.reserve(bytes.size() * 2);
  for (char byte : bytes)
    utf8::append(result, byteToChar(static_cast<uint8_t>(byte)));
  return result;
}

} // namespace attnc::rt::bytelevel
