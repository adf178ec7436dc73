//===- Sema.h - Name resolution and shape checking --------------*- C++ -*-===//
#ifndef ATTNC_FRONTEND_SEMA_H
#define ATTNC_FRONTEND_SEMA_H

#include "attnc/Frontend/AST.h"
#include "attnc/Frontend/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace attnc {

/// `-D name=value` from the command line.
struct ConstOverride {
  std::string name;
  std::string value;
};

/// Resolves names, folds constants (applying overrides), resolves declared
/// types and infers the type of every expression, annotating the tree in
/// place (Expr::scalar / Expr::tensorType, ConstDecl::resolved,
/// TypeSpec::resolved, IdentExpr::decl, ConditionalExpr::chosen).
/// Reports every independent error it finds (up to the reporter's limit).
/// Returns success only if no error was reported.
bool checkModel(ast::Model &model, llvm::ArrayRef<ConstOverride> overrides,
                DiagnosticReporter &diag);

} // namespace attnc

#endif // ATTNC_FRONTEND_SEMA_H
