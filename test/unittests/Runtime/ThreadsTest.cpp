//===- ThreadsTest.cpp - Thread counts reach the model's libomp -----------===//
#include "attnc/runtime.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <utility>

namespace {

/// What the model's forward saw requested of libomp before it: the thread
/// count (0: none) and the workers' spin time in ms (-1: none).
std::pair<int64_t, int64_t> runAndGetRequests(const attnc::Model &model) {
  attnc::Expected<attnc::TensorList> out = model.run({});
  EXPECT_TRUE(out) << (out ? "" : out.error().message());
  if (!out)
    return {-1, -2};
  auto *values = static_cast<const int64_t *>((*out)[0].data);
  return {values[0], values[1]};
}

int64_t runAndGetThreads(const attnc::Model &model) {
  return runAndGetRequests(model).first;
}

class ThreadsTest : public testing::Test {
protected:
  void SetUp() override { clearEnvironment(); }
  void TearDown() override { clearEnvironment(); }
  static void clearEnvironment() {
    for (const char *name : {"ATTNC_NUM_THREADS", "OMP_NUM_THREADS",
                             "KMP_BLOCKTIME", "OMP_WAIT_POLICY", "KMP_LIBRARY"})
      unsetenv(name);
  }

  attnc::Model open() {
    attnc::Expected<attnc::Model> model =
        attnc::Model::open(ATTNC_THREADED_MODEL);
    EXPECT_TRUE(model) << (model ? "" : model.error().message());
    return std::move(*model);
  }
};

// One per physical core the process may use (ThreadCountTest checks the
// count against fake topologies and quotas), never more than its CPUs.
TEST_F(ThreadsTest, DefaultIsOnePerCore) {
  attnc::Model model = open();
  int64_t threads = runAndGetThreads(model);
  EXPECT_GE(threads, 1);
  EXPECT_LE(threads, static_cast<int64_t>(std::thread::hardware_concurrency()));
}

TEST_F(ThreadsTest, OmpNumThreadsLeavesOpenMPAlone) {
  setenv("OMP_NUM_THREADS", "3", 1);
  attnc::Model model = open();
  EXPECT_EQ(runAndGetThreads(model), 0);
}

TEST_F(ThreadsTest, EveryRunAppliesTheCount) {
  attnc::Model model = open();
  int64_t byDefault = runAndGetThreads(model);
  ASSERT_TRUE(model.setNumThreads(3));
  EXPECT_EQ(runAndGetThreads(model), 3);
  EXPECT_EQ(runAndGetThreads(model), 3);
  ASSERT_TRUE(model.setNumThreads(0));
  EXPECT_EQ(runAndGetThreads(model), byDefault);
}

TEST_F(ThreadsTest, EnvironmentGivesTheDefault) {
  setenv("ATTNC_NUM_THREADS", "2", 1);
  attnc::Model model = open();
  EXPECT_EQ(runAndGetThreads(model), 2);
  ASSERT_TRUE(model.setNumThreads(5));
  EXPECT_EQ(runAndGetThreads(model), 5);
  ASSERT_TRUE(model.setNumThreads(0));
  EXPECT_EQ(runAndGetThreads(model), 2);
}

// libomp's default spin of 200 ms after every run kept the workers' cores
// busy: every run asks for a short one, whatever the thread count.
TEST_F(ThreadsTest, EveryRunAsksForAShortSpin) {
  attnc::Model model = open();
  for (int32_t count : {0, 3}) {
    ASSERT_TRUE(model.setNumThreads(count));
    auto [threads, spinMs] = runAndGetRequests(model);
    if (count)
      EXPECT_EQ(threads, count);
    EXPECT_GE(spinMs, 1);
    EXPECT_LE(spinMs, 20);
  }
}

TEST_F(ThreadsTest, EnvironmentWaitPolicyIsLibompsToFollow) {
  for (auto [name, value] : {std::pair{"KMP_BLOCKTIME", "100"},
                             std::pair{"OMP_WAIT_POLICY", "active"},
                             std::pair{"KMP_LIBRARY", "turnaround"}}) {
    setenv(name, value, 1);
    attnc::Model model = open();
    EXPECT_EQ(runAndGetRequests(model).second, -1) << name;
    unsetenv(name);
  }
}

TEST_F(ThreadsTest, BadEnvironmentIsAnError) {
  for (const char *bad : {"zero", "0", "-1", "2x", "100000"}) {
    setenv("ATTNC_NUM_THREADS", bad, 1);
    attnc::Expected<attnc::Model> model =
        attnc::Model::open(ATTNC_THREADED_MODEL);
    ASSERT_FALSE(model) << bad;
    EXPECT_EQ(model.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(model.error().message().find("ATTNC_NUM_THREADS"),
              std::string::npos)
        << model.error().message();
  }
}

TEST_F(ThreadsTest, BadCountIsAnError) {
  attnc::Model model = open();
  attnc::Status s = model.setNumThreads(-1);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attnc_model_set_num_threads(nullptr, 1),
            ATTNC_ERROR_INVALID_ARGUMENT);
}

TEST_F(ThreadsTest, ModelsWithoutThreadsIgnoreTheCount) {
  attnc::Expected<attnc::Model> model = attnc::Model::open(ATTNC_FAKE_MODEL);
  ASSERT_TRUE(model);
  EXPECT_TRUE(model->setNumThreads(4));
}

} // namespace
