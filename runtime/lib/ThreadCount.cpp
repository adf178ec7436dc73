//===- ThreadCount.cpp - The threads a run gets when nobody chose ---------===//
#include "ThreadCount.h"
#include "MemoryBudget.h"
#include "Support.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <thread>
#include <utility>

#include <sched.h>

namespace attnc::rt {
namespace {

/// CPUs granted by `quota` microseconds per `period`, rounded up; nullopt
/// when either is missing (v1's -1, "no quota", does not parse) or zero.
std::optional<int64_t> grantedCpus(std::optional<uint64_t> quota,
                                   std::optional<uint64_t> period) {
  if (!quota || !period || !*quota || !*period)
    return std::nullopt;
  uint64_t cpus = *quota / *period + (*quota % *period != 0);
  return static_cast<int64_t>(std::min<uint64_t>(cpus, INT32_MAX));
}

/// The smallest quota of the cgroup at `path` under `root` and of its
/// ancestors, read by `quotaOf(dir)`.
template <typename QuotaOf>
std::optional<int64_t> smallestQuota(const std::string &root, std::string path,
                                     QuotaOf quotaOf) {
  std::optional<int64_t> best;
  forEachCgroupLevel(root, std::move(path), [&](const std::string &dir) {
    if (std::optional<int64_t> cpus = quotaOf(dir))
      best = best ? std::min(*best, *cpus) : *cpus;
  });
  return best;
}

/// The CPUs the process's cgroups grant, if any grants fewer than all.
std::optional<int64_t> cgroupCpus(const CpuSources &sources) {
  std::optional<std::string> cgroups =
      readTextFile(sources.procRoot + "/self/cgroup");
  if (!cgroups)
    return std::nullopt;
  std::optional<int64_t> best;
  auto keep = [&](std::optional<int64_t> cpus) {
    if (cpus)
      best = best ? std::min(*best, *cpus) : *cpus;
  };
  if (auto path = parseCgroupPath(*cgroups, /*v2=*/true))
    keep(smallestQuota(sources.cgroupRoot, *path, [](const std::string &dir) {
      std::optional<std::string> text = readTextFile(dir + "/cpu.max");
      return text ? parseCpuMax(*text) : std::nullopt;
    }));
  if (auto path = parseCgroupPath(*cgroups, /*v2=*/false, "cpu")) {
    auto v1Quota = [](const std::string &dir) -> std::optional<int64_t> {
      std::optional<std::string> quota =
          readTextFile(dir + "/cpu.cfs_quota_us");
      std::optional<std::string> period =
          readTextFile(dir + "/cpu.cfs_period_us");
      if (!quota || !period)
        return std::nullopt;
      return grantedCpus(parseDecimal(*quota), parseDecimal(*period));
    };
    // The controller's hierarchy is mounted as "cpu" or "cpu,cpuacct"; in
    // a container the host's path is not mounted: its own cgroup is the
    // hierarchy's root.
    for (const char *mount : {"/cpu", "/cpu,cpuacct"}) {
      std::string root = sources.cgroupRoot + mount;
      std::string at = *path;
      if (!readTextFile(root + at + "/cpu.cfs_quota_us"))
        at = "";
      keep(smallestQuota(root, at, v1Quota));
    }
  }
  return best;
}

/// The physical cores among `sources.cpus`: distinct (package, core) pairs,
/// a CPU whose topology cannot be read counted as a core of its own.
int64_t physicalCores(const CpuSources &sources) {
  std::set<std::pair<int64_t, int64_t>> cores;
  for (int cpu : sources.cpus) {
    std::string dir =
        sources.cpuRoot + "/cpu" + std::to_string(cpu) + "/topology/";
    std::optional<std::string> core = readTextFile(dir + "core_id");
    std::optional<std::string> package =
        readTextFile(dir + "physical_package_id");
    std::optional<uint64_t> coreId = core ? parseDecimal(*core) : std::nullopt;
    std::optional<uint64_t> packageId =
        package ? parseDecimal(*package) : std::nullopt;
    if (coreId && packageId)
      cores.insert(
          {static_cast<int64_t>(*packageId), static_cast<int64_t>(*coreId)});
    else
      cores.insert({-1, cpu});
  }
  return static_cast<int64_t>(cores.size());
}

} // namespace

std::optional<int64_t> parseCpuMax(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  size_t space = text.find(' ');
  if (space == std::string_view::npos || text.substr(0, space) == "max")
    return std::nullopt;
  return grantedCpus(parseDecimal(text.substr(0, space)),
                     parseDecimal(text.substr(space + 1)));
}

CpuSources CpuSources::current() {
  CpuSources sources;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &mask))
        sources.cpus.push_back(cpu);
  }
  if (sources.cpus.empty())
    for (unsigned cpu = 0; cpu < std::thread::hardware_concurrency(); ++cpu)
      sources.cpus.push_back(static_cast<int>(cpu));
  return sources;
}

int32_t defaultThreadCount(const CpuSources &sources) {
  int64_t count = physicalCores(sources);
  if (std::optional<int64_t> granted = cgroupCpus(sources))
    count = std::min(count, *granted);
  return static_cast<int32_t>(std::clamp<int64_t>(count, 1, 4096));
}

} // namespace attnc::rt
