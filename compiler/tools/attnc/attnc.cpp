//===- attnc.cpp - The attnc compiler driver ------------------------------===//
//
//   attnc compile model.attn -o model.so         (or model.o)
//   attnc compile model.attn --emit=ast|attn|fused|dot|linalg|llvm-dialect|llvm|asm
//   attnc compile model.attn --fuse=false ...    (no graph rewriting)
//   attnc compile model.attn --weight-type bf16  (matrix weights in bf16)
//   attnc compile model.attn --weight-type bf16 --round-activations
//                                                 (bf16 dot products)
//   attnc compile model.attn --kv-cache-type bf16 (a decoder's cache in bf16)
//   attnc compile model.attn --stats [--stats-seq S] (the model's datasheet)
//   attnc compile dumped.mlir -x mlir -o model.so
//   attnc run model.so --weights w.safetensors --inputs in.safetensors ...
//   attnc bench model.so --dim seq=512 [--decode CONTEXT] [--json]
//   attnc plot-attention attn.safetensors -o attn.svg
//
// `compile` may be omitted. Stages are separated as in MLIR's Toy compiler:
// every --emit stage stops after printing that level of IR.
//
//===----------------------------------------------------------------------===//
#include "BenchCommand.h"
#include "GenerateCommand.h"
#include "HeaderCommand.h"
#include "PlotAttentionCommand.h"
#include "QuantizeCommand.h"
#include "ReportError.h"
#include "RunCommand.h"
#include "Stats.h"

#include "attnc/Analysis/ModelCost.h"
#include "attnc/Codegen/ABI.h"
#include "attnc/Codegen/ObjectEmitter.h"
#include "attnc/Codegen/Target.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"
#include "attnc/Frontend/ASTDumper.h"
#include "attnc/Frontend/Config.h"
#include "attnc/Frontend/Diagnostics.h"
#include "attnc/Frontend/Parser.h"
#include "attnc/Frontend/Sema.h"
#include "attnc/MLIRGen/MLIRGen.h"
#include "attnc/Pipeline/InitAll.h"
#include "attnc/Pipeline/Pipelines.h"
#include "attnc/Plot/DotEmitter.h"
#include "attnc/Support/Progress.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"

#include <cstring>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class InputKind { Attn, MLIR };
enum class Stage {
  AST,
  Attn,
  Fused,
  Dot,
  Linalg,
  LLVMDialect,
  LLVMIR,
  Asm,
  Native
};

cl::OptionCategory compileCategory("attnc compile options");

cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<input file>"),
                                   cl::init("-"), cl::cat(compileCategory));
cl::opt<std::string> outputFilename(
    "o",
    cl::desc("Output file: a shared library (.so), an object file (.o), or "
             "where --emit writes (default: stdout for --emit, else the "
             "input's name with .so)"),
    cl::value_desc("file"), cl::cat(compileCategory));
cl::opt<InputKind> inputKind(
    "x", cl::desc("Kind of input (default: by extension, .mlir is MLIR)"),
    cl::init(InputKind::Attn),
    cl::values(clEnumValN(InputKind::Attn, "attn", "the attn DSL"),
               clEnumValN(InputKind::MLIR, "mlir",
                          "MLIR dumped by an earlier --emit")),
    cl::cat(compileCategory));
cl::opt<Stage> emitStage(
    "emit", cl::desc("Print this stage and stop"), cl::init(Stage::Native),
    cl::values(
        clEnumValN(Stage::AST, "ast", "the checked AST, with locations"),
        clEnumValN(Stage::Attn, "attn", "the attn dialect, as MLIRGen wrote it"),
        clEnumValN(Stage::Fused, "fused",
                   "the attn dialect after graph passes (fusion)"),
        clEnumValN(Stage::Dot, "dot",
                   "the attn graph after graph passes, as Graphviz DOT"),
        clEnumValN(Stage::Linalg, "linalg", "linalg on tensors"),
        clEnumValN(Stage::LLVMDialect, "llvm-dialect", "the LLVM dialect"),
        clEnumValN(Stage::LLVMIR, "llvm", "optimized LLVM IR"),
        clEnumValN(Stage::Asm, "asm", "host assembly")),
    cl::cat(compileCategory));
