//===- ASTDumper.h - Print the AST with source locations --------*- C++ -*-===//
#ifndef ATTNC_FRONTEND_ASTDUMPER_H
#define ATTNC_FRONTEND_ASTDUMPER_H

#include "attnc/Frontend/AST.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace attnc {

/// Prints one node per line, indented by nesting, each with `@line:col`, and
/// the Sema-inferred type when present (`: f32[batch, seq, 64]`, `= 8`).
void dumpAST(const ast::Model &model, const llvm::SourceMgr &sourceMgr,
             llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_FRONTEND_ASTDUMPER_H
