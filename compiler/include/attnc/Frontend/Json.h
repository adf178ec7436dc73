//===- Json.h - llvm::json::parse with a nesting limit ----------*- C++ -*-===//
//
// llvm::json::parse recurses once per nested array or object, so a hostile
// file of 100000 '[' overflows the stack. Every JSON text attnc reads from a
// file (config.json, metadata of an attention dump) goes through here.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_JSON_H
#define ATTNC_FRONTEND_JSON_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

namespace attnc {

/// Deeper than any configuration or metadata attnc reads.
inline constexpr unsigned kMaxJsonDepth = 64;

/// llvm::json::parse, refusing first ("nests deeper than 64 levels") a text
/// whose arrays and objects nest deeper than `maxDepth`.
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text,
                                            unsigned maxDepth = kMaxJsonDepth);

} // namespace attnc

#endif // ATTNC_FRONTEND_JSON_H
