//===- MemoryBudgetTest.cpp - Limits from /proc and cgroups; plan arithmetic ===//
//
// Runs against the runtime's internal headers (a static build of the
// sources, see CMakeLists.txt): the limit readers get fake /proc and cgroup
// trees, and the plan's numbers are worked out by hand next to each check.
//
//===----------------------------------------------------------------------===//
#include "MemoryBudget.h"
#include "FakeFileTree.h"
#include "MemoryPlan.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

using namespace attnc::rt;
using attnc::Status;

namespace {

TEST(MemoryBudgetParse, KbFields) {
  const char meminfo[] = "MemTotal:       24000000 kB\n"
                         "MemFree:         1000 kB\n"
                         "MemAvailable:   12345 kB\n";
  EXPECT_EQ(parseKbField(meminfo, "MemAvailable"), 12345u * 1024);
  EXPECT_EQ(parseKbField(meminfo, "MemFree"), 1000u * 1024);
  EXPECT_EQ(parseKbField(meminfo, "Mem"), std::nullopt);
  EXPECT_EQ(parseKbField("VmSize:\t  2048 kB\n", "VmSize"), 2048u * 1024);
  EXPECT_EQ(parseKbField("VmSize: lots kB\n", "VmSize"), std::nullopt);
  EXPECT_EQ(parseKbField("VmSize: 99999999999999999999 kB", "VmSize"),
            std::nullopt);
  EXPECT_EQ(parseKbField("", "VmSize"), std::nullopt);
}

TEST(MemoryBudgetParse, CgroupValuesAndPaths) {
  EXPECT_EQ(parseCgroupValue("max\n"), MemoryLimit::kNone);
  EXPECT_EQ(parseCgroupValue("536870912\n"), 536870912u);
  EXPECT_EQ(parseCgroupValue("-1"), std::nullopt);
  EXPECT_EQ(parseCgroupValue(""), std::nullopt);

  const char v2[] = "0::/user.slice/job.scope\n";
  EXPECT_EQ(parseCgroupPath(v2, true), "/user.slice/job.scope");
  EXPECT_EQ(parseCgroupPath(v2, false), std::nullopt);
  EXPECT_EQ(parseCgroupPath("0::/\n", true), "");
  const char v1[] = "12:cpu,cpuacct:/a\n7:memory:/docker/abc\n0::/\n";
  EXPECT_EQ(parseCgroupPath(v1, false), "/docker/abc");
  EXPECT_EQ(parseCgroupPath(v1, true), "");
  // A path that climbs out of the hierarchy is ignored.
  EXPECT_EQ(parseCgroupPath("0::/../../etc\n", true), std::nullopt);
  EXPECT_EQ(parseCgroupPath("garbage", true), std::nullopt);
}

TEST(MemoryBudgetParse, ByteCounts) {
  EXPECT_EQ(parseByteCount("1048576"), 1048576u);
  EXPECT_EQ(parseByteCount("512M"), 512u << 20);
  EXPECT_EQ(parseByteCount("2g"), uint64_t(2) << 30);
  EXPECT_EQ(parseByteCount("1T"), uint64_t(1) << 40);
  EXPECT_EQ(parseByteCount("none"), MemoryLimit::kNone);
  for (const char *bad : {"", "M", "-5", "1.5G", "12 M", "99999999999999999G",
                          "twelve"})
    EXPECT_EQ(parseByteCount(bad), std::nullopt) << bad;
}

TEST(MemoryBudgetParse, FormatBytes) {
  EXPECT_EQ(formatBytes(1), "1 byte");
  EXPECT_EQ(formatBytes(1000), "1000 bytes");
  EXPECT_EQ(formatBytes(36100), "36100 bytes (35.3 KiB)");
  EXPECT_EQ(formatBytes(uint64_t(3) << 30), "3221225472 bytes (3.0 GiB)");
  EXPECT_EQ(formatBytes(MemoryLimit::kNone), "unlimited");
}

/// A fake /proc and /sys/fs/cgroup under a temporary directory.
class FakeSystem : public FakeFileTree {
protected:
  void SetUp() override {
    FakeFileTree::SetUp();
    sources.procRoot = root + "/proc";
    sources.cgroupRoot = root + "/cgroup";
  }

