//===- ObjectEmitter.h - LLVM IR to native code -----------------*- C++ -*-===//
#ifndef ATTNC_CODEGEN_OBJECTEMITTER_H
#define ATTNC_CODEGEN_OBJECTEMITTER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace llvm {
class Module;
class TargetMachine;
class raw_pwrite_stream;
} // namespace llvm

namespace attnc {

/// LLVM's code generator without its pre-register-allocation machine
/// scheduler (`attnc` passes this before the user's options, unless they
/// name `enable-misched` themselves). The kernels come out of MLIR in the
/// order their registers allow; in a function with several kinds of tiles
/// (int8 weights: the widened pack's f32 tiles next to the int8 ones) the
/// scheduler hoisted a tile's 8 broadcasts above its 24 FMAs, 35 vectors
/// for 32 registers, and the allocator answered with 32 register copies and
/// 4 spills per k (docs/performance.md, "Zen 5 again (session 23)").
inline constexpr const char *kMachineSchedulerFlag = "--enable-misched=false";

/// Sets the module's triple and data layout and runs LLVM's -O pipeline.
llvm::Error optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                           unsigned optLevel);

enum class NativeFileKind { Assembly, Object };
llvm::Error emitNativeCode(llvm::Module &module, llvm::TargetMachine &machine,
                           NativeFileKind kind, llvm::raw_pwrite_stream &os);

/// Links one object file into a shared library with the system's C compiler
/// driver (clang-19, clang or cc, or $ATTNC_LINKER).
llvm::Error linkSharedLibrary(llvm::StringRef objectPath,
                              llvm::StringRef libraryPath);

} // namespace attnc

#endif // ATTNC_CODEGEN_OBJECTEMITTER_H
