//===- MemoryBudget.cpp - What the process may still allocate -------------===//
#include "MemoryBudget.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>

namespace attnc::rt {
namespace {

/// A limit read from /proc is reused for this long, for needs below this
/// fraction of it.
constexpr std::chrono::milliseconds kLimitReuse{200};
constexpr uint64_t kLimitReuseFraction = 64;

/// cgroup v1 reports "no limit" as a huge page-rounded number.
constexpr uint64_t kV1Unlimited = uint64_t(1) << 62;

uint64_t saturatingSub(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

/// Keeps the smaller of `best` and a new candidate.
void consider(MemoryLimit &best, uint64_t bytes, std::string source,
              bool addressSpace = false) {
  if (bytes < best.bytes)
    best = {bytes, std::move(source), addressSpace};
}

/// The room left in a cgroup directory and each of its ancestors up to
/// `root`, through `maxFile` - `usageFile`.
void considerCgroup(MemoryLimit &best, const std::string &root,
                    std::string path, const char *maxFile,
                    const char *usageFile, uint64_t unlimited) {
  forEachCgroupLevel(root, std::move(path), [&](const std::string &dir) {
    std::optional<std::string> maxText = readTextFile(dir + "/" + maxFile);
    std::optional<std::string> usageText = readTextFile(dir + "/" + usageFile);
    std::optional<uint64_t> max = maxText ? parseCgroupValue(*maxText)
                                          : std::nullopt;
    std::optional<uint64_t> usage =
        usageText ? parseCgroupValue(*usageText) : std::nullopt;
    if (max && usage && *max < unlimited)
      consider(best, saturatingSub(*max, *usage),
               "cgroup " + dir + ": " + maxFile + " " + formatBytes(*max) +
                   " minus " + usageFile + " " + formatBytes(*usage));
  });
}

} // namespace

std::optional<uint64_t> parseKbField(std::string_view text,
                                     std::string_view field) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.size() <= field.size() || line.substr(0, field.size()) != field ||
        line[field.size()] != ':')
      continue;
    line.remove_prefix(field.size() + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      line.remove_prefix(1);
    size_t unit = line.find(' ');
    std::optional<uint64_t> kb = parseDecimal(line.substr(0, unit));
    if (!kb || (unit != std::string_view::npos && line.substr(unit) != " kB"))
      return std::nullopt;
    uint64_t bytes;
    if (__builtin_mul_overflow(*kb, uint64_t(1024), &bytes))
      return std::nullopt;
    return bytes;
  }
  return std::nullopt;
}

std::optional<uint64_t> parseCgroupValue(std::string_view text) {
  if (text == "max" || text == "max\n")
    return MemoryLimit::kNone;
  return parseDecimal(text);
}

void forEachCgroupLevel(const std::string &root, std::string path,
                        const std::function<void(const std::string &)> &visit) {
  while (true) {
    visit(root + path);
    size_t slash = path.find_last_of('/');
    if (path.empty() || slash == std::string::npos)
      return;
    path.resize(slash);
  }
}

std::optional<std::string> parseCgroupPath(std::string_view text, bool v2,
                                           std::string_view v1Controller) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    size_t first = line.find(':');
    size_t second = first == std::string_view::npos
                        ? std::string_view::npos
                        : line.find(':', first + 1);
    if (second == std::string_view::npos)
      continue;
    std::string_view id = line.substr(0, first);
    std::string_view controllers = line.substr(first + 1, second - first - 1);
    std::string_view path = line.substr(second + 1);
    if (path.empty() || path.front() != '/' ||
        path.find("/..") != std::string_view::npos)
      continue;
    if (path == "/")
      path = "";
    if (v2 && id == "0" && controllers.empty())
      return std::string(path);
    if (!v2) {
      std::string list = "," + std::string(controllers) + ",";
      if (list.find("," + std::string(v1Controller) + ",") != std::string::npos)
        return std::string(path);
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> parseByteCount(std::string_view text) {
  if (text == "none")
    return MemoryLimit::kNone;
  unsigned shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    case 'T': case 't': shift = 40; break;
    default: break;
    }
  }
  if (shift)
    text.remove_suffix(1);
  if (text.empty() || text.find_first_not_of("0123456789") !=
                          std::string_view::npos)
    return std::nullopt;
  std::optional<uint64_t> value = parseDecimal(text);
  if (!value || (shift && (*value >> (64 - shift)) != 0))
    return std::nullopt;
  return *value << shift;
}

std::string formatBytes(uint64_t bytes) {
  if (bytes == MemoryLimit::kNone)
    return "unlimited";
  std::string text = std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  if (bytes < 1024)
    return text;
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB",
                                      "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char human[32];
  std::snprintf(human, sizeof human, " (%.1f %s)", value, units[unit]);
  return text + human;
}

