//===- Passes.h - Code generation passes ------------------------*- C++ -*-===//
#ifndef ATTNC_CODEGEN_PASSES_H
#define ATTNC_CODEGEN_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace attnc {

/// A discardable attribute on a constant used by a kernel whose value differs
/// between copies of the same kernel (the profile region id): when
/// attnc-share-kernels makes the copies one function, it passes such a
/// constant as an argument instead of cloning it into the function.
inline constexpr llvm::StringLiteral kPerCallConstantAttr = "attnc.per_call";

#define GEN_PASS_DECL
#include "attnc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attnc/Codegen/Passes.h.inc"

} // namespace attnc

#endif // ATTNC_CODEGEN_PASSES_H
