//===- ThreadCountTest.cpp - The default thread count from sysfs, cgroups -===//
//
// defaultThreadCount against fake sysfs topologies and cgroup trees: one
// thread per physical core of the allowed CPUs, no more than a quota grants.
//
//===----------------------------------------------------------------------===//
#include "ThreadCount.h"
#include "FakeFileTree.h"

#include <string>

using namespace attnc::rt;

namespace {

TEST(ThreadCountParse, CpuMax) {
  EXPECT_EQ(parseCpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(parseCpuMax("400000 100000\n"), 4);
  EXPECT_EQ(parseCpuMax("250000 100000"), 3);
  EXPECT_EQ(parseCpuMax("50000 100000"), 1);
  EXPECT_EQ(parseCpuMax("100000"), std::nullopt);
  EXPECT_EQ(parseCpuMax("lots 100000"), std::nullopt);
  EXPECT_EQ(parseCpuMax("100000 0"), std::nullopt);
  EXPECT_EQ(parseCpuMax(""), std::nullopt);
}

/// A fake /proc, sysfs CPU directory and /sys/fs/cgroup.
class FakeCpus : public FakeFileTree {
protected:
  void SetUp() override {
    FakeFileTree::SetUp();
    sources.procRoot = root + "/proc";
    sources.cgroupRoot = root + "/cgroup";
    sources.cpuRoot = root + "/cpu";
  }
  /// CPU `cpu` as a hardware thread of core `core` of package `package`.
  void topology(int cpu, int core, int package = 0) {
    std::string dir = "/cpu/cpu" + std::to_string(cpu) + "/topology/";
    write(dir + "core_id", std::to_string(core) + "\n");
    write(dir + "physical_package_id", std::to_string(package) + "\n");
  }
  /// 8 CPUs: 4 cores of 2 hardware threads, numbered as Linux does on x86
  /// (CPU n and n + 4 share core n).
  void smtMachine() {
    for (int cpu = 0; cpu < 8; ++cpu)
      topology(cpu, cpu % 4);
    sources.cpus = {0, 1, 2, 3, 4, 5, 6, 7};
  }

  CpuSources sources;
};

TEST_F(FakeCpus, HardwareThreadsOfACoreCountOnce) {
  smtMachine();
  EXPECT_EQ(defaultThreadCount(sources), 4);
}

TEST_F(FakeCpus, OnlyTheAllowedCpus) {
  smtMachine();
  sources.cpus = {0, 4}; // one core's two hardware threads
  EXPECT_EQ(defaultThreadCount(sources), 1);
  sources.cpus = {0, 1, 5};
  EXPECT_EQ(defaultThreadCount(sources), 2);
}

TEST_F(FakeCpus, CoresOfTwoPackages) {
  for (int cpu = 0; cpu < 4; ++cpu)
    topology(cpu, cpu % 2, cpu / 2); // core ids repeat across packages
  sources.cpus = {0, 1, 2, 3};
  EXPECT_EQ(defaultThreadCount(sources), 4);
}

TEST_F(FakeCpus, UnreadableTopologyCountsEachCpu) {
  sources.cpus = {0, 1, 2};
  EXPECT_EQ(defaultThreadCount(sources), 3);
  sources.cpus = {};
  EXPECT_EQ(defaultThreadCount(sources), 1);
}

TEST_F(FakeCpus, CgroupV2QuotaOfTheCgroupOrAnAncestor) {
  smtMachine();
  write("/proc/self/cgroup", "0::/app.slice/job\n");
  write("/cgroup/app.slice/job/cpu.max", "max 100000\n");
  EXPECT_EQ(defaultThreadCount(sources), 4);
  write("/cgroup/app.slice/job/cpu.max", "150000 100000\n");
  EXPECT_EQ(defaultThreadCount(sources), 2);
  write("/cgroup/app.slice/cpu.max", "100000 100000\n");
  EXPECT_EQ(defaultThreadCount(sources), 1);
}

TEST_F(FakeCpus, QuotaAboveTheCoresChangesNothing) {
  smtMachine();
  write("/proc/self/cgroup", "0::/\n");
  write("/cgroup/cpu.max", "1600000 100000\n");
  EXPECT_EQ(defaultThreadCount(sources), 4);
}

TEST_F(FakeCpus, CgroupV1Quota) {
  smtMachine();
  write("/proc/self/cgroup",
        "5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n");
  // In the container only its own cgroup is mounted, as the root.
  write("/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "300000\n");
  write("/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(defaultThreadCount(sources), 3);
  write("/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  EXPECT_EQ(defaultThreadCount(sources), 4);
}

} // namespace
