//===- ModelAttributes.h - The model function, its attributes -*- C++ -*-===//
//
// The contract between MLIRGen, the graph passes and the C ABI pass: MLIRGen
// marks the model function and its arguments and results with these
// attributes; graph passes (attnc-kv-cache, attnc-fuse-projections, ...) keep
// them up to date and ExposeModelABI reads them to build the manifest and
// entry points. Every pass finds the model and the step function through the
// lookups below and reads the attributes through the typed accessors.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_MODELATTRIBUTES_H
#define ATTNC_DIALECT_ATTN_IR_MODELATTRIBUTES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include "llvm/ADT/StringRef.h"

namespace attnc {

/// On the model function: its name (StringAttr) and its dynamic dimension
/// names in ABI order (ArrayAttr of StringAttr).
inline constexpr llvm::StringLiteral kModelAttr = "attn.model";
inline constexpr llvm::StringLiteral kDimsAttr = "attn.dims";
/// On the model function: the final value of every model constant
/// (DictionaryAttr) and a hash of the description (StringAttr).
inline constexpr llvm::StringLiteral kConstantsAttr = "attn.constants";
inline constexpr llvm::StringLiteral kFingerprintAttr = "attn.fingerprint";
/// On arguments: "input", "param" or "packed"; on arguments and results: the source
/// name and the shape (ArrayAttr of IntegerAttr sizes and StringAttr dims);
/// on parameters: the checkpoint tensor name, or with `else` all, in order.
inline constexpr llvm::StringLiteral kKindAttr = "attn.kind";
inline constexpr llvm::StringLiteral kNameAttr = "attn.name";
inline constexpr llvm::StringLiteral kShapeAttr = "attn.shape";
inline constexpr llvm::StringLiteral kTensorAttr = "attn.tensor";
/// On stacked per-layer parameters: the layer count (the shape's first dim;
/// attn.tensor is a template with `{i}`).
inline constexpr llvm::StringLiteral kLayersAttr = "attn.layers";
/// On optional inputs: the value the runtime fills them with (F64Attr).
inline constexpr llvm::StringLiteral kDefaultAttr = "attn.default";
/// On integer inputs read directly as embedding rows: the number of rows of
/// the smallest such table. A compiled lookup clamps ids into the table; the
/// runtime refuses ids outside [0, bound) instead (manifest "index_bound").
inline constexpr llvm::StringLiteral kIndexBoundAttr = "attn.index_bound";

/// On a parameter packed from others by attnc-fuse-projections (attn.kind =
/// "packed"): the names of its members (ArrayAttr of StringAttr), in order,
/// and the axis of its shape along which they are concatenated (I64Attr).
inline constexpr llvm::StringLiteral kPackOfAttr = "attn.pack_of";
inline constexpr llvm::StringLiteral kPackAxisAttr = "attn.pack_axis";
/// On a linear weight packed into column panels by attnc-pack-weights: the
/// axis of the concatenated members' shape that holds the output features
/// (I64Attr). Its shape is then [layers?, ceil(out / 48), in, 48].
inline constexpr llvm::StringLiteral kPackOutAxisAttr = "attn.pack_out_axis";
/// On the f32 scales of int8 panels (attnc-pack-weights weight-type=int8),
/// which carry attn.pack_out_axis too: the input features per scale
/// (I64Attr, ATTNC_INT8_BLOCK). Its shape is [layers?, ceil(out / 48),
/// ceil(in / block), 48].
inline constexpr llvm::StringLiteral kPackBlockAttr = "attn.pack_block";
/// On bf16 panels with pairs of inputs interleaved (attnc-pack-weights
/// round-activations), which carry attn.pack_out_axis too: a unit attribute.
/// Its shape is [layers?, ceil(out / 48), ceil(in / 2), 48, 2].
inline constexpr llvm::StringLiteral kPackPairsAttr = "attn.pack_pairs";
/// On int8 panels with quads of inputs interleaved (attnc-pack-weights
/// weight-type=int8 round-activations), which carry attn.pack_out_axis too:
/// a unit attribute. Its shape is [layers?, ceil(out / 48), ceil(in / 4), 48,
/// 4]; its scales are those of int8 panels.
inline constexpr llvm::StringLiteral kPackQuadsAttr = "attn.pack_quads";

/// On the incremental-decoding function added by attnc-kv-cache: the name of
/// the model it steps (StringAttr). Its extra arguments are the key/value
/// caches (attn.kind = "kv_cache", with attn.layers when stacked) and the
/// position of the first new token (attn.kind = "position").
inline constexpr llvm::StringLiteral kStepOfAttr = "attn.step_of";

/// On a result of the step function (attnc-step-last-position): a unit
/// attribute saying the result keeps only the last of the new tokens' rows,
/// axis 1 of size 1 where the model function's has the token count.
inline constexpr llvm::StringLiteral kLastPositionAttr = "attn.last_position";

/// The values of attn.kind.
inline constexpr llvm::StringLiteral kInputKind = "input";
inline constexpr llvm::StringLiteral kParamKind = "param";
inline constexpr llvm::StringLiteral kPackedKind = "packed";
inline constexpr llvm::StringLiteral kKVCacheKind = "kv_cache";
inline constexpr llvm::StringLiteral kPositionKind = "position";

/// The model's extra outputs added by attnc-expose-attention-probs are named
/// this prefix and the attention site's index ("attention.0", ...); no .attn
/// output name has a dot, so none can clash.
inline constexpr llvm::StringLiteral kAttentionOutputPrefix = "attention.";

/// The module's model function: the one top-level func.func marked
/// attn.model. Emits an error on the module and fails when there is none or
/// several, or when it is a declaration.
mlir::FailureOr<mlir::func::FuncOp> lookupModelFunction(mlir::ModuleOp module);
/// The same, for passes that leave a module without a model alone: a null
/// function when no function is marked attn.model.
mlir::FailureOr<mlir::func::FuncOp>
lookupOptionalModelFunction(mlir::ModuleOp module);
/// The incremental-decoding function attnc-kv-cache added (marked
/// attn.step_of), or a null function; fails with an error when several are.
mlir::FailureOr<mlir::func::FuncOp> lookupStepFunction(mlir::ModuleOp module);

/// Typed accessors; each returns an empty value when the attribute is absent
/// or of another type.
llvm::StringRef getModelName(mlir::func::FuncOp fn);
mlir::ArrayAttr getModelDims(mlir::func::FuncOp fn);
llvm::StringRef getArgKind(mlir::func::FuncOp fn, unsigned index);
llvm::StringRef getArgName(mlir::func::FuncOp fn, unsigned index);
mlir::ArrayAttr getArgShape(mlir::func::FuncOp fn, unsigned index);
llvm::StringRef getResultName(mlir::func::FuncOp fn, unsigned index);
/// The layer count of a stacked per-layer argument, 0 for others.
int64_t getArgLayers(mlir::func::FuncOp fn, unsigned index);

/// The dialect's checks of the attributes above, run by the verifier after
/// every pass (AttnDialect's verifyOperationAttribute, verifyRegionArgAttribute
/// and verifyRegionResultAttribute): each attribute's type and values, an
/// attn.shape that matches its type and names only the function's attn.dims,
/// packs of parameters with axes in range. Passes rely on these and do not
/// check them again. That every argument and result of the model carries
/// them is the ABI's requirement, checked where the ABI is built
/// (attnc-expose-model-abi): graph passes work on partial contracts.
mlir::LogicalResult verifyFunctionAttribute(mlir::Operation *op,
                                            mlir::NamedAttribute attr);
mlir::LogicalResult verifyArgumentAttribute(mlir::Operation *op,
                                            unsigned index,
                                            mlir::NamedAttribute attr);
mlir::LogicalResult verifyResultAttribute(mlir::Operation *op, unsigned index,
                                          mlir::NamedAttribute attr);

/// Names in locations (NameLoc), read by attnc-profile-regions to label the
/// kernels of the generated code: the loop over the layers of a `repeat`
/// (MLIRGen), and each attn op's own name, which attnc-convert-attn-to-linalg
/// wraps around the location of the ops it lowers to.
inline constexpr llvm::StringLiteral kLayerLoopLocName = "attnc.layer_loop";
inline constexpr llvm::StringLiteral kOpKindLocPrefix = "attn.";

} // namespace attnc

#endif // ATTNC_DIALECT_ATTN_IR_MODELATTRIBUTES_H
