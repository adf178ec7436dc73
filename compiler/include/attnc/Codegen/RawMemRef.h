//===- RawMemRef.h - A memref over a raw pointer ----------------*- C++ -*-===//
#ifndef ATTNC_CODEGEN_RAWMEMREF_H
#define ATTNC_CODEGEN_RAWMEMREF_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace attnc {

/// A memref of identity layout over the raw pointer `ptr` (an !llvm.ptr),
/// with row-major strides and `sizes` (one i64 value per dimension): an LLVM
/// memref descriptor cast to the memref type, since no memref op adopts a
/// raw pointer.
mlir::Value memrefFromPointer(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value ptr, mlir::MemRefType type,
                              llvm::ArrayRef<mlir::Value> sizes);

} // namespace attnc

#endif // ATTNC_CODEGEN_RAWMEMREF_H
