//===- MemoryBudget.h - What the process may still allocate -----*- C++ -*-===//
//
// Before a large allocation the runtime compares what it needs with what the
// process may still use: the smallest of MemAvailable (/proc/meminfo), the
// room left in its cgroup and every ancestor (v2 memory.max - memory.current,
// v1 memory.limit_in_bytes - memory.usage_in_bytes), and RLIMIT_AS minus the
// address space in use (VmSize). ATTNC_MEMORY_LIMIT replaces them all: a byte
// count (with an optional K, M, G or T suffix, powers of 1024) or "none".
// Over budget is ATTNC_ERROR_OUT_OF_MEMORY, with the need broken down, the
// limit and where it comes from, and what would fit.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_MEMORYBUDGET_H
#define ATTNC_RUNTIME_LIB_MEMORYBUDGET_H

#include "Support.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

/// The memory the process may still use.
struct MemoryLimit {
  static constexpr uint64_t kNone = UINT64_MAX;
  uint64_t bytes = kNone;
  /// Where it comes from, e.g. "RLIMIT_AS of 2 GiB minus 1.1 GiB mapped".
  std::string source;
  /// RLIMIT_AS: address space, which file mappings made earlier already use.
  bool addressSpace = false;
};

/// Where the limits are read from; tests point them at fake files.
struct LimitSources {
  std::string procRoot = "/proc";
  std::string cgroupRoot = "/sys/fs/cgroup";
  /// The soft RLIMIT_AS, or nullopt when unlimited.
  std::optional<uint64_t> addressSpaceLimit;
  /// ATTNC_MEMORY_LIMIT's value, or nullopt when unset.
  std::optional<std::string> override;

  /// This process's files, RLIMIT_AS and environment.
  static LimitSources current();
};

/// The smallest limit of `sources`; kNone when none applies. Fails only on a
/// malformed ATTNC_MEMORY_LIMIT.
Expected<MemoryLimit> findMemoryLimit(const LimitSources &sources);

/// The parsers behind findMemoryLimit, for tests.
/// "MemAvailable:  123 kB" -> 123 * 1024; also "VmSize:" of /proc/self/status.
std::optional<uint64_t> parseKbField(std::string_view text,
                                     std::string_view field);
/// A cgroup file holding a number, or "max" (kNone).
std::optional<uint64_t> parseCgroupValue(std::string_view text);
/// The path of the process's cgroup from /proc/self/cgroup: the v2 entry
/// ("0::/a/b") when `v2`, else the v1 hierarchy's of `v1Controller`.
std::optional<std::string>
parseCgroupPath(std::string_view text, bool v2,
                std::string_view v1Controller = "memory");
/// Calls `visit` with the directory of the cgroup at `path` under `root`,
/// then with each ancestor's up to `root` itself: a limit anywhere above
/// applies too.
void forEachCgroupLevel(const std::string &root, std::string path,
                        const std::function<void(const std::string &)> &visit);
/// ATTNC_MEMORY_LIMIT: "1048576", "512M", "2G", or "none" (kNone).
std::optional<uint64_t> parseByteCount(std::string_view text);

/// "1610612736 bytes (1.5 GiB)"; below 1 KiB, bytes only.
std::string formatBytes(uint64_t bytes);

/// What an operation needs, by component ("weights", "KV cache", ...).
struct MemoryNeed {
  struct Part {
    std::string name;
    uint64_t bytes = 0;
    /// False for memory that is already mapped (a checkpoint used in place):
    /// it needs physical pages but no more address space.
    bool newAddressSpace = true;
  };
  std::vector<Part> parts;

  void add(std::string name, uint64_t bytes, bool newAddressSpace = true) {
    if (bytes)
      parts.push_back({std::move(name), bytes, newAddressSpace});
  }
  /// The sum of the parts that count against `limit` (saturating).
  uint64_t total(const MemoryLimit &limit) const;
  /// "weights 4000 + KV cache 25600"; parts that do not count against
  /// `limit` are marked.
  std::string describe(const MemoryLimit &limit) const;
};

/// Fails with ATTNC_ERROR_OUT_OF_MEMORY when `need` exceeds `limit`:
/// "<what> needs N = parts, but the process may use only L, from <source>",
/// then
/// `hint` ("a context of at most 300 tokens would fit") on its own line.
Status checkMemory(const MemoryNeed &need, const MemoryLimit &limit,
                   const std::string &what, const std::string &hint = "");

/// The same against this process's limit (findMemoryLimit of current());
/// `hint(available)` is asked only when the need does not fit. A need below
/// 1/64 of a limit read from /proc on this thread in the last 200 ms passes
/// without reading it again (decode steps grow their arena at every token).
Status checkMemory(const MemoryNeed &need, const std::string &what,
                   const std::function<std::string(uint64_t)> &hint);

/// The largest n in [lo, hi] whose need fits `available`, or nullopt when
/// not even lo does; `need(n)` grows with n.
template <typename NeedFn>
std::optional<int64_t> largestFitting(int64_t lo, int64_t hi,
                                      uint64_t available, NeedFn need) {
  if (lo > hi || need(lo) > available)
    return std::nullopt;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo + 1) / 2;
    if (need(mid) <= available)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_MEMORYBUDGET_H
