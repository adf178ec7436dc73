//===- ObjectEmitter.cpp - LLVM IR to native code for the host ------------===//
#include "attnc/Codegen/ObjectEmitter.h"

#include "mlir/ExecutionEngine/OptUtils.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <cstdlib>

using namespace llvm;

Expected<std::unique_ptr<TargetMachine>>
attnc::createHostTargetMachine(unsigned optLevel) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  std::string triple = sys::getDefaultTargetTriple();
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "no LLVM target for " + triple + ": " + error);
  SubtargetFeatures features;
  for (const auto &feature : sys::getHostCPUFeatures())
    features.AddFeature(feature.first(), feature.second);
  CodeGenOptLevel level = optLevel == 0   ? CodeGenOptLevel::None
                          : optLevel == 1 ? CodeGenOptLevel::Less
                          : optLevel == 2 ? CodeGenOptLevel::Default
                                          : CodeGenOptLevel::Aggressive;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, sys::getHostCPUName(), features.getString(), TargetOptions(),
      Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return createStringError(inconvertibleErrorCode(),
                             "could not create a target machine for " + triple);
  return std::move(machine);
}

Error attnc::optimizeModule(Module &module, TargetMachine &machine,
                            unsigned optLevel) {
  // Only the ABI entry points are exported; everything else (the inlined
  // model, MLIR's helpers) is internal, which also lets LLVM optimize it
  // as a whole.
  for (Function &fn : module.functions())
    if (!fn.isDeclaration() && !fn.getName().starts_with("attnc_model_"))
      fn.setLinkage(GlobalValue::InternalLinkage);
  module.setTargetTriple(machine.getTargetTriple().str());
  module.setDataLayout(machine.createDataLayout());
  auto transformer =
      mlir::makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, &machine);
  return transformer(&module);
}

Error attnc::emitNativeCode(Module &module, TargetMachine &machine,
                            NativeFileKind kind, raw_pwrite_stream &os) {
  legacy::PassManager pm;
  CodeGenFileType type = kind == NativeFileKind::Assembly
                             ? CodeGenFileType::AssemblyFile
                             : CodeGenFileType::ObjectFile;
  if (machine.addPassesToEmitFile(pm, os, nullptr, type))
    return createStringError(inconvertibleErrorCode(),
                             "the target cannot emit this kind of file");
  pm.run(module);
  return Error::success();
}

Error attnc::linkSharedLibrary(StringRef objectPath, StringRef libraryPath) {
  SmallVector<std::string> candidates;
  if (const char *env = std::getenv("ATTNC_LINKER"))
    candidates.push_back(env);
  candidates.append({"clang-19", "clang", "cc"});
  std::string linker;
  for (const std::string &name : candidates)
    if (ErrorOr<std::string> path = sys::findProgramByName(name)) {
      linker = *path;
      break;
    }
  if (linker.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no C compiler driver found to link '" +
                                 libraryPath +
                                 "' (tried $ATTNC_LINKER, clang-19, clang, "
                                 "cc); install clang-19 or write an object "
                                 "file with -o file.o");
  SmallVector<StringRef> args{linker,      "-shared", "-o", libraryPath,
                              objectPath,  "-lm"};
  std::string message;
  int rc = sys::ExecuteAndWait(linker, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return createStringError(inconvertibleErrorCode(),
                             "linking '" + libraryPath + "' with " + linker +
                                 " failed" +
                                 (message.empty() ? "" : ": " + message));
  return Error::success();
}
