//===- Target.h - The CPU a model is compiled for ---------------*- C++ -*-===//
//
// `attnc compile --target-cpu NAME --target-features +a,-b`: the CPU name
// (`host` or any LLVM x86 CPU, including the levels x86-64-v2/v3/v4) and
// feature changes are resolved once, here, into what every later stage
// needs: the LLVM TargetMachine, the `attn.target` module attribute that
// steers the vector shapes of the generated kernels (VectorTarget.h), and
// the features the manifest records for the runtime's check at load.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_TARGET_H
#define ATTNC_CODEGEN_TARGET_H

#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace attnc {

struct CompileTarget {
  std::string triple;
  /// The CPU name LLVM schedules for (`host` resolved to this machine's).
  std::string cpu;
  /// The feature string handed to LLVM (+a,-b,...).
  std::string llvmFeatures;
  /// The checked ISA extensions (runtime/include/attnc/cpu_features.def)
  /// the code may use, sorted: what the manifest records.
  std::vector<std::string> isaFeatures;
  VectorTarget vector;
};

/// Resolves --target-cpu / --target-features. Unknown CPU names and feature
/// names are errors that say where to find the valid ones.
llvm::Expected<CompileTarget> resolveTarget(llvm::StringRef cpu,
                                            llvm::StringRef features);

/// Records `target` on `module` as `attn.target`.
void setModuleTarget(mlir::ModuleOp module, const CompileTarget &target);

/// Sets the process-wide options of LLVM's code generator that `module`
/// asks for (kNoMachineSchedulerAttr: `--enable-misched=false`), each unless
/// the user's command line named that option. `attnc` generates the code of
/// one module per process.
void configureCodeGenerator(mlir::ModuleOp module);

/// A position-independent TargetMachine for `target` at -O`optLevel`.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CompileTarget &target, unsigned optLevel);

/// `--list-targets`: the portable levels, then every CPU name LLVM knows.
void printTargets(llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_CODEGEN_TARGET_H
