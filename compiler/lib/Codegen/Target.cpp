//===- Target.cpp - The CPU a model is compiled for -----------------------===//
#include "attnc/Codegen/Target.h"
#include "attnc/Dialect/Attn/IR/CodegenHints.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <algorithm>

using namespace llvm;

namespace {

constexpr const char *kCheckedFeatures[] = {
#define ATTNC_CPU_FEATURE(name, leaf, subleaf, reg, bit, xcr0) name,
#include "attnc/cpu_features.def"
};

/// The portable x86-64 levels, listed first by --list-targets.
constexpr std::pair<const char *, const char *> kLevels[] = {
    {"x86-64-v2", "SSE4.2, POPCNT (2009 and later)"},
    {"x86-64-v3", "AVX2, FMA, BMI2 (Haswell, Zen 1 and later): 8-wide kernels"},
    {"x86-64-v4",
     "AVX-512 F/BW/CD/DQ/VL (Skylake-X, Zen 4 and later): 16-wide kernels"},
};

Expected<const Target *> lookupX86(const std::string &triple) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "no LLVM target for " + triple + ": " + error);
  return target;
}

bool isKnownFeature(const MCSubtargetInfo &info, StringRef name) {
  return llvm::any_of(info.getAllProcessorFeatures(),
                      [&](const SubtargetFeatureKV &kv) {
                        return name == kv.Key;
                      });
}

} // namespace

Expected<attnc::CompileTarget> attnc::resolveTarget(StringRef cpu,
                                                    StringRef features) {
  CompileTarget result;
  result.triple = sys::getDefaultTargetTriple();
  Expected<const Target *> target = lookupX86(result.triple);
  if (!target)
    return target.takeError();

  SubtargetFeatures all;
  if (cpu.empty() || cpu == "host") {
    result.cpu = sys::getHostCPUName().str();
    for (const auto &feature : sys::getHostCPUFeatures())
      all.AddFeature(feature.first(), feature.second);
  } else {
    result.cpu = cpu.str();
  }
  // An empty feature string gives a probe that lists every feature name.
  std::unique_ptr<MCSubtargetInfo> probe(
      (*target)->createMCSubtargetInfo(result.triple, result.cpu, ""));
  if (!probe || !probe->isCPUStringValid(result.cpu))
    return createStringError(inconvertibleErrorCode(),
                             "--target-cpu: unknown CPU '" + cpu.str() +
                                 "' (attnc compile --list-targets lists the "
                                 "valid names)");
  SmallVector<StringRef> requested;
  features.split(requested, ',', -1, /*KeepEmpty=*/false);
  for (StringRef feature : requested) {
    feature = feature.trim();
    if (feature.size() < 2 || (feature[0] != '+' && feature[0] != '-'))
      return createStringError(
          inconvertibleErrorCode(),
          "--target-features: '" + feature.str() +
              "' must be +NAME or -NAME (e.g. +avx512f,-avx512bf16)");
    if (!isKnownFeature(*probe, feature.drop_front()))
      return createStringError(
          inconvertibleErrorCode(),
          "--target-features: unknown feature '" +
              feature.drop_front().str() +
              "' (LLVM's x86 feature names, as in -mattr; see "
              "`llc-19 -mtriple=x86_64 -mattr=help`)");
    all.AddFeature(feature);
  }
  result.llvmFeatures = all.getString();

  std::unique_ptr<MCSubtargetInfo> info((*target)->createMCSubtargetInfo(
      result.triple, result.cpu, result.llvmFeatures));
  for (const char *name : kCheckedFeatures)
    if (info->checkFeatures(std::string("+") + name))
      result.isaFeatures.push_back(name);
  llvm::sort(result.isaFeatures);
  auto has = [&](StringRef name) {
    return llvm::is_contained(result.isaFeatures, name);
  };
  // AVX-512 without 512-bit preference still has 32 registers of 16 lanes;
  // AVX and AVX2 have 16 of 8; SSE 16 of 4.
  if (has("avx512f"))
    result.vector = {16, 32};
  else if (has("avx"))
    result.vector = {8, 16};
  else
    result.vector = {4, 16};
  return result;
}

void attnc::setModuleTarget(mlir::ModuleOp module,
                            const CompileTarget &target) {
  mlir::Builder b(module.getContext());
  SmallVector<mlir::Attribute> features;
  for (const std::string &name : target.isaFeatures)
    features.push_back(b.getStringAttr(name));
  module->setAttr(
      kTargetAttr,
      b.getDictionaryAttr({
          b.getNamedAttr("cpu", b.getStringAttr(target.cpu)),
          b.getNamedAttr("features", b.getArrayAttr(features)),
          b.getNamedAttr("f32_lanes", b.getI64IntegerAttr(target.vector.lanes)),
          b.getNamedAttr("vector_registers",
                         b.getI64IntegerAttr(target.vector.registers)),
      }));
}

void attnc::configureCodeGenerator(mlir::ModuleOp module) {
  if (!module->hasAttr(kNoMachineSchedulerAttr))
    return;
  cl::Option *scheduler = cl::getRegisteredOptions().lookup("enable-misched");
  if (scheduler && scheduler->getNumOccurrences() == 0)
    scheduler->addOccurrence(/*pos=*/0, "enable-misched", "false");
}

Expected<std::unique_ptr<TargetMachine>>
attnc::createTargetMachine(const CompileTarget &target, unsigned optLevel) {
  Expected<const Target *> llvmTarget = lookupX86(target.triple);
  if (!llvmTarget)
    return llvmTarget.takeError();
  CodeGenOptLevel level = optLevel == 0   ? CodeGenOptLevel::None
                          : optLevel == 1 ? CodeGenOptLevel::Less
                          : optLevel == 2 ? CodeGenOptLevel::Default
                                          : CodeGenOptLevel::Aggressive;
  std::unique_ptr<TargetMachine> machine((*llvmTarget)->createTargetMachine(
      target.triple, target.cpu, target.llvmFeatures, TargetOptions(),
      Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return createStringError(inconvertibleErrorCode(),
                             "could not create a target machine for " +
                                 target.triple + " (" + target.cpu + ")");
  return std::move(machine);
}

void attnc::printTargets(raw_ostream &os) {
  std::string triple = sys::getDefaultTargetTriple();
  os << "Targets for --target-cpu (" << triple << "):\n";
  os << "  host        this machine's CPU (" << sys::getHostCPUName()
     << ") with all its features (the default)\n";
  for (auto [name, what] : kLevels)
    os << "  " << left_justify(name, 11) << " " << what << "\n";
  Expected<const Target *> target = lookupX86(triple);
  if (!target) {
    consumeError(target.takeError());
    return;
  }
  std::unique_ptr<MCSubtargetInfo> info(
      (*target)->createMCSubtargetInfo(triple, "", ""));
  os << "CPU names:\n";
  std::string line = " ";
  for (const SubtargetSubTypeKV &cpu : info->getAllProcessorDescriptions()) {
    if (line.size() + 1 + strlen(cpu.Key) > 78) {
      os << line << "\n";
      line = " ";
    }
    line += " ";
    line += cpu.Key;
  }
  os << line << "\n";
  os << "Checked at load (recorded in the manifest when the target has them):\n";
  line = " ";
  for (const char *name : kCheckedFeatures) {
    if (line.size() + 1 + strlen(name) > 78) {
      os << line << "\n";
      line = " ";
    }
    line += " ";
    line += name;
  }
  os << line << "\n";
}
