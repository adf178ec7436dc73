//===- Parser.h - Spirit X3 parser of the attn DSL --------------*- C++ -*-===//
#ifndef ATTNC_FRONTEND_PARSER_H
#define ATTNC_FRONTEND_PARSER_H

#include "attnc/Frontend/AST.h"
#include "attnc/Frontend/Diagnostics.h"

#include <memory>

namespace attnc {

/// Parses the whole buffer `bufferId` of the reporter's SourceMgr. On a syntax
/// error, reports it (located, with a caret) and returns null. Never throws:
/// X3 expectation failures are turned into diagnostics inside.
std::unique_ptr<ast::Model> parseModel(unsigned bufferId,
                                       DiagnosticReporter &diag);

} // namespace attnc

#endif // ATTNC_FRONTEND_PARSER_H
