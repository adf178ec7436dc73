//===- ABI.h - The exported symbols of a compiled model (docs/abi.md) -*- C++ -*-===//
//
// ExposeModelABI builds these entry points from the attributes of
// ModelAttributes.h. The runtime has its own copy of the symbol names and the
// version (it does not link the compiler), kept equal by docs/abi.md and the
// end-to-end tests.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_ABI_H
#define ATTNC_CODEGEN_ABI_H

#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

#include "llvm/ADT/StringRef.h"

namespace attnc {

inline constexpr int kAbiVersion = 1;

inline constexpr llvm::StringLiteral kAbiVersionSymbol = "attnc_model_abi_version";
inline constexpr llvm::StringLiteral kManifestSymbol = "attnc_model_manifest";
inline constexpr llvm::StringLiteral kForwardSymbol = "attnc_model_forward";
inline constexpr llvm::StringLiteral kStepSymbol = "attnc_model_step";

} // namespace attnc

#endif // ATTNC_CODEGEN_ABI_H
