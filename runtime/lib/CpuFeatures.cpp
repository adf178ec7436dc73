//===- CpuFeatures.cpp - What this CPU can run ----------------------------===//
#include "CpuFeatures.h"

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <cerrno>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace attnc::rt {

namespace {

struct FeatureRow {
  const char *name;
  unsigned leaf, subleaf, reg, bit, xcr0;
};

constexpr FeatureRow kFeatures[] = {
#define ATTNC_CPU_FEATURE(name, leaf, subleaf, reg, bit, xcr0)                \
  {name, leaf, subleaf, reg, bit, xcr0},
#include "attnc/cpu_features.def"
};

/// What LLVM's x86-64-vN CPU names add, level by level (each includes the
/// ones before it).
const std::pair<const char *, std::vector<std::string>> kLevels[] = {
    {"x86-64-v2", {"popcnt", "sse3", "sse4.1", "sse4.2", "ssse3"}},
    {"x86-64-v3",
     {"avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe"}},
    {"x86-64-v4",
     {"avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512vl"}},
};

std::vector<std::string> detect() {
  std::vector<std::string> found;
#if defined(__x86_64__) || defined(__i386__)
  unsigned maxLeaf = __get_cpuid_max(0, nullptr);
  unsigned maxExtended = __get_cpuid_max(0x80000000u, nullptr);
  unsigned a, b, c, d;
  // The register state the OS saves on context switches: without it, AVX
  // and AVX-512 instructions fault even where CPUID lists them.
  uint64_t xcr0 = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27))) { // OSXSAVE
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<uint64_t>(hi) << 32) | lo;
  }
  for (const FeatureRow &row : kFeatures) {
    bool extended = row.leaf >= 0x80000000u;
    if (row.leaf > (extended ? maxExtended : maxLeaf))
      continue;
    unsigned regs[4] = {0, 0, 0, 0};
    __cpuid_count(row.leaf, row.subleaf, regs[0], regs[1], regs[2], regs[3]);
    if ((regs[row.reg] >> row.bit & 1u) && (xcr0 & row.xcr0) == row.xcr0)
      found.push_back(row.name);
  }
#endif
  return found;
}

bool hasAll(const std::vector<std::string> &available,
            const std::vector<std::string> &wanted) {
  return missingCpuFeatures(wanted, available).empty();
}

} // namespace

const std::vector<std::string> &hostCpuFeatures() {
  static const std::vector<std::string> features = detect();
  return features;
}

bool isCheckedCpuFeature(const std::string &feature) {
  return std::any_of(std::begin(kFeatures), std::end(kFeatures),
                     [&](const FeatureRow &row) { return feature == row.name; });
}

std::vector<std::string>
missingCpuFeatures(const std::vector<std::string> &required,
                   const std::vector<std::string> &available) {
  std::vector<std::string> missing;
  for (const std::string &feature : required)
    if (std::find(available.begin(), available.end(), feature) ==
        available.end())
      missing.push_back(feature);
  return missing;
}

std::optional<std::string> requestAmxTileData() {
#if defined(__linux__) && defined(__x86_64__)
  // <asm/prctl.h> and the kernel's xstate numbering (Linux 5.16 and later).
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureTileData = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureTileData) != 0)
    return std::string("arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA): ") +
           std::strerror(errno);
#endif
  return std::nullopt;
}

std::optional<std::string>
bestPortableLevel(const std::vector<std::string> &available) {
  std::optional<std::string> best;
  for (const auto &[name, adds] : kLevels) {
    if (!hasAll(available, adds))
      break;
    best = name;
  }
  return best;
}

} // namespace attnc::rt
