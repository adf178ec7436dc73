//===- MLIRGen.h - Checked AST to the attn dialect --------------*- C++ -*-===//
#ifndef ATTNC_MLIRGEN_MLIRGEN_H
#define ATTNC_MLIRGEN_MLIRGEN_H

#include "attnc/Frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace attnc {

/// Emits one `func.func @<model>` in the attn dialect, marked and annotated
/// as Codegen/ABI.h describes, every op located at the .attn text it came
/// from. `model` must have passed checkModel. Returns null (after emitting a
/// diagnostic) only if the result fails to verify, which is a compiler bug.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const ast::Model &model,
                                          const llvm::SourceMgr &sourceMgr);

} // namespace attnc

#endif // ATTNC_MLIRGEN_MLIRGEN_H