cl::list<std::string> defines(
    "D", cl::Prefix,
    cl::desc("Override a model constant: -D name=value (repeatable)"),
    cl::value_desc("name=value"), cl::cat(compileCategory));
cl::opt<std::string> configFile(
    "config",
    cl::desc("Override model constants from a Hugging Face config.json: "
             "every top-level key that names a constant (-D wins)"),
    cl::value_desc("file"), cl::cat(compileCategory));
cl::opt<bool> fuse(
    "fuse", cl::init(true),
    cl::desc("Run the graph passes that rewrite the attn graph "
             "(canonicalization, attention fusion); --fuse=false compiles it "
             "as written"),
    cl::cat(compileCategory));
cl::opt<std::string> weightType(
    "weight-type",
    cl::desc("Store every matrix weight (linear layers, embeddings, the "
             "logits projection) as f32, bf16 or f16, whatever the source "
             "declares, or the linear layers' weights (and the logits "
             "projection) as int8 with a scale per 32 inputs; norm weights "
             "and biases stay f32"),
    cl::value_desc("type"), cl::cat(compileCategory));
cl::opt<bool> roundActivations(
    "round-activations",
    cl::desc("With --weight-type bf16: round the input of every linear layer "
             "to bf16 (to nearest even) and multiply in bf16 with f32 sums "
             "(AVX512_BF16's vdpbf16ps where the target has it; the same "
             "numbers without it). With --weight-type int8: quantize it to "
             "int8 per block of 32 inputs and sum each block's products "
             "exactly in integers (vpdpbusd with AVX512_VNNI or AVX-VNNI; "
             "the same numbers without it)"),
    cl::cat(compileCategory));
cl::opt<std::string> kvCacheType(
    "kv-cache-type", cl::init("f32"),
    cl::desc("What a decoder's KV cache holds: f32, or bf16 or f16 (keys and "
             "values rounded to nearest even as they are cached, widened to "
             "f32 as attention reads them): half the cache's memory and of "
             "what each decoding step reads from it"),
    cl::value_desc("type"), cl::cat(compileCategory));
cl::opt<bool> emulateAmx(
    "emulate-amx",
    cl::desc("For tests: compute the AMX kernels (bf16 products on a target "
             "with amx-tile and amx-bf16) with vector code instead of AMX "
             "instructions, so that the model runs on any CPU with the "
             "target's other features"),
    cl::cat(compileCategory));
cl::opt<bool> debugAttention(
    "debug-attention",
    cl::desc("Build the debug variant: every attention's probabilities "
             "[layers, batch, heads, queries, keys] are extra outputs "
             "'attention.<n>' (no incremental-decoding entry)"),
    cl::cat(compileCategory));
// LLVM owns the option name -stats (its pass statistics): main() passes
// `attnc compile --stats` on as --model-stats.
cl::opt<bool> stats(
    "model-stats",
    cl::desc("Print the model's datasheet (parameters, FLOPs per token, "
             "activation memory, KV cache) instead of compiling it"),
    cl::cat(compileCategory));
cl::opt<int64_t> statsSeq(
    "stats-seq", cl::init(1024),
    cl::desc("Sequence length of the --stats figures (every dim but batch)"),
    cl::value_desc("S"), cl::cat(compileCategory));
cl::opt<int64_t> statsBatch("stats-batch", cl::init(1),
                            cl::desc("Batch size of the --stats figures"),
                            cl::value_desc("B"), cl::cat(compileCategory));
