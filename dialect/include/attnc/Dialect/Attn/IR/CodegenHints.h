//===- CodegenHints.h - What a lowering asks of later stages ---*- C++ -*-===//
//
// Discardable attributes by which a pass that knows why asks a later stage
// for something: the attn dialect checks where they stand and what they hold
// (AttnDialect::verifyOperationAttribute).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_CODEGENHINTS_H
#define ATTNC_DIALECT_ATTN_IR_CODEGENHINTS_H

#include "mlir/IR/Operation.h"

#include "llvm/ADT/StringRef.h"

namespace attnc {

/// On the module (unit): generate its machine code without LLVM's
/// pre-register-allocation machine scheduler. attnc-lower-contractions sets
/// it where it emits int8 weights widened for an f32 input: in such a
/// function, next to the int8 tiles, the scheduler hoisted the widened f32
/// tile's 8 broadcasts above its 24 FMAs (35 vectors for 32 registers) and
/// the allocator answered with 32 register copies and 4 spills per k
/// (docs/performance.md, "Zen 5 again (session 23)"). Other modules keep the
/// scheduler: causal attention is 3-4% faster with it. The driver applies it
/// (attnc::configureCodeGenerator).
inline constexpr llvm::StringLiteral kNoMachineSchedulerAttr =
    "attn.no_machine_scheduler";

/// On an scf.for (a positive integer N): the loop streams memory that the
/// hardware prefetchers do not fetch early enough; attnc-prefetch-ahead
/// makes each iteration prefetch the cache lines its first stream (the
/// memref the body reads first) reads at iteration i + N.
inline constexpr llvm::StringLiteral kPrefetchAheadAttr = "attn.prefetch_ahead";

/// The dialect's check of the attributes above on `op`; failure() with an
/// error for a misplaced or malformed one, std::nullopt for other names.
std::optional<mlir::LogicalResult> verifyCodegenHint(mlir::Operation *op,
                                                     mlir::NamedAttribute attr);

} // namespace attnc

#endif // ATTNC_DIALECT_ATTN_IR_CODEGENHINTS_H
