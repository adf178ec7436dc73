//===- UnicodeTables.h - Code point classes for GPT-2 splitting -*- C++ -*-===//
//
// The classes of GPT-2's pre-tokenization pattern, exactly as Python's
// `regex` module defines them (see tools/gen-unicode-tables.py).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_UNICODETABLES_H
#define ATTNC_RUNTIME_LIB_UNICODETABLES_H

namespace attnc::rt::unicode {

/// \p{L}: general categories Lu, Ll, Lt, Lm, Lo.
bool isLetter(char32_t c);
/// \p{N}: general categories Nd, Nl, No.
bool isNumber(char32_t c);
/// \s: the White_Space property.
bool isWhitespace(char32_t c);

} // namespace attnc::rt::unicode

#endif // ATTNC_RUNTIME_LIB_UNICODETABLES_H
