//===- Json.cpp - llvm::json::parse with a nesting limit ------------------===//
#include "attnc/Frontend/Json.h"

#include "llvm/Support/Error.h"

llvm::Expected<llvm::json::Value> attnc::parseJson(llvm::StringRef text,
                                                   unsigned maxDepth) {
  // Brackets inside strings do not nest; a malformed text is left to the
  // parser, which reports it with a position.
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "nests deeper than %u levels", maxDepth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return llvm::json::parse(text);
}