  LimitSources sources;
};

TEST_F(FakeSystem, NothingReadableMeansNoLimit) {
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, MemoryLimit::kNone);
}

TEST_F(FakeSystem, MemAvailable) {
  write("/proc/meminfo", "MemTotal: 8000 kB\nMemAvailable: 4000 kB\n");
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 4000u * 1024);
  EXPECT_EQ(limit->source, "MemAvailable in " + root + "/proc/meminfo");
}

TEST_F(FakeSystem, TightestCgroupV2AncestorWins) {
  write("/proc/meminfo", "MemAvailable: 4000000 kB\n");
  write("/proc/self/cgroup", "0::/outer/inner\n");
  // inner: no limit of its own; outer: 1 MiB with 256 KiB used.
  write("/cgroup/outer/inner/memory.max", "max\n");
  write("/cgroup/outer/inner/memory.current", "1000\n");
  write("/cgroup/outer/memory.max", "1048576\n");
  write("/cgroup/outer/memory.current", "262144\n");
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 1048576u - 262144u);
  EXPECT_EQ(limit->source,
            "cgroup " + root +
                "/cgroup/outer: memory.max 1048576 bytes (1.0 MiB) minus "
                "memory.current 262144 bytes (256.0 KiB)");
  EXPECT_FALSE(limit->addressSpace);
}

TEST_F(FakeSystem, CgroupUsageAboveTheLimitLeavesNothing) {
  write("/proc/self/cgroup", "0::/\n");
  write("/cgroup/memory.max", "100\n");
  write("/cgroup/memory.current", "200\n");
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 0u);
}

TEST_F(FakeSystem, CgroupV1WithTheContainersOwnRoot) {
  write("/proc/self/cgroup", "4:memory:/docker/abc\n");
  // The host's path is not mounted in the container: its root is used.
  write("/cgroup/memory/memory.limit_in_bytes", "2097152\n");
  write("/cgroup/memory/memory.usage_in_bytes", "1048576\n");
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 1048576u);
}

TEST_F(FakeSystem, CgroupV1UnlimitedIsIgnored) {
  write("/proc/meminfo", "MemAvailable: 10 kB\n");
  write("/proc/self/cgroup", "4:memory:/\n");
  write("/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  write("/cgroup/memory/memory.usage_in_bytes", "1048576\n");
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 10240u);
}

TEST_F(FakeSystem, AddressSpaceLimitMinusVmSize) {
  write("/proc/meminfo", "MemAvailable: 4000000 kB\n");
  write("/proc/self/status", "Name: attnc\nVmSize:   1024 kB\n");
  sources.addressSpaceLimit = 3u << 20;
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, (3u << 20) - (1u << 20));
  EXPECT_TRUE(limit->addressSpace);
  EXPECT_EQ(limit->source, "RLIMIT_AS 3145728 bytes (3.0 MiB) minus VmSize "
                           "1048576 bytes (1.0 MiB)");
}

TEST_F(FakeSystem, OverrideReplacesEverything) {
  write("/proc/meminfo", "MemAvailable: 10 kB\n");
  sources.override = "2M";
  attnc::Expected<MemoryLimit> limit = findMemoryLimit(sources);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 2u << 20);
  EXPECT_EQ(limit->source, "ATTNC_MEMORY_LIMIT");
  sources.override = "none";
  EXPECT_EQ(findMemoryLimit(sources)->bytes, MemoryLimit::kNone);
  sources.override = "lots";
  attnc::Expected<MemoryLimit> bad = findMemoryLimit(sources);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bad.error().message(),
            "ATTNC_MEMORY_LIMIT must be a byte count (e.g. 1073741824, 512M, "
            "2G) or 'none', got 'lots'");
}