cl::opt<std::string> targetCpu(
    "target-cpu", cl::init("host"),
    cl::desc("CPU to compile for: host (this machine, the default), a "
             "portable level x86-64-v2|x86-64-v3 (AVX2)|x86-64-v4 (AVX-512), or "
             "any LLVM x86 CPU name (--list-targets)"),
    cl::value_desc("name"), cl::cat(compileCategory));
cl::opt<std::string> targetFeatures(
    "target-features",
    cl::desc("Add or remove CPU features of the target, LLVM's spelling: "
             "+avx512bf16,-avx512f"),
    cl::value_desc("+a,-b"), cl::cat(compileCategory));
cl::opt<bool> listTargets(
    "list-targets",
    cl::desc("List the values of --target-cpu and the features checked at "
             "load, and exit"),
    cl::cat(compileCategory));
cl::opt<bool> quiet("quiet", cl::desc("Show no progress while compiling"),
                    cl::cat(compileCategory));
cl::opt<unsigned> optLevel("O", cl::Prefix, cl::init(3),
                           cl::desc("LLVM optimization level (0-3)"),
                           cl::cat(compileCategory));

/// The steps of a compilation to native code: the passes run on the module
/// (a nested pipeline counts once), then LLVM's translation, optimization,
/// code generation and link.
struct CompileProgress {
  static constexpr uint64_t kLLVMSteps = 4;
  attnc::ProgressLine line{llvm::errs(),
                           attnc::ProgressLine::wanted(llvm::errs(), quiet),
                           "compiling", attnc::ProgressUnit::Steps};
  uint64_t done = 0, total = kLLVMSteps;

  void step(llvm::StringRef name) {
    line.update(done, total, name);
    ++done;
  }
};
CompileProgress *compileProgress = nullptr;

void progressStep(llvm::StringRef name) {
  if (compileProgress)
    compileProgress->step(name);
}

class ProgressInstrumentation : public PassInstrumentation {
public:
  void runBeforePass(Pass *pass, Operation *op) override {
    if (!op->getParentOp())
      progressStep(pass->getArgument().empty() ? pass->getName()
                                               : pass->getArgument());
  }
};

int fail(const llvm::Twine &message) {
  if (compileProgress)
    compileProgress->line.finish();
  return attnc::reportError(message, "attnc");
}

/// Prints `op` (or writes it to -o) and returns the exit code.
int printStage(Operation *op) {
  std::string errorMessage;
  auto output = openOutputFile(
      outputFilename.empty() ? "-" : outputFilename.getValue(), &errorMessage);
  if (!output)
    return fail(errorMessage);
  op->print(output->os());
  output->os() << "\n";
  output->keep();
  return 0;
}

/// Writes the model graph as DOT (or to -o) and returns the exit code.
int printDot(ModuleOp module) {
  std::string errorMessage;
  auto output = openOutputFile(
      outputFilename.empty() ? "-" : outputFilename.getValue(), &errorMessage);
  if (!output)
    return fail(errorMessage);
  if (failed(attnc::emitGraphDot(module, output->os())))
    return 1;
  output->keep();
  return 0;
}

std::string defaultOutputName() {
  if (inputFilename == "-")
    return "model.so";
  llvm::SmallString<128> name(llvm::sys::path::filename(inputFilename));
  llvm::sys::path::replace_extension(name, "so");
  return std::string(name);
}

