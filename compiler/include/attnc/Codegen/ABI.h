//===- ABI.h - The exported symbols of a compiled model (docs/abi.md) -*- C++ -*-===//
//
// ExposeModelABI builds these entry points from the attributes of
// ModelAttributes.h. The version and the symbol names are the runtime's own
// (attnc/model_abi.h, a C header the compiler reads too).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_ABI_H
#define ATTNC_CODEGEN_ABI_H

#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/model_abi.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringRef.h"

namespace attnc {

inline constexpr int kAbiVersion = ATTNC_MODEL_ABI_VERSION;

inline constexpr llvm::StringLiteral kAbiVersionSymbol =
    ATTNC_MODEL_ABI_VERSION_SYMBOL;
inline constexpr llvm::StringLiteral kManifestSymbol =
    ATTNC_MODEL_MANIFEST_SYMBOL;
inline constexpr llvm::StringLiteral kForwardSymbol =
    ATTNC_MODEL_FORWARD_SYMBOL;
inline constexpr llvm::StringLiteral kStepSymbol = ATTNC_MODEL_STEP_SYMBOL;

/// The global holding the manifest: structured until attnc-write-manifest
/// writes its text (Manifest.h).
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

/// On the entry functions: the index in `buffers` of the arena pointer.
inline constexpr llvm::StringLiteral kArenaSlotAttr = "attnc.arena_slot";
/// Alignment of the arena and of every buffer in it.
inline constexpr int64_t kArenaAlignment = 64;

} // namespace attnc

#endif // ATTNC_CODEGEN_ABI_H
