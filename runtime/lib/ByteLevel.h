//===- ByteLevel.h - GPT-2's byte <-> printable character map ---*- C++ -*-===//
//
// Byte-level BPE vocabularies spell every byte as a printable code point
// (GPT-2's bytes_to_unicode): the printable Latin-1 bytes ('!'..'~',
// U+00A1..U+00AC, U+00AE..U+00FF) stand for themselves, the other 68 bytes,
// in increasing order, for U+0100, U+0101, ... So a space is 'Ġ' (U+0120).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_BYTELEVEL_H
#define ATTNC_RUNTIME_LIB_BYTELEVEL_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace attnc::rt::bytelevel {

char32_t byteToChar(uint8_t byte);
/// The byte `c` stands for, if it is one of the 256 characters.
std::optional<uint8_t> charToByte(char32_t c);

/// `bytes` spelled with the 256 characters, as UTF-8.
std::string spell(std::string_view bytes);

} // namespace attnc::rt::bytelevel

#endif // ATTNC_RUNTIME_LIB_BYTELEVEL_H
