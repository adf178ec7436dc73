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