/// DSL text -> checked AST -> attn IR in `module`. Front-end errors are
/// printed by the reporter. With --emit=ast, prints the AST and leaves
/// `module` null.
LogicalResult compileDSL(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                         OwningOpRef<ModuleOp> &module) {
  attnc::DiagnosticReporter diag(sourceMgr);
  std::unique_ptr<attnc::ast::Model> model =
      attnc::parseModel(sourceMgr.getMainFileID(), diag);
  if (!model)
    return failure();
  // Config values first: a later override of a name wins, so -D does.
  SmallVector<attnc::ConstOverride> overrides;
  if (!configFile.empty() &&
      !attnc::readConfigOverrides(configFile, *model, diag, overrides))
    return failure();
  for (const std::string &d : defines) {
    auto [name, value] = llvm::StringRef(d).split('=');
    if (name.empty() || !llvm::StringRef(d).contains('=')) {
      diag.error(llvm::SMLoc(), "-D " + d + ": expected -D name=value");
      return failure();
    }
    overrides.push_back({name.str(), value.str()});
  }
  if (!attnc::checkModel(*model, overrides, diag))
    return failure();
  if (emitStage == Stage::AST) {
    std::string errorMessage;
    auto output = openOutputFile(
        outputFilename.empty() ? "-" : outputFilename.getValue(),
        &errorMessage);
    if (!output) {
      fail(errorMessage);
      return failure();
    }
    attnc::dumpAST(*model, sourceMgr, output->os());
    output->keep();
    return success();
  }
  module = attnc::mlirGen(context, *model, sourceMgr);
  return success(static_cast<bool>(module));
}

/// Whether `module` has already been lowered to the LLVM dialect.
bool isLoweredToLLVM(ModuleOp module) {
  return module.getOps<func::FuncOp>().empty();
}

/// --stats: graph passes, then the cost of the attn graph, then the lowering
/// that plans the arena, whose size the manifest then holds.
int printStats(ModuleOp module) {
  if (statsSeq < 1 || statsBatch < 1)
    return fail("--stats-seq and --stats-batch must be at least 1");
  if (isLoweredToLLVM(module))
    return fail("--stats needs a model in the attn dialect, not LLVM");
  PassManager graph(module.getContext());
  if (failed(applyPassManagerCLOptions(graph)))
    return fail("invalid pass manager options");
  attnc::buildGraphPipeline(
      graph, {fuse, debugAttention, weightType, roundActivations, kvCacheType});
  if (failed(graph.run(module)))
    return 1;
  FailureOr<attnc::ModelCost> cost = attnc::analyzeModelCost(module);
  if (failed(cost))
    return 1;
  PassManager lowering(module.getContext());
  if (failed(applyPassManagerCLOptions(lowering)))
    return fail("invalid pass manager options");
  attnc::buildAttnToLinalgPipeline(lowering);
  attnc::buildLinalgToLLVMPipeline(lowering, {emulateAmx});
  if (failed(lowering.run(module)))
    return 1;
  auto global = module.lookupSymbol<LLVM::GlobalOp>(attnc::kManifestGlobal);
  auto text = global ? dyn_cast_or_null<StringAttr>(global.getValueOrNull())
                     : StringAttr();
  if (!text)
    return fail("--stats: the compiled model has no manifest");
  std::string errorMessage;
  auto output = openOutputFile(
      outputFilename.empty() ? "-" : outputFilename.getValue(), &errorMessage);
  if (!output)
    return fail(errorMessage);
  if (!attnc::printModelStats(*cost, text.getValue().rtrim(StringRef("\0", 1)),
                              statsBatch, statsSeq, output->os()))
    return 1;
  output->keep();
  return 0;
}

