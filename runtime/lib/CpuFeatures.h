//===- CpuFeatures.h - What this CPU can run --------------------*- C++ -*-===//
//
// The runtime's side of the target contract: a model's manifest lists the
// ISA extensions its code uses (attnc/cpu_features.def); Model::open refuses
// one that needs an extension this CPU (or its OS) does not provide, instead
// of dying on an illegal instruction later.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_CPUFEATURES_H
#define ATTNC_RUNTIME_LIB_CPUFEATURES_H

#include <optional>
#include <string>
#include <vector>

namespace attnc::rt {

/// The features of cpu_features.def this CPU has and the OS enables, read
/// with CPUID and XGETBV once.
const std::vector<std::string> &hostCpuFeatures();

/// Whether the runtime knows how to check `feature` (a cpu_features.def row).
bool isCheckedCpuFeature(const std::string &feature);

/// The entries of `required` that `available` lacks, in `required`'s order.
std::vector<std::string>
missingCpuFeatures(const std::vector<std::string> &required,
                   const std::vector<std::string> &available);

/// Asks the OS for the AMX tile data state for this process (Linux:
/// arch_prctl ARCH_REQ_XCOMP_PERM, once per process, for all its threads).
/// Linux enables AMX's XCR0 bits but faults a process's first tile
/// instruction unless the process asked first. The reason on failure.
std::optional<std::string> requestAmxTileData();

/// The most capable portable level (x86-64-v4, -v3, -v2) whose features
/// `available` has, for the "recompile with --target-cpu" advice.
std::optional<std::string>
bestPortableLevel(const std::vector<std::string> &available);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_CPUFEATURES_H