TEST(MemoryNeedTest, MappedPartsCountOnlyAgainstPhysicalLimits) {
  MemoryNeed need;
  need.add("weights copied", 100);
  need.add("weights in place", 50, /*newAddressSpace=*/false);
  need.add("nothing", 0);
  MemoryLimit physical{120, "test", false}, address{120, "test", true};
  EXPECT_EQ(need.total(physical), 150u);
  EXPECT_EQ(need.total(address), 100u);
  EXPECT_FALSE(checkMemory(need, physical, "loading"));
  EXPECT_TRUE(checkMemory(need, address, "loading"));
  Status s = checkMemory(need, physical, "loading", "hint");
  EXPECT_EQ(s.error().code(), ATTNC_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(s.error().message(),
            "loading needs 150 bytes = weights copied 100 + weights in place "
            "50, but the process may use only 120 bytes, from test\nhint");
}

TEST(MemoryNeedTest, LargestFitting) {
  auto square = [](int64_t n) { return uint64_t(n * n); };
  EXPECT_EQ(largestFitting(1, 100, 50, square), 7);
  EXPECT_EQ(largestFitting(1, 100, 1u << 20, square), 100);
  EXPECT_EQ(largestFitting(8, 100, 50, square), std::nullopt);
  EXPECT_EQ(largestFitting(5, 4, 50, square), std::nullopt);
}

// dims [batch, seq]; w: 4000 bytes; logits: 200 bytes per token; KV cache:
// 64 floats = 256 bytes per token and batch row; arena: forward 1000 +
// 8 * batch * seq^2, step 500 + 4 * batch * seq * capacity.
const char kPlanManifest[] = R"({"abi_version": 1, "name": "m",
    "dims": ["batch", "seq"],
    "inputs": [{"name": "input_ids", "dtype": "i64", "shape": ["batch", "seq"]}],
    "params": [{"name": "w", "tensor": "w", "dtype": "f32", "shape": [10, 100]}],
    "outputs": [{"name": "logits", "dtype": "f32",
                 "shape": ["batch", "seq", 50]}],
    "kv_cache": {"batch_dim": "batch", "seq_dim": "seq", "dtype": "f32",
                 "floats_per_token": 64},
    "arena": {"alignment": 64,
              "forward": [{"bytes": 1000, "times": []},
                          {"bytes": 8, "times": ["batch", "seq", "seq"]}],
              "step": [{"bytes": 500, "times": []},
                       {"bytes": 4, "times": ["batch", "seq", "capacity"]}]}})";

TEST(MemoryPlanTest, ComponentsOfAGeneration) {
  attnc::Expected<Manifest> manifest = parseManifest(kPlanManifest);
  ASSERT_TRUE(manifest) << manifest.error().message();
  MemoryPlan plan = planMemory(*manifest, {1, 10}, 100);
  EXPECT_EQ(plan.weights, 4000u);
  EXPECT_EQ(plan.packs, 0u);
  EXPECT_EQ(plan.outputs, 200u * 10);
  EXPECT_EQ(plan.kvCache, 256u * 100);
  // Prefill of 10 at position 0: 500 + 4 * 10 * 100; a last single-token
  // step: 500 + 4 * 100.
  EXPECT_EQ(plan.arena, 4500u);
  MemoryLimit none;
  EXPECT_EQ(plan.need().total(none), 4000u + 2000 + 25600 + 4500);

  MemoryPlan forward = planMemory(*manifest, {2, 30}, 0);
  EXPECT_EQ(forward.kvCache, 0u);
  EXPECT_EQ(forward.arena, 1000u + 8 * 2 * 30 * 30);
  EXPECT_EQ(forward.outputs, 200u * 60);
}

// A KV cache of bf16 or f16 (attnc compile --kv-cache-type) takes 2 bytes
// per value: the same 64 values per token, 128 bytes; the rest unchanged.
TEST(MemoryPlanTest, NarrowKVCache) {
  for (const char *dtype : {"bf16", "f16"}) {
    std::string json = kPlanManifest;
    json.replace(json.find("\"f32\"", json.find("kv_cache")), 5,
                 std::string("\"") + dtype + "\"");
    attnc::Expected<Manifest> manifest = parseManifest(json);
    ASSERT_TRUE(manifest) << manifest.error().message();
    EXPECT_EQ(manifest->kvCache->dtype, std::string(dtype) == "bf16"
                                            ? ATTNC_DTYPE_BF16
                                            : ATTNC_DTYPE_F16);
    MemoryPlan plan = planMemory(*manifest, {1, 10}, 100);
    EXPECT_EQ(plan.kvCache, 128u * 100) << dtype;
    EXPECT_EQ(plan.arena, 4500u);
    EXPECT_EQ(kvCacheBytes(*manifest, 3, 100), 128u * 3 * 100);
  }
}

