//===- Profile.cpp - Where a compiled model's runs spend their time -------===//
#include "Profile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace attnc::rt {
namespace {

using nlohmann::json;

// The hook events of attnc-profile-regions (compiler: attnc/Codegen/ABI.h).
enum Event : int32_t {
  kRegionBegin = 0,
  kRegionEnd = 1,
  kThreadBegin = 2,
  kThreadEnd = 3
};

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

/// The Profile the hook reports to, and the lock that makes profiled runs
/// take turns.
std::mutex recordingLock;
std::atomic<Profile *> recordingProfile{nullptr};
thread_local int64_t threadStart = 0;

std::string format(const char *pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char *pattern, ...) {
  char line[512];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(line, sizeof line, pattern, args);
  va_end(args);
  return line;
}

/// Sums `wall_ms` and `busy_ms` of the `rows` that ran, by the string `key`
/// picks.
template <typename Key>
json groupBy(const json &rows, Key key) {
  std::vector<std::string> order;
  std::map<std::string, json> groups;
  for (const json &row : rows) {
    if (row["calls"].get<int64_t>() == 0)
      continue;
    std::string name = key(row);
    auto [it, fresh] = groups.try_emplace(
        name, json{{"name", name}, {"regions", 0}, {"calls", 0},
                   {"wall_ms", 0.0}, {"busy_ms", 0.0}});
    if (fresh)
      order.push_back(name);
    json &g = it->second;
    g["regions"] = g["regions"].get<int64_t>() + 1;
    g["calls"] = g["calls"].get<int64_t>() + row["calls"].get<int64_t>();
    g["wall_ms"] = g["wall_ms"].get<double>() + row["wall_ms"].get<double>();
    g["busy_ms"] = g["busy_ms"].get<double>() + row["busy_ms"].get<double>();
  }
  json result = json::array();
  for (const std::string &name : order)
    result.push_back(groups[name]);
  return result;
}

} // namespace

Profile::Profile(const Manifest &manifest, void **hookSlot,
                 int (*threadNum)())
    : manifest(manifest), hookSlot(hookSlot), threadNum(threadNum),
      threadBusyNs(new std::atomic<int64_t>[kMaxThreads]) {
  reset();
}

void Profile::reset() {
  stats.clear();
  runs = runNs = 0;
  for (int t = 0; t < kMaxThreads; ++t)
    threadBusyNs[t] = 0;
  threadsSeen = 1;
}

Profile::Recording::Recording(Profile &profile) : profile(profile) {
  recordingLock.lock();
  recordingProfile = &profile;
  *profile.hookSlot = reinterpret_cast<void *>(&Profile::hook);
  start = nowNs();
}

Profile::Recording::~Recording() {
  int64_t end = nowNs();
  *profile.hookSlot = nullptr;
  recordingProfile = nullptr;
  profile.runNs += end - start;
  ++profile.runs;
  recordingLock.unlock();
}

void Profile::hook(int32_t event, int32_t region, int32_t layer) {
  if (Profile *profile = recordingProfile.load(std::memory_order_relaxed))
    profile->onEvent(event, region, layer);
}

void Profile::onEvent(int32_t event, int32_t region, int32_t layer) {
  switch (event) {
  case kRegionBegin:
    current = &stats[{region, layer}];
    regionStart = nowNs();
    return;
  case kRegionEnd: {
    Stats *entry = current.exchange(nullptr);
    if (!entry)
      return;
    int64_t elapsed = nowNs() - regionStart;
    entry->wallNs += elapsed;
    ++entry->calls;
    bool parallel = region >= 0 &&
                    static_cast<size_t>(region) < manifest.profile.size() &&
                    manifest.profile[region].parallel;
    // A serial kernel keeps the calling thread busy throughout.
    if (!parallel) {
      entry->busyNs += elapsed;
      threadBusyNs[0] += elapsed;
    }
    return;
  }
  case kThreadBegin:
    threadStart = nowNs();
    return;
  case kThreadEnd: {
    int64_t elapsed = nowNs() - threadStart;
    int thread = threadNum ? threadNum() : 0;
    if (Stats *entry = current.load())
      entry->busyNs.fetch_add(elapsed, std::memory_order_relaxed);
    if (thread >= 0 && thread < kMaxThreads) {
      threadBusyNs[thread].fetch_add(elapsed, std::memory_order_relaxed);
      int seen = threadsSeen.load(std::memory_order_relaxed);
      while (thread >= seen &&
             !threadsSeen.compare_exchange_weak(seen, thread + 1))
        ;
    }
    return;
  }
  default:
    return;
  }
}

