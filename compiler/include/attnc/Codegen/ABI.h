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

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

namespace attnc {

inline constexpr int kAbiVersion = 1;

inline constexpr llvm::StringLiteral kAbiVersionSymbol = "attnc_model_abi_version";
inline constexpr llvm::StringLiteral kManifestSymbol = "attnc_model_manifest";
inline constexpr llvm::StringLiteral kForwardSymbol = "attnc_model_forward";
inline constexpr llvm::StringLiteral kStepSymbol = "attnc_model_step";

/// The global holding the manifest's text; attnc-plan-memory adds its
/// "arena" member there.
inline constexpr llvm::StringLiteral kManifestGlobal = "__attnc_manifest";
/// The model's profile hook (docs/performance.md): a pointer-sized global,
/// null unless the runtime is profiling, that the code calls around each
/// kernel as `void hook(int32_t event, int32_t region, int32_t layer)`.
inline constexpr llvm::StringLiteral kProfileHookSymbol = "attnc_model_profile_hook";
/// The hook's events; `region` indexes the manifest's "profile" table and
/// `layer` is the layer loop's index (-1 outside it).
enum class ProfileEvent : int32_t {
  RegionBegin = 0, RegionEnd = 1, ThreadBegin = 2, ThreadEnd = 3
};

/// Sets member `key` of the manifest global (attnc-expose-model-abi wrote
/// it) to `value`; `pass` names the caller in the error.
mlir::LogicalResult setManifestMember(mlir::ModuleOp module, llvm::StringRef key,
                                      llvm::json::Value value,
                                      llvm::StringRef pass);

/// On the entry functions: the index in `buffers` of the arena pointer.
inline constexpr llvm::StringLiteral kArenaSlotAttr = "attnc.arena_slot";
/// Alignment of the arena and of every buffer in it.
inline constexpr int64_t kArenaAlignment = 64;

} // namespace attnc

#endif // ATTNC_CODEGEN_ABI_H
