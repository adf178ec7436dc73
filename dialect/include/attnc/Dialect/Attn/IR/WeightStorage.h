//===- WeightStorage.h - The element type a weight is kept in ---*- C++ -*-===//
//
// A parameter is stored as f32, or as bf16 or f16 (declared so in the .attn
// source, or set by `attnc compile --weight-type`, attnc-weight-storage). A
// narrower parameter may only be read where an op widens it element by
// element: the weight of attn.linear and the table of attn.embedding (for a
// stacked parameter, through the layer's tensor.extract_slice).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_WEIGHTSTORAGE_H
#define ATTNC_DIALECT_ATTN_IR_WEIGHTSTORAGE_H

#include "attnc/model_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace attnc {

/// Input features sharing one f32 scale in an int8 weight (docs/abi.md).
inline constexpr int64_t kInt8Block = ATTNC_INT8_BLOCK;

/// `attnc compile --weight-type int8`: linear weights are packed at load
/// into int8 panels with block scales (attnc-pack-weights), the parameters
/// themselves stay f32.
inline constexpr llvm::StringLiteral kInt8WeightType = "int8";

/// A unit attribute on the linalg product of an int8 linear in panel_quads
/// (`attnc compile --weight-type int8 --round-activations`): its input is
/// quantized to int8 per block of kInt8Block before the products, which are
/// exact integer dot products per block (docs/abi.md "int8 x int8
/// products"). The body says the rest: the weight times its block scale.
/// Only attnc-lower-contractions implements it, and fails where it cannot.
inline constexpr llvm::StringLiteral kQuantizeLhsAttr = "attnc.quantize_lhs";

/// "f32", "bf16" or "f16" as a type; nullopt for anything else.
std::optional<mlir::FloatType> parseWeightType(mlir::MLIRContext *ctx,
                                               llvm::StringRef name);
/// The names parseWeightType accepts, for messages: "f32, bf16 or f16".
inline constexpr llvm::StringLiteral kWeightTypeNames = "f32, bf16 or f16";
/// What `attnc compile --weight-type` accepts, for messages.
inline constexpr llvm::StringLiteral kCompileWeightTypeNames =
    "f32, bf16, f16 or int8";

/// The first operation reading `param` (directly or through a layer's
/// slice) somewhere a narrower weight may not be read, or null if there is
/// none.
mlir::Operation *firstNonWeightUser(mlir::BlockArgument param);

/// Stores argument `param` of `fn` (and the layer slices of it) in
/// `element`; the function type follows.
void setWeightStorage(mlir::func::FuncOp fn, mlir::BlockArgument param,
                      mlir::FloatType element);

} // namespace attnc

#endif // ATTNC_DIALECT_ATTN_IR_WEIGHTSTORAGE_H
