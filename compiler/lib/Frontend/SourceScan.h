//===- SourceScan.h - Scans of the source text for messages ----*- C++ -*-===//
//
// Internal to the parser: small hand-written scans that turn the position of
// a syntax error into a good location and a quoted token. They follow the
// grammar's lexical rules (whitespace, `#` and `//` comments, identifiers).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LIB_FRONTEND_SOURCESCAN_H
#define ATTNC_LIB_FRONTEND_SOURCESCAN_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace attnc::scan {

/// `p` moved forward over whitespace and comments.
const char *skipTrivia(const char *p, const char *end);

/// Where the token before `at` ends: `at` moved back over whitespace and
/// comments, but not before `begin`.
const char *previousTokenEnd(const char *begin, const char *at);

/// The token at `p`, quoted for a message: `'xyz'`, `'}'`, `'\x00'`, or
/// `end of file`.
std::string describeToken(const char *p, const char *end);

/// The identifier starting at `p`, or "" if there is none.
llvm::StringRef identifierAt(const char *p, const char *end);

/// Whether `word` is one of the language's reserved words.
bool isReservedWord(llvm::StringRef word);

} // namespace attnc::scan

#endif // ATTNC_LIB_FRONTEND_SOURCESCAN_H
