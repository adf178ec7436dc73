//===- ObjectEmitter.cpp - LLVM IR to native code -------------------------===//
#include "attnc/Codegen/ObjectEmitter.h"

#include "mlir/ExecutionEngine/OptUtils.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>

using namespace llvm;

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
  // Parallel loops call libomp (LLVM's OpenMP runtime; GNU libgomp lacks
  // the __kmpc entry points). The rpath lets the library load it wherever
  // it is installed; --as-needed drops it from models without threads.
  std::string ompDir = ATTNC_OPENMP_LIBRARY_DIR;
  std::string searchFlag = "-L" + ompDir, rpathFlag = "-Wl,-rpath," + ompDir;
  SmallVector<StringRef> args{linker,     "-shared",   "-o",
                              libraryPath, objectPath, searchFlag,
                              rpathFlag,  "-Wl,--as-needed", "-lomp",
                              "-lm"};
  std::string message;
  int rc = sys::ExecuteAndWait(linker, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return createStringError(inconvertibleErrorCode(),
                             "linking '" + libraryPath + "' with " + linker +
                                 " failed" +
                                 (message.empty() ? "" : ": " + message));
  return Error::success();
}