int emitNative(ModuleOp module, const attnc::CompileTarget &target) {
  llvm::LLVMContext llvmContext;
  progressStep("translate to LLVM IR");
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");
  attnc::configureCodeGenerator(module);
  auto machine = attnc::createTargetMachine(target, optLevel);
  if (!machine)
    return fail(llvm::toString(machine.takeError()));
  progressStep("optimize LLVM IR");
  if (llvm::Error e = attnc::optimizeModule(*llvmModule, **machine, optLevel))
    return fail("LLVM optimization failed: " + llvm::toString(std::move(e)));

  std::string outPath = outputFilename.empty()
                            ? (emitStage == Stage::Native ? defaultOutputName()
                                                          : std::string("-"))
                            : outputFilename.getValue();
  std::string errorMessage;
  if (emitStage == Stage::LLVMIR) {
    auto output = openOutputFile(outPath, &errorMessage);
    if (!output)
      return fail(errorMessage);
    llvmModule->print(output->os(), nullptr);
    output->keep();
    return 0;
  }
  if (emitStage == Stage::Asm) {
    auto output = openOutputFile(outPath, &errorMessage);
    if (!output)
      return fail(errorMessage);
    if (llvm::Error e = attnc::emitNativeCode(
            *llvmModule, **machine, attnc::NativeFileKind::Assembly,
            output->os()))
      return fail(llvm::toString(std::move(e)));
    output->keep();
    return 0;
  }

  bool sharedLibrary = !llvm::StringRef(outPath).ends_with(".o");
  std::string objectPath = outPath;
  if (sharedLibrary) {
    llvm::SmallString<128> temp;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("attnc", "o", temp))
      return fail("cannot create a temporary object file: " + ec.message());
    objectPath = std::string(temp);
  }
  {
    progressStep("generate machine code");
    auto output = openOutputFile(objectPath, &errorMessage);
    if (!output)
      return fail(errorMessage);
    if (llvm::Error e = attnc::emitNativeCode(*llvmModule, **machine,
                                              attnc::NativeFileKind::Object,
                                              output->os()))
      return fail(llvm::toString(std::move(e)));
    output->keep();
  }
  if (!sharedLibrary)
    return 0;
  progressStep("link");
  llvm::Error linked = attnc::linkSharedLibrary(objectPath, outPath);
  llvm::sys::fs::remove(objectPath);
  if (linked)
    return fail(llvm::toString(std::move(linked)));
  return 0;
}

/// The target of `module`: the one it records (an MLIR input compiled
/// earlier), else the command line's, which is then recorded on it.
llvm::Expected<attnc::CompileTarget> targetOf(ModuleOp module) {
  bool fromCommandLine = targetCpu.getNumOccurrences() ||
                         targetFeatures.getNumOccurrences();
  auto requested = attnc::resolveTarget(targetCpu, targetFeatures);
  if (!requested || !module->hasAttr(attnc::kTargetAttr)) {
    if (requested)
      attnc::setModuleTarget(module, *requested);
    return requested;
  }
  attnc::TargetRecord record = attnc::getTargetRecord(module);
  std::string features;
  for (const std::string &name : record.features)
    features += (features.empty() ? "+" : ",+") + name;
  auto recorded = attnc::resolveTarget(record.cpu, features);
  if (recorded && fromCommandLine &&
      (recorded->cpu != requested->cpu ||
       recorded->isaFeatures != requested->isaFeatures))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the input was compiled for '" + record.cpu +
            "' (its attn.target); --target-cpu/--target-features cannot "
            "change that: compile the .attn source for the other target");
  return recorded;
}