LimitSources LimitSources::current() {
  LimitSources sources;
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    sources.addressSpaceLimit = static_cast<uint64_t>(limit.rlim_cur);
  if (const char *text = std::getenv("ATTNC_MEMORY_LIMIT"))
    sources.override = std::string(text);
  return sources;
}

Expected<MemoryLimit> findMemoryLimit(const LimitSources &sources) {
  if (sources.override) {
    std::optional<uint64_t> bytes = parseByteCount(*sources.override);
    if (!bytes)
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "ATTNC_MEMORY_LIMIT must be a byte count (e.g. 1073741824, "
                   "512M, 2G) or 'none', got '" +
                       truncate(*sources.override) + "'");
    return MemoryLimit{*bytes, "ATTNC_MEMORY_LIMIT", false};
  }
  MemoryLimit best;
  if (auto meminfo = readTextFile(sources.procRoot + "/meminfo"))
    if (auto available = parseKbField(*meminfo, "MemAvailable"))
      consider(best, *available, "MemAvailable in " + sources.procRoot +
                                     "/meminfo");
  if (auto cgroups = readTextFile(sources.procRoot + "/self/cgroup")) {
    if (auto path = parseCgroupPath(*cgroups, /*v2=*/true))
      considerCgroup(best, sources.cgroupRoot, *path, "memory.max",
                     "memory.current", MemoryLimit::kNone);
    if (auto path = parseCgroupPath(*cgroups, /*v2=*/false)) {
      // In a container the host's path is not mounted: its own cgroup is
      // the hierarchy's root.
      std::string root = sources.cgroupRoot + "/memory";
      if (!readTextFile(root + *path + "/memory.limit_in_bytes"))
        path = "";
      considerCgroup(best, root, *path, "memory.limit_in_bytes",
                     "memory.usage_in_bytes", kV1Unlimited);
    }
  }
  if (sources.addressSpaceLimit) {
    std::optional<uint64_t> used;
    if (auto status = readTextFile(sources.procRoot + "/self/status"))
      used = parseKbField(*status, "VmSize");
    consider(best, saturatingSub(*sources.addressSpaceLimit, used.value_or(0)),
             "RLIMIT_AS " + formatBytes(*sources.addressSpaceLimit) +
                 " minus VmSize " + formatBytes(used.value_or(0)),
             /*addressSpace=*/true);
  }
  return best;
}

uint64_t MemoryNeed::total(const MemoryLimit &limit) const {
  uint64_t sum = 0;
  for (const Part &part : parts)
    if (!limit.addressSpace || part.newAddressSpace)
      if (__builtin_add_overflow(sum, part.bytes, &sum))
        return UINT64_MAX;
  return sum;
}

std::string MemoryNeed::describe(const MemoryLimit &limit) const {
  std::string text;
  for (const Part &part : parts)
    text += (text.empty() ? "" : " + ") + part.name + " " +
            std::to_string(part.bytes) +
            (limit.addressSpace && !part.newAddressSpace ? " (already mapped)"
                                                          : "");
  return text;
}

Status checkMemory(const MemoryNeed &need, const MemoryLimit &limit,
                   const std::string &what, const std::string &hint) {
  uint64_t total = need.total(limit);
  if (total <= limit.bytes)
    return Status::success();
  std::string message = what + " needs " + formatBytes(total) + " = " +
                        need.describe(limit) +
                        ", but the process may use only " +
                        formatBytes(limit.bytes) + ", from " + limit.source;
  if (!hint.empty())
    message += "\n" + hint;
  return Error(ATTNC_ERROR_OUT_OF_MEMORY, std::move(message));
}

Status checkMemory(const MemoryNeed &need, const std::string &what,
                   const std::function<std::string(uint64_t)> &hint) {
  LimitSources sources = LimitSources::current();
  // A decode step grows its arena a little at every token: a need far below
  // what was free a moment ago is not worth reading /proc again.
  struct Recent {
    uint64_t bytes = 0;
    std::chrono::steady_clock::time_point when;
  };
  thread_local Recent recent;
  auto now = std::chrono::steady_clock::now();
  if (!sources.override && now - recent.when < kLimitReuse &&
      need.total(MemoryLimit{}) < recent.bytes / kLimitReuseFraction)
    return Status::success();
  Expected<MemoryLimit> limit = findMemoryLimit(sources);
  if (!limit)
    return limit.error();
  if (!sources.override)
    recent = {limit->bytes, now};
  if (need.total(*limit) <= limit->bytes)
    return Status::success();
  return checkMemory(need, *limit, what, hint ? hint(limit->bytes) : "");
}

} // namespace attnc::rt
