//===- ObjectEmitter.cpp - LLVM IR to native code -------------------------===//
#include "attnc/Codegen/ObjectEmitter.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
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
  // LLVM's -O pipeline (as MLIR's makeOptimizingTransformer builds it)
  // without its loop unroller. The kernels come out of MLIR already
  // register-tiled: an 8 x 48 tile keeps 24 accumulators, 3 panel vectors
  // and a broadcast in 28 of 32 registers, and unrolling its k loop by two
  // spilled accumulators to the stack (GPT-2's S=128 prefill 16% slower;
  // decode unchanged either way).
  PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  PassBuilder builder(&machine, tuning);
  LoopAnalysisManager loops;
  FunctionAnalysisManager functions;
  CGSCCAnalysisManager sccs;
  ModuleAnalysisManager modules;
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  static const OptimizationLevel kLevels[] = {
      OptimizationLevel::O0, OptimizationLevel::O1, OptimizationLevel::O2,
      OptimizationLevel::O3};
  OptimizationLevel level = kLevels[std::min(optLevel, 3u)];
  ModulePassManager passes = level == OptimizationLevel::O0
                                 ? builder.buildO0DefaultPipeline(level)
                                 : builder.buildPerModuleDefaultPipeline(level);
  passes.run(module, modules);
  return Error::success();
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
  // -z defs: a symbol none of these libraries defines (a compiler-rt
  // routine LLVM called for an operation the target lacks) fails the link
  // here, naming it, instead of every later load of the model.
  std::string ompDir = ATTNC_OPENMP_LIBRARY_DIR;
  std::string searchFlag = "-L" + ompDir, rpathFlag = "-Wl,-rpath," + ompDir;
  SmallVector<StringRef> args{linker,      "-shared",     "-o",
                              libraryPath, objectPath,    searchFlag,
                              rpathFlag,   "-Wl,-z,defs", "-Wl,--as-needed",
                              "-lomp",     "-lm"};
  std::string message;
  int rc = sys::ExecuteAndWait(linker, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return createStringError(inconvertibleErrorCode(),
                             "linking '" + libraryPath + "' with " + linker +
                                 " failed" +
                                 (message.empty() ? "" : ": " + message));
  return Error::success();
}