int compileMain() {
  if (listTargets) {
    attnc::printTargets(llvm::outs());
    return 0;
  }
  if (optLevel > 3)
    return fail("-O" + llvm::Twine(optLevel.getValue()) +
                ": the optimization level must be 0, 1, 2 or 3");
  // Fail early on an output path we cannot write, before any work, without
  // touching an existing file.
  namespace fs = llvm::sys::fs;
  if (!outputFilename.empty() && fs::is_directory(outputFilename))
    return fail("cannot write output file '" + outputFilename +
                "': it is a directory");
  if (!outputFilename.empty() && outputFilename != "-") {
    llvm::SmallString<128> dir(outputFilename.getValue());
    llvm::sys::path::remove_filename(dir);
    if (dir.empty())
      dir = ".";
    bool writable = fs::exists(outputFilename)
                        ? !fs::access(outputFilename, fs::AccessMode::Write)
                        : fs::is_directory(dir) &&
                              !fs::access(dir, fs::AccessMode::Write);
    if (!writable)
      return fail("cannot write output file '" + outputFilename +
                  "': no such directory or permission denied");
  }

  std::string errorMessage;
  auto file = openInputFile(inputFilename, &errorMessage);
  if (!file)
    return fail(errorMessage);

  DialectRegistry registry;
  attnc::registerAttncDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  bool int8 = weightType == attnc::kInt8WeightType;
  if (weightType.getNumOccurrences() && !int8 &&
      !attnc::parseWeightType(&context, weightType))
    return fail("--weight-type must be " + attnc::kCompileWeightTypeNames +
                ", found '" + weightType + "'");
  if (!attnc::parseWeightType(&context, kvCacheType))
    return fail("--kv-cache-type must be " + attnc::kWeightTypeNames +
                ", found '" + kvCacheType + "'");
  // int8 is how attnc-pack-weights packs the linear weights.
  if (int8 && !fuse)
    return fail("--weight-type int8 needs the graph passes that pack the "
                "weights; drop --fuse=false");
  if (roundActivations && weightType != "bf16" && !int8)
    return fail("--round-activations rounds the inputs of products with bf16 "
                "or int8 weights: it needs --weight-type bf16 or int8, found " +
                (weightType.empty() ? std::string("none")
                                    : "--weight-type " + weightType));
  if (roundActivations && !fuse)
    return fail("--round-activations needs the graph passes that pack the "
                "weights; drop --fuse=false");

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  // An explicit -x wins over the extension.
  bool isMLIR = inputKind.getNumOccurrences()
                    ? inputKind == InputKind::MLIR
                    : llvm::StringRef(inputFilename).ends_with(".mlir");
  OwningOpRef<ModuleOp> module;
  if (isMLIR) {
    if (emitStage == Stage::AST)
      return fail("--emit=ast needs .attn input, not MLIR");
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return 1;
  } else {
    if (failed(compileDSL(context, sourceMgr, module)))
      return 1;
    if (emitStage == Stage::AST)
      return 0;
  }
  llvm::Expected<attnc::CompileTarget> target = targetOf(*module);
  if (!target)
    return fail(llvm::toString(target.takeError()));
  if (stats)
    return printStats(*module);
  if (emitStage == Stage::Attn)
    return printStage(*module);

  // Progress of a compilation to native code (the other stages print).
  std::optional<CompileProgress> progress;
  auto forgetProgress =
      llvm::make_scope_exit([] { compileProgress = nullptr; });
  if (emitStage == Stage::Native) {
    progress.emplace();
    compileProgress = &*progress;
    // A diagnostic starts on a clean line; the handler before this one
    // prints it.
    context.getDiagEngine().registerHandler([](Diagnostic &) {
      if (compileProgress)
        compileProgress->line.finish();
      return failure();
    });
  }
  if (!isLoweredToLLVM(*module)) {
    DefaultTimingManager timing;
    applyDefaultTimingManagerCLOptions(timing);
    TimingScope timingScope = timing.getRootScope();
    PassManager pm(&context);
    pm.enableTiming(timingScope);
    if (failed(applyPassManagerCLOptions(pm)))
      return fail("invalid pass manager options");
    attnc::buildGraphPipeline(
        pm, {fuse, debugAttention, weightType, roundActivations, kvCacheType});
    bool graphOnly = emitStage == Stage::Fused || emitStage == Stage::Dot;
    if (!graphOnly)
      attnc::buildAttnToLinalgPipeline(pm);
    if (!graphOnly && emitStage != Stage::Linalg)
      attnc::buildLinalgToLLVMPipeline(pm, {emulateAmx});
    if (progress) {
      progress->total += pm.size();
      pm.addInstrumentation(std::make_unique<ProgressInstrumentation>());
    }
    if (failed(pm.run(*module)))
      return 1;
    // pm.size() counts a pass that the pipeline skips (none applies) too.
    if (progress)
      progress->done = progress->total - CompileProgress::kLLVMSteps;
  }
  if (emitStage == Stage::Dot)
    return printDot(*module);
  if (emitStage == Stage::Fused || emitStage == Stage::Linalg ||
      emitStage == Stage::LLVMDialect)
    return printStage(*module);
  return emitNative(*module, *target);
}

