//===- ABI.h - Names shared by MLIRGen, the ABI pass and docs/abi.md -*- C++ -*-===//
//
// MLIRGen marks the model function and its arguments and results with these
// discardable attributes; ExposeModelABI reads them to build the manifest and
// the C entry points. The runtime has its own copy of the symbol names and the
// version (it does not link the compiler), kept equal by docs/abi.md and the
// end-to-end tests.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_ABI_H
#define ATTNC_CODEGEN_ABI_H

#include "llvm/ADT/StringRef.h"

namespace attnc {

inline constexpr int kAbiVersion = 1;

inline constexpr llvm::StringLiteral kAbiVersionSymbol = "attnc_model_abi_version";
inline constexpr llvm::StringLiteral kManifestSymbol = "attnc_model_manifest";
inline constexpr llvm::StringLiteral kForwardSymbol = "attnc_model_forward";

/// On the model function: its name (StringAttr) and its dynamic dimension
/// names in ABI order (ArrayAttr of StringAttr).
inline constexpr llvm::StringLiteral kModelAttr = "attn.model";
inline constexpr llvm::StringLiteral kDimsAttr = "attn.dims";
/// On the model function: the final value of every model constant
/// (DictionaryAttr) and a hash of the description (StringAttr).
inline constexpr llvm::StringLiteral kConstantsAttr = "attn.constants";
inline constexpr llvm::StringLiteral kFingerprintAttr = "attn.fingerprint";
/// On arguments: "input" or "param"; on arguments and results: the source
/// name and the shape (ArrayAttr of IntegerAttr sizes and StringAttr dims);
/// on parameters: the checkpoint tensor name.
inline constexpr llvm::StringLiteral kKindAttr = "attn.kind";
inline constexpr llvm::StringLiteral kNameAttr = "attn.name";
inline constexpr llvm::StringLiteral kShapeAttr = "attn.shape";
inline constexpr llvm::StringLiteral kTensorAttr = "attn.tensor";
/// On stacked per-layer parameters: the layer count (the shape's first dim;
/// attn.tensor is a template with `{i}`).
inline constexpr llvm::StringLiteral kLayersAttr = "attn.layers";
/// On optional inputs: the value the runtime fills them with (F64Attr).
inline constexpr llvm::StringLiteral kDefaultAttr = "attn.default";

} // namespace attnc

#endif // ATTNC_CODEGEN_ABI_H
