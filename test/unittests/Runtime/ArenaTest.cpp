//===- ArenaTest.cpp - The scratch memory a model takes after its outputs -===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.h"

#include "FakeModelHooks.h"
#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <sys/resource.h>

using namespace attnc;
using attnc::test::FakeModelHooks;
using attnc::test::TempPath;

namespace {

// FakeModel.c's manifest with an arena of 48 * batch * seq + 0 bytes.
const char kArenaManifest[] =
    R"({"abi_version": 1, "name": "fake", "dims": ["batch", "seq"],
        "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
                   {"name": "t", "dtype": "f32", "shape": ["seq"]}],
        "params": [{"name": "w", "tensor": "w.weight", "dtype": "f32",
                    "shape": [4]}],
        "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]},
                    {"name": "shape", "dtype": "i64", "shape": [2]}],
        "arena": {"alignment": 64,
                  "forward": [{"bytes": 48, "times": ["batch", "seq"]},
                              {"bytes": 0, "times": []}]}})";

class ArenaTest : public testing::Test {
protected:
  void SetUp() override {
    hooks.setManifest(kArenaManifest);
    hooks.setArenaBytesPerToken(48);
    ASSERT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_OK)
        << attnc_last_error();
    TempPath path("w.safetensors");
    float w[4] = {1, 2, 3, 4};
    ASSERT_TRUE(st::write(path.str(),
                          {{"w.weight", {ATTNC_DTYPE_F32, {4}, w}}}));
    ASSERT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_OK)
        << attnc_last_error();
    ASSERT_EQ(attnc_session_create(model, &session), ATTNC_OK)
        << attnc_last_error();
  }
  void TearDown() override {
    attnc_session_destroy(session);
    attnc_model_destroy(model);
  }

  /// Runs on batch x seq tokens; returns the arena the model was given.
  void *run(int64_t batch, int64_t seq) {
    std::vector<float> x(batch * seq * 4, 1.0f), t(seq, 0.0f);
    int64_t xShape[3] = {batch, seq, 4}, tShape[1] = {seq};
    attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                              {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}};
    const attnc_tensor_list *outputs = nullptr;
    EXPECT_EQ(attnc_session_run(session, inputs, 2, &outputs), ATTNC_OK)
        << attnc_last_error();
    return hooks.lastArena();
  }

  /// The calling thread's page faults so far.
  static long pageFaults() {
    rusage usage;
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_minflt + usage.ru_majflt;
  }

  FakeModelHooks hooks;
  attnc_model *model = nullptr;
  attnc_session *session = nullptr;
};

TEST_F(ArenaTest, ReserveAllocatesTheArenaBeforeTheFirstRun) {
  int64_t dims[2] = {16, 64};
  ASSERT_EQ(attnc_session_reserve(session, dims, 2), ATTNC_OK)
      << attnc_last_error();
  void *small = run(1, 3);
  EXPECT_EQ(run(16, 64), small)
      << "the reserved arena serves the larger run without growing";
}

TEST_F(ArenaTest, ReservedMemoryIsMappedBeforeTheFirstRun) {
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
  // ThreadSanitizer's shadow of the arena and output is mapped in on their
  // first access, inside the run, whatever reserve did.
  GTEST_SKIP() << "page faults of ThreadSanitizer's shadow memory";
#endif
#endif
  // Arena 48 * 64 * 1024 bytes (768 pages of 4 KiB), output y 1 MiB: the
  // model writes all of both. Reserved, the run takes none of their faults.
  int64_t batch = 64, seq = 1024;
  int64_t dims[2] = {batch, seq};
  ASSERT_EQ(attnc_session_reserve(session, dims, 2), ATTNC_OK)
      << attnc_last_error();
  std::vector<float> x(batch * seq * 4, 1.0f), t(seq, 0.0f);
  int64_t xShape[3] = {batch, seq, 4}, tShape[1] = {seq};
  attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                            {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}};
  const attnc_tensor_list *outputs = nullptr;
  long before = pageFaults();
  ASSERT_EQ(attnc_session_run(session, inputs, 2, &outputs), ATTNC_OK)
      << attnc_last_error();
  EXPECT_LT(pageFaults() - before, 64)
      << "the first run faulted in memory that reserve should have mapped";
}

TEST_F(ArenaTest, ReserveRejectsBadDims) {
  int64_t one[1] = {4};
  EXPECT_EQ(attnc_session_reserve(session, one, 1),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error(),
               "model 'fake' has 2 dynamic dims, reserve was given 1");
  int64_t zero[2] = {2, 0};
  EXPECT_EQ(attnc_session_reserve(session, zero, 2),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error(),
               "reserve: dim 'seq' must be at least 1, got 0");
  EXPECT_EQ(attnc_session_reserve(nullptr, zero, 2),
            ATTNC_ERROR_INVALID_ARGUMENT);
}

TEST_F(ArenaTest, IsPassedAfterTheOutputsAligned) {
  void *arena = run(2, 3);
  ASSERT_NE(arena, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arena) % 64, 0u);
}

TEST_F(ArenaTest, IsKeptWhileLargeEnoughAndGrownOtherwise) {
  void *first = run(2, 8);
  EXPECT_EQ(run(1, 3), first) << "a smaller call reuses the arena";
  // 64 times the first size: the model writes all of it.
  void *grown = run(16, 64);
  ASSERT_NE(grown, nullptr);
  EXPECT_EQ(run(16, 64), grown);
}

TEST(ArenaManifestTest, RejectsUnknownNames) {
  FakeModelHooks hooks;
  struct Case {
    const char *arena;
    const char *message;
  } cases[] = {
      {R"({"forward": [{"bytes": 4, "times": ["position"]}]})",
       "\"arena\".\"forward\": \"position\" is none of the dims [n]"},
      {R"({"step": [{"bytes": 4, "times": ["n", "tokens"]}]})",
       "\"arena\".\"step\": \"tokens\" is none of the dims [n] nor capacity "
       "or position"},
      {R"({"forward": [{"bytes": -4, "times": []}]})",
       "\"arena\".\"forward\": expected {\"bytes\": a size, \"times\": "
       "[names]}, found {\"bytes\":-4,\"times\":[]}"},
      {R"({"alignment": 128, "forward": []})",
       "\"arena\": \"alignment\" must divide 64, found 128"},
      {R"([])", "\"arena\" must be an object, found []"},
  };
  for (const Case &c : cases) {
    std::string json =
        std::string(R"({"abi_version": 1, "name": "m", "dims": ["n"],
            "inputs": [{"name": "x", "dtype": "f32", "shape": ["n"]}],
            "params": [], "outputs": [], "arena": )") +
        c.arena + "}";
    hooks.setManifest(json.c_str());
    attnc_model *model = nullptr;
    EXPECT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_ERROR_FORMAT)
        << c.arena;
    EXPECT_EQ(attnc_last_error(), std::string("'") + ATTNC_FAKE_MODEL +
                                      "': invalid manifest: " + c.message);
    attnc_model_destroy(model);
  }
}

} // namespace