/// `attnc --help` lists attnc's options and MLIR's for inspecting the IR
/// (README, docs/passes.md); the hundreds of other LLVM and MLIR options
/// (backends of other architectures, Polly, ...) are not listed but still
/// work. The options are libLLVM's and libMLIR's objects, built without
/// RTTI: UBSan's vptr check cannot tell their type, so it is off here (and
/// only LLVM's own functions touch them).
__attribute__((no_sanitize("vptr"))) void hideBackendOptions() {
  static cl::OptionCategory irCategory("Inspecting the IR (MLIR's options)");
  static constexpr StringLiteral kShown[] = {
      "mlir-timing",
      "mlir-timing-display",
      "mlir-pass-statistics",
      "mlir-print-debuginfo",
      "mlir-print-local-scope",
      "mlir-elide-elementsattrs-if-larger",
      "mlir-disable-threading"};
  for (auto &entry : cl::getRegisteredOptions())
    if (entry.getKey().starts_with("mlir-print-ir") ||
        llvm::is_contained(kShown, entry.getKey()))
      entry.getValue()->addCategory(irCategory);
  cl::HideUnrelatedOptions({&compileCategory, &irCategory});
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Before the pass manager's options, whose pass lists
  // (--mlir-print-ir-after=...) are filled from the registry when created.
  attnc::registerAttncPasses();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  hideBackendOptions();

  // `attnc compile ...` and `attnc ...` are the same command.
  SmallVector<char *> args(argv, argv + argc);
  if (args.size() > 1 && std::strcmp(args[1], "compile") == 0)
    args.erase(args.begin() + 1);
  bool isCompile =
      args.size() < 2 || (std::strcmp(args[1], "run") != 0 &&
                          std::strcmp(args[1], "header") != 0 &&
                          std::strcmp(args[1], "bench") != 0 &&
                          std::strcmp(args[1], "generate") != 0 &&
                          std::strcmp(args[1], "quantize") != 0 &&
                          std::strcmp(args[1], "plot-attention") != 0);
  static char modelStats[] = "--model-stats";
  for (char *&arg : args)
    if (isCompile &&
        (std::strcmp(arg, "--stats") == 0 || std::strcmp(arg, "-stats") == 0))
      arg = modelStats;
  if (!cl::ParseCommandLineOptions(
          static_cast<int>(args.size()), args.data(),
          "attnc: an ahead-of-time compiler for attention models\n\n"
          "  attnc [compile] model.attn -o model.so [--emit=STAGE] "
          "[--config config.json] [-D name=value]...\n"
          "  attnc run model.so --weights w.safetensors --inputs "
          "in.safetensors [--outputs out.safetensors]\n"
          "  attnc header model.so -o model.h [--class NAME]\n"
          "  attnc bench model.so --dim seq=512 [--weights DIR] [--threads N] "
          "[--decode CONTEXT] [--json]\n"
          "  attnc quantize model.so w.safetensors -o int8.safetensors\n"
          "  attnc plot-attention attn.safetensors -o attn.svg|attn.png "
          "[--layer L] [--head H|--average]\n"))
    return 1;
  if (attnc::runSubCommand)
    return attnc::runCommandMain();
  if (attnc::headerSubCommand)
    return attnc::headerCommandMain();
  if (attnc::generateSubCommand)
    return attnc::generateCommandMain();
  if (attnc::benchSubCommand)
    return attnc::benchCommandMain();
  if (attnc::plotAttentionSubCommand)
    return attnc::plotAttentionCommandMain();
  if (attnc::quantizeSubCommand)
    return attnc::quantizeCommandMain();
  return compileMain();
}
