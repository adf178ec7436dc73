//===- Sema.h - Name resolution and shape checking --------------*- C++ -*-===//
#ifndef ATTNC_FRONTEND_SEMA_H
#define ATTNC_FRONTEND_SEMA_H

#include "attnc/Frontend/AST.h"
#include "attnc/Frontend/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace attnc {

/// A new value for a model constant: `-D name=value` from the command line,
/// or a key of a config file (attnc/Frontend/Config.h). When several name
/// one constant, the last one wins.
struct ConstOverride {
  std::string name;
  std::string value;
  /// Where it comes from, for messages: empty for -D, else the config
  /// file's path.
  std::string origin = {};
};

/// Resolves names, folds constants (applying overrides), checks
/// requirements, resolves declared types and infers the type of every
/// expression, annotating the tree in place: Expr::scalar / tensorType,
/// ConstDecl::resolved, TypeSpec::resolved, InputDecl::resolvedDefault,
/// IdentExpr::decl, CallExpr::block / builtin, ConditionalExpr::chosen,
/// RepeatExpr::decl / resolvedCount, BlockArgDecl::type, ParamDecl::block /
/// perLayer, BlockDecl::repeatCount / used.
/// Reports every independent error it finds (up to the reporter's limit).
/// Returns success only if no error was reported.
bool checkModel(ast::Model &model, llvm::ArrayRef<ConstOverride> overrides,
                DiagnosticReporter &diag);

} // namespace attnc

#endif // ATTNC_FRONTEND_SEMA_H
