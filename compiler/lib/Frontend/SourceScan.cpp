//===- SourceScan.cpp - Scans of the source text for messages -------------===//

#include "SourceScan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace attnc;

static bool isSpace(char c) {
  return llvm::StringRef(" \t\r\n\f\v").contains(c);
}
static bool isIdentifierChar(char c) { return llvm::isAlnum(c) || c == '_'; }

const char *scan::skipTrivia(const char *p, const char *end) {
  while (p != end) {
    if (isSpace(*p)) {
      ++p;
    } else if (*p == '#' || (*p == '/' && p + 1 != end && p[1] == '/')) {
      while (p != end && *p != '\n')
        ++p;
    } else {
      break;
    }
  }
  return p;
}

const char *scan::previousTokenEnd(const char *begin, const char *at) {
  const char *p = at;
  while (p != begin) {
    while (p != begin && isSpace(p[-1]))
      --p;
    if (p == begin)
      break;
    // Is p[-1] inside a comment? Strings do not span lines, so scanning its
    // line from the start tells.
    const char *line = p - 1;
    while (line != begin && line[-1] != '\n')
      --line;
    const char *comment = nullptr;
    bool inString = false;
    for (const char *q = line; q != p && !comment; ++q) {
      if (*q == '"')
        inString = !inString;
      else if (!inString &&
               (*q == '#' || (*q == '/' && q + 1 != p && q[1] == '/')))
        comment = q;
    }
    if (!comment)
      break;
    p = comment;
  }
  return p;
}

std::string scan::describeToken(const char *p, const char *end) {
  if (p == end)
    return "end of file";
  const char *q = p + 1;
  if (isIdentifierChar(*p))
    while (q != end && isIdentifierChar(*q))
      ++q;
  std::string quoted = "'";
  llvm::raw_string_ostream os(quoted);
  for (const char *c = p; c != q; ++c) {
    if (llvm::isPrint(*c) && *c != '\\' && *c != '\'')
      os << *c;
    else
      os << "\\x" << llvm::hexdigit((unsigned char)*c >> 4, true)
         << llvm::hexdigit(*c & 15, true);
  }
  os << "'";
  return quoted;
}

llvm::StringRef scan::identifierAt(const char *p, const char *end) {
  const char *q = p;
  if (q != end && (llvm::isAlpha(*q) || *q == '_'))
    while (q != end && isIdentifierChar(*q))
      ++q;
  return llvm::StringRef(p, q - p);
}

bool scan::isReservedWord(llvm::StringRef word) {
  // The same words as the grammar's `keyword` rule in Parser.cpp.
  return llvm::is_contained({"model", "const", "require", "dim", "input",
                             "param", "let", "output", "block", "return",
                             "repeat", "layout", "from", "else"},
                            word);
}