std::string Profile::report(bool asJson) const {
  auto describe = [&](int32_t region) {
    if (region >= 0 && static_cast<size_t>(region) < manifest.profile.size())
      return manifest.profile[region];
    return ProfileRegion{"?", "unknown", "?", false, false};
  };
  // Per region, all layers summed; per region and layer for the layer view.
  json regions = json::array(), byLayerRows = json::array();
  std::map<int32_t, json> regionRows;
  int64_t parallelNs = 0, serialNs = 0;
  for (const auto &[key, s] : stats) {
    auto [region, layer] = key;
    ProfileRegion info = describe(region);
    (info.parallel ? parallelNs : serialNs) += s.wallNs;
    json &row = regionRows[region];
    if (row.is_null())
      row = json{{"id", region},          {"entry", info.entry},
                 {"kind", info.kind},     {"source", info.source},
                 {"parallel", info.parallel}, {"layered", info.layered},
                 {"calls", 0},            {"wall_ms", 0.0},
                 {"busy_ms", 0.0}};
    row["calls"] = row["calls"].get<int64_t>() + s.calls;
    row["wall_ms"] = row["wall_ms"].get<double>() + ms(s.wallNs);
    row["busy_ms"] = row["busy_ms"].get<double>() + ms(s.busyNs.load());
    byLayerRows.push_back(json{{"layer", layer},
                               {"calls", s.calls},
                               {"wall_ms", ms(s.wallNs)},
                               {"busy_ms", ms(s.busyNs.load())}});
  }
  for (auto &[region, row] : regionRows)
    regions.push_back(std::move(row));
  // Regions that never ran (another entry, or not reached) still get a row.
  for (size_t id = 0; id < manifest.profile.size(); ++id)
    if (!regionRows.count(static_cast<int32_t>(id))) {
      const ProfileRegion &info = manifest.profile[id];
      regions.push_back(json{{"id", id},         {"entry", info.entry},
                             {"kind", info.kind}, {"source", info.source},
                             {"parallel", info.parallel},
                             {"layered", info.layered}, {"calls", 0},
                             {"wall_ms", 0.0},   {"busy_ms", 0.0}});
    }
  std::sort(regions.begin(), regions.end(), [](const json &a, const json &b) {
    return a["id"].get<int64_t>() < b["id"].get<int64_t>();
  });
  json threads = json::array();
  for (int t = 0; t < threadsSeen.load(); ++t)
    threads.push_back(ms(threadBusyNs[t].load()));
  int64_t outsideNs = runNs - parallelNs - serialNs;
  json byLayer = groupBy(byLayerRows, [](const json &row) {
    int32_t layer = row["layer"].get<int32_t>();
    return layer < 0 ? std::string("-") : std::to_string(layer);
  });
  json result{
      {"model", manifest.name},
      {"runs", runs},
      {"run_ms", ms(runNs)},
      {"parallel_ms", ms(parallelNs)},
      {"serial_ms", ms(serialNs)},
      {"outside_ms", ms(outsideNs)},
      {"threads", static_cast<int64_t>(threads.size())},
      {"thread_busy_ms", threads},
      {"kinds", groupBy(regions,
                        [](const json &row) {
                          return row["kind"].get<std::string>() +
                                 (row["parallel"].get<bool>() ? ""
                                                              : " (serial)");
                        })},
      {"layers", byLayer},
      {"regions", regions}};
  if (asJson)
    return result.dump(2) + "\n";

  double run = std::max(ms(runNs), 1e-9);
  auto percent = [&](double value) { return 100.0 * value / run; };
  std::string out = format(
      "profile of '%s': %lld run%s, %.3f ms, %d thread%s\n",
      manifest.name.c_str(), static_cast<long long>(runs),
      runs == 1 ? "" : "s", ms(runNs), static_cast<int>(threads.size()),
      threads.size() == 1 ? "" : "s");
  out += format("  parallel regions  %10.3f ms %6.2f%%\n", ms(parallelNs),
                percent(ms(parallelNs)));
  out += format("  serial kernels    %10.3f ms %6.2f%%\n", ms(serialNs),
                percent(ms(serialNs)));
  out += format("  outside kernels   %10.3f ms %6.2f%%\n", ms(outsideNs),
                percent(ms(outsideNs)));
  // busy/wall: how many threads were working on average (ideal: all).
  auto group = [&](const char *title, const json &rows) {
    out += format("\n%-28s %7s %8s %10s %7s %10s %9s\n", title, "regions",
                  "calls", "wall ms", "%run", "busy ms", "busy/wall");
    for (const json &row : rows) {
      double wall = row["wall_ms"].get<double>();
      double busy = row["busy_ms"].get<double>();
      out += format("%-28s %7lld %8lld %10.3f %7.2f %10.3f %9.2f\n",
                    row["name"].get<std::string>().c_str(),
                    static_cast<long long>(row["regions"].get<int64_t>()),
                    static_cast<long long>(row["calls"].get<int64_t>()), wall,
                    percent(wall), busy, wall > 0 ? busy / wall : 0.0);
    }
  };
  group("by kind", result["kinds"]);
  group("by layer (-: outside layers)", byLayer);
  out += "\nthread  busy ms   %run\n";
  for (size_t t = 0; t < threads.size(); ++t)
    out += format("%6zu %9.3f %6.2f\n", t, threads[t].get<double>(),
                  percent(threads[t].get<double>()));
  out += format("\n%4s %-7s %-24s %-22s %3s %7s %10s %7s %10s %9s\n", "id",
                "entry", "kind", "source", "par", "calls", "wall ms", "%run",
                "busy ms", "busy/wall");
  int64_t notRun = 0;
  for (const json &row : regions) {
    if (row["calls"].get<int64_t>() == 0) {
      ++notRun;
      continue;
    }
    double wall = row["wall_ms"].get<double>();
    double busy = row["busy_ms"].get<double>();
    out += format("%4lld %-7s %-24s %-22s %3s %7lld %10.3f %7.2f %10.3f %9.2f\n",
                  static_cast<long long>(row["id"].get<int64_t>()),
                  row["entry"].get<std::string>().c_str(),
                  row["kind"].get<std::string>().c_str(),
                  row["source"].get<std::string>().c_str(),
                  row["parallel"].get<bool>() ? "yes" : "no",
                  static_cast<long long>(row["calls"].get<int64_t>()), wall,
                  percent(wall), busy, wall > 0 ? busy / wall : 0.0);
  }
  if (notRun)
    out += format("(and %lld kernels that did not run: another entry's)\n",
                  static_cast<long long>(notRun));
  return out;
}

} // namespace attnc::rt
