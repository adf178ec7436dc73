//===- ThreadCount.h - The threads a run gets when nobody chose -*- C++ -*-===//
//
// When neither the program (attnc_model_set_num_threads), ATTNC_NUM_THREADS
// nor OMP_NUM_THREADS sets a count, a model runs on one thread per physical
// core the process may use: the CPUs of its affinity mask, two hardware
// threads of one core (SMT siblings, which share its vector units and
// caches) counted once, and no more than a cgroup CPU quota grants (a
// container started with --cpus=4 on a 64-core host gets 4). libomp's own
// default is one thread per logical CPU of the mask, whatever the quota.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_THREADCOUNT_H
#define ATTNC_RUNTIME_LIB_THREADCOUNT_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

/// Where the default thread count is read from; tests point them at fake
/// files.
struct CpuSources {
  std::string procRoot = "/proc";
  std::string cgroupRoot = "/sys/fs/cgroup";
  /// sysfs's CPU directory: cpuN/topology/{core_id,physical_package_id}.
  std::string cpuRoot = "/sys/devices/system/cpu";
  /// The CPUs the process may run on.
  std::vector<int> cpus;

  /// This process's files and affinity mask.
  static CpuSources current();
};

/// One per physical core among `sources.cpus`, at most the CPUs the
/// cgroup quotas of the process's cgroup and its ancestors grant (rounded
/// up), at least 1.
int32_t defaultThreadCount(const CpuSources &sources);

/// The CPUs a cgroup's quota grants, rounded up: v2 cpu.max ("max 100000"
/// is none, "250000 100000" is 3), nullopt for none or malformed text.
std::optional<int64_t> parseCpuMax(std::string_view text);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_THREADCOUNT_H
