//===- MemoryLimitTest.cpp - The memory budget through the C API ----------===//
//
// ATTNC_MEMORY_LIMIT stands in for a small machine: loads and runs over it
// fail with ATTNC_ERROR_OUT_OF_MEMORY before allocating, and leave what the
// model and session held before usable.
//
//===----------------------------------------------------------------------===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.h"

#include "FakeModelHooks.h"
#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

using namespace attnc;
using attnc::test::FakeModelHooks;
using attnc::test::TempPath;

namespace {

/// Sets ATTNC_MEMORY_LIMIT for one scope.
class ScopedLimit {
public:
  explicit ScopedLimit(const char *value) {
    setenv("ATTNC_MEMORY_LIMIT", value, 1);
  }
  ~ScopedLimit() { unsetenv("ATTNC_MEMORY_LIMIT"); }
};

class MemoryLimitTest : public testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_OK)
        << attnc_last_error();
  }
  void TearDown() override {
    attnc_session_destroy(session);
    attnc_model_destroy(model);
  }

  void writeWeights(const TempPath &path, std::vector<float> w) {
    ASSERT_TRUE(
        st::write(path.str(), {{"w.weight", {ATTNC_DTYPE_F32, {4}, w.data()}}}));
  }

  /// y of a run on batch x seq ones, or the status.
  attnc_status run(int64_t batch, int64_t seq, std::vector<float> *y) {
    std::vector<float> x(batch * seq * 4, 1.0f), t(seq, 0.0f);
    int64_t xShape[3] = {batch, seq, 4}, tShape[1] = {seq};
    attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                              {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}};
    const attnc_tensor_list *outputs = nullptr;
    attnc_status s = attnc_session_run(session, inputs, 2, &outputs);
    if (s == ATTNC_OK && y) {
      const float *data =
          static_cast<const float *>(attnc_tensor_list_at(outputs, 0)->data);
      y->assign(data, data + batch * seq * 4);
    }
    return s;
  }

  FakeModelHooks hooks;
  attnc_model *model = nullptr;
  attnc_session *session = nullptr;
};

TEST_F(MemoryLimitTest, LoadOverTheLimitKeepsThePreviousWeights) {
  TempPath first("first.safetensors"), second("second.safetensors");
  writeWeights(first, {1, 2, 3, 4});
  writeWeights(second, {5, 6, 7, 8});
  ASSERT_EQ(attnc_model_load_weights(model, first.c_str()), ATTNC_OK)
      << attnc_last_error();
  {
    ScopedLimit limit("10");
    ASSERT_EQ(attnc_model_load_weights(model, second.c_str()),
              ATTNC_ERROR_OUT_OF_MEMORY);
    // w: f32[4], used in place in the file's mapping.
    EXPECT_EQ(attnc_last_error(),
              "model 'fake': loading the weights of '" + second.str() +
                  "' needs 16 bytes = weights in place 16, but the process "
                  "may use only 10 bytes, from ATTNC_MEMORY_LIMIT\n"
                  "the weights are held as f32 (as compiled; attnc compile "
                  "--weight-type bf16 halves them): give the process more "
                  "memory (or set ATTNC_MEMORY_LIMIT)");
  }
  ASSERT_EQ(attnc_session_create(model, &session), ATTNC_OK);
  std::vector<float> y;
  ASSERT_EQ(run(1, 1, &y), ATTNC_OK) << attnc_last_error();
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3, 4})) << "the first weights";
}

TEST_F(MemoryLimitTest, RunOverTheLimitSaysWhatWouldFit) {
  TempPath weights("w.safetensors");
  writeWeights(weights, {1, 2, 3, 4});
  ASSERT_EQ(attnc_model_load_weights(model, weights.c_str()), ATTNC_OK);
  ASSERT_EQ(attnc_session_create(model, &session), ATTNC_OK);
  ASSERT_EQ(run(1, 1, nullptr), ATTNC_OK);

  ScopedLimit limit("100");
  // y: 16 bytes per token, shape: 16 bytes.
  ASSERT_EQ(run(2, 4, nullptr), ATTNC_ERROR_OUT_OF_MEMORY);
  EXPECT_STREQ(attnc_last_error(),
               "model 'fake': a run with batch = 2, seq = 4 needs 144 bytes = "
               "outputs 144, but the process may use only 100 bytes, from "
               "ATTNC_MEMORY_LIMIT\n"
               // 16 * 1 * 4 + 16 = 80; 16 * 2 * 2 + 16 = 80 (seq 3: 112).
               "what would fit: batch at most 1; seq at most 2");
  std::vector<float> y;
  ASSERT_EQ(run(1, 2, &y), ATTNC_OK) << attnc_last_error();
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4}));
}

TEST_F(MemoryLimitTest, PlanNeedsNoWeights) {
  std::vector<float> x(2 * 3 * 4), t(3);
  int64_t xShape[3] = {2, 3, 4}, tShape[1] = {3};
  attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                            {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}};
  attnc_memory_plan plan{};
  {
    ScopedLimit limit("none");
    ASSERT_EQ(attnc_model_plan_memory(model, inputs, 2, 0, &plan), ATTNC_OK)
        << attnc_last_error();
    EXPECT_EQ(plan.weights, 16u);
    EXPECT_EQ(plan.outputs, 2u * 3 * 16 + 16);
    EXPECT_EQ(plan.arena, 0u);
    EXPECT_EQ(plan.kv_cache, 0u);
    EXPECT_EQ(plan.total, 128u);
    EXPECT_EQ(plan.limit, UINT64_MAX);
    EXPECT_STREQ(plan.limit_source, "ATTNC_MEMORY_LIMIT");
    EXPECT_STREQ(plan.verdict, "");
  }
  {
    ScopedLimit limit("100");
    ASSERT_EQ(attnc_model_plan_memory(model, inputs, 2, 0, &plan), ATTNC_OK);
    EXPECT_EQ(plan.limit, 100u);
    EXPECT_EQ(std::string(plan.verdict),
              "model 'fake' with batch = 2, seq = 3 needs 128 bytes = "
              "weights 16 + outputs 112, but the process may use only 100 "
              "bytes, from ATTNC_MEMORY_LIMIT\n"
              "what would fit: batch at most 1; seq at most 2");
  }
  EXPECT_EQ(attnc_model_plan_memory(model, inputs, 2, 5, &plan),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error(),
               "attnc_model_plan_memory: model has no KV cache");
  {
    ScopedLimit limit("12 apples");
    EXPECT_EQ(attnc_model_plan_memory(model, inputs, 2, 0, &plan),
              ATTNC_ERROR_INVALID_ARGUMENT);
  }
}

} // namespace