TEST(MemoryPlanTest, OverBudgetSaysWhatWouldFit) {
  attnc::Expected<Manifest> manifest = parseManifest(kPlanManifest);
  ASSERT_TRUE(manifest);
  // With capacity c: 4000 + 2000 + 256 c + (500 + 40 c) <= 20000 up to
  // c = 45; no smaller batch exists and no shorter prompt helps enough.
  Status s = checkPlan(*manifest, {1, 10}, 100, {20000, "test", false});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ATTNC_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(s.error().message(),
            "model 'm' with batch = 1, seq = 10 and a KV cache of 100 tokens "
            "needs 36100 bytes (35.3 KiB) = weights 4000 + arena 4500 + KV "
            "cache 25600 + outputs 2000, but the process may use only 20000 "
            "bytes (19.5 KiB), from test\n"
            "what would fit: a KV cache of at most 45 tokens");
  EXPECT_TRUE(checkPlan(*manifest, {1, 10}, 45, {20000, "test", false}));
  EXPECT_FALSE(checkPlan(*manifest, {1, 10}, 46, {20000, "test", false}));

  // Forward over batch 4, seq 20: 4000 + 1000 + 8 * 4 * 400 + 200 * 80 =
  // 33800; at batch b: 5000 + 3200 b + 4000 b <= 20000 up to b = 2; at
  // seq s: 5000 + 32 s^2 + 800 s <= 20000 up to s = 12.
  Status run = checkPlan(*manifest, {4, 20}, 0, {20000, "test", false});
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().message().find(
                "\nwhat would fit: batch at most 2; seq at most 12"),
            std::string::npos)
      << run.error().message();

  Status weights = checkPlan(*manifest, {1, 1}, 0, {3000, "test", false});
  ASSERT_FALSE(weights);
  EXPECT_NE(weights.error().message().find(
                "\nthe weights are held as f32 (as compiled; attnc compile "
                "--weight-type bf16 halves them): give the process more memory "
                "(or set ATTNC_MEMORY_LIMIT)"),
            std::string::npos);
}

TEST(MemoryPlanTest, WeightsHintNamesTheCompiledStorage) {
  // Mostly bf16 (a matrix), a little f32 (a norm): held as bf16.
  attnc::Expected<Manifest> manifest = parseManifest(R"({"abi_version": 1,
      "name": "m", "dims": ["batch"],
      "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", 100]}],
      "params": [{"name": "w", "tensor": "w", "dtype": "bf16", "shape": [100, 100]},
                 {"name": "g", "tensor": "g", "dtype": "f32", "shape": [100]}],
      "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", 100]}]})");
  ASSERT_TRUE(manifest) << manifest.error().message();
  EXPECT_EQ(weightsOverLimitHint(*manifest),
            "the weights are held as bf16 (as compiled): give the process "
            "more memory (or set ATTNC_MEMORY_LIMIT)");
  Status weights = checkPlan(*manifest, {1}, 0, {3000, "test", false});
  ASSERT_FALSE(weights);
  EXPECT_NE(weights.error().message().find(
                "\nthe weights are held as bf16 (as compiled): give"),
            std::string::npos)
      << weights.error().message();
}

TEST(MemoryPlanTest, SessionCallsCountOnlyWhatTheyGrow) {
  attnc::Expected<Manifest> manifest = parseManifest(kPlanManifest);
  ASSERT_TRUE(manifest);
  ASSERT_EQ(setenv("ATTNC_MEMORY_LIMIT", "10000", 1), 0);
  // A step of 10 with a cache of 100: 2000 + 4500 + 25600 > 10000.
  Status first = checkCallMemory(*manifest, {1, 10}, 100, 0, {});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().message(),
            "model 'm': a step with batch = 1, seq = 10 and a KV cache of 100 "
            "tokens needs 32100 bytes (31.3 KiB) = outputs 2000 + arena 4500 "
            "+ KV cache 25600, but the process may use only 10000 bytes "
            "(9.8 KiB), from ATTNC_MEMORY_LIMIT\n"
            // 2000 + 500 + 40 c + 256 c <= 10000 up to c = 25.
            "what would fit: a KV cache of at most 25 tokens");
  // Once the cache and outputs are held, only the arena's growth counts.
  EXPECT_TRUE(checkCallMemory(*manifest, {1, 1}, 100, 10,
                              {2000, 900, 25600}));
  unsetenv("ATTNC_MEMORY_LIMIT");
}

} // namespace
