//===- SessionTest.cpp - Sessions: reuse, lifetimes, threads --------------===//
//
// The fake model computes y[b, s, i] = x[b, s, i] * w[i] + t[s]; the tests
// compare with that formula evaluated here.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestSupport.h"

#include "attnc/runtime.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace attnc;
using namespace attnc::test;

namespace {

struct Inputs {
  Inputs(int64_t batch, int64_t seq, float scale = 1)
      : xShape{batch, seq, 4}, tShape{seq}, x(batch * seq * 4), t(seq) {
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = scale * static_cast<float>(i % 13) - 3;
    for (size_t i = 0; i < t.size(); ++i)
      t[i] = 10.0f * static_cast<float>(i + 1);
  }

  std::vector<attnc_tensor> tensors() {
    return {{"x", ATTNC_DTYPE_F32, 3, xShape.data(), x.data()},
            {"t", ATTNC_DTYPE_F32, 1, tShape.data(), t.data()}};
  }

  std::vector<float> expected(const std::vector<float> &w) const {
    std::vector<float> y(x.size());
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = x[i] * w[i % 4] + t[(i / 4) % t.size()];
    return y;
  }

  std::vector<int64_t> xShape, tShape;
  std::vector<float> x, t;
};

class SessionTest : public testing::Test {
protected:
  void SetUp() override {
    writeTensors(weights.str(), {{"w.weight", f32(w, {4})}});
    model.load(weights.str());
  }

  attnc_session *create() {
    attnc_session *session = nullptr;
    EXPECT_EQ(attnc_session_create(model, &session), ATTNC_OK)
        << attnc_last_error();
    return session;
  }

  const std::vector<float> w = {2, -1, 0.5f, 4};
  TempPath weights{"w.safetensors"};
  ModelHandle model{ATTNC_FAKE_MODEL};
};

TEST_F(SessionTest, RunsAndReusesItsOutputs) {
  attnc_session *session = create();
  Inputs first(2, 3), second(2, 3, 2);
  std::vector<attnc_tensor> in1 = first.tensors(), in2 = second.tensors();

  const attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_session_run(session, in1.data(), in1.size(), &outputs),
            ATTNC_OK)
      << attnc_last_error();
  ASSERT_EQ(attnc_tensor_list_size(outputs), 2u);
  EXPECT_EQ(floats(*attnc_tensor_list_at(outputs, 0)), first.expected(w));
  const void *firstData = attnc_tensor_list_at(outputs, 0)->data;

  const attnc_tensor_list *again = nullptr;
  ASSERT_EQ(attnc_session_run(session, in2.data(), in2.size(), &again),
            ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(again, outputs);
  EXPECT_EQ(attnc_tensor_list_at(again, 0)->data, firstData);
  EXPECT_EQ(floats(*attnc_tensor_list_at(again, 0)), second.expected(w));
  attnc_session_destroy(session);
}

TEST_F(SessionTest, ShapesMayChangeBetweenRuns) {
  attnc_session *session = create();
  for (auto [batch, seq] : {std::pair{1, 1}, {3, 5}, {2, 2}, {4, 7}}) {
    Inputs in(batch, seq);
    std::vector<attnc_tensor> inputs = in.tensors();
    const attnc_tensor_list *outputs = nullptr;
    ASSERT_EQ(attnc_session_run(session, inputs.data(), inputs.size(),
                                &outputs),
              ATTNC_OK)
        << attnc_last_error();
    const attnc_tensor *y = attnc_tensor_list_find(outputs, "y");
    EXPECT_EQ(std::vector<int64_t>(y->shape, y->shape + 3),
              (std::vector<int64_t>{batch, seq, 4}));
    EXPECT_EQ(floats(*y), in.expected(w));
  }
  attnc_session_destroy(session);
}

TEST_F(SessionTest, FailedRunLeavesTheSessionUsable) {
  attnc_session *session = create();
  Inputs in(1, 2);
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs[1].name = "q";
  const attnc_tensor_list *outputs = nullptr;
  EXPECT_EQ(attnc_session_run(session, inputs.data(), inputs.size(), &outputs),
            ATTNC_ERROR_MISMATCH);
  EXPECT_EQ(outputs, nullptr);
  inputs[1].name = "t";
  ASSERT_EQ(attnc_session_run(session, inputs.data(), inputs.size(), &outputs),
            ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(floats(*attnc_tensor_list_at(outputs, 0)), in.expected(w));
  attnc_session_destroy(session);
}

TEST_F(SessionTest, ConcurrentSessionsOnOneModel) {
  constexpr int kThreads = 4, kRuns = 40;
  std::vector<attnc_session *> sessions;
  for (int i = 0; i < kThreads; ++i)
    sessions.push_back(create());
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int run = 0; run < kRuns; ++run) {
        Inputs in(1 + (run + i) % 3, 1 + (run * i) % 5, 1.0f + i);
        std::vector<attnc_tensor> inputs = in.tensors();
        const attnc_tensor_list *outputs = nullptr;
        if (attnc_session_run(sessions[i], inputs.data(), inputs.size(),
                              &outputs) != ATTNC_OK ||
            floats(*attnc_tensor_list_at(outputs, 0)) != in.expected(w))
          ++failures[i];
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures, std::vector<int>(kThreads, 0));
  for (attnc_session *session : sessions)
    attnc_session_destroy(session);
}

TEST_F(SessionTest, WeightsCannotChangeUnderASession) {
  attnc_session *first = create(), *second = create();
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_STATE),
            "model 'fake': cannot replace its weights while 2 sessions use "
            "it; destroy them first");
  attnc_session_destroy(first);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_STATE),
            "model 'fake': cannot replace its weights while 1 session uses "
            "it; destroy them first");
  attnc_session_destroy(second);
  model.load(weights.str());
}

TEST_F(SessionTest, ModelRunWorksBesideSessions) {
  attnc_session *session = create();
  Inputs in(2, 2);
  std::vector<attnc_tensor> inputs = in.tensors();
  attnc_tensor_list *owned = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &owned),
            ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(floats(*attnc_tensor_list_at(owned, 0)), in.expected(w));
  attnc_tensor_list_destroy(owned);
  // The temporary session of attnc_model_run is gone: one remains.
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_STATE),
            "model 'fake': cannot replace its weights while 1 session uses "
            "it; destroy them first");
  attnc_session_destroy(session);
}

TEST(SessionLifetimeTest, NeedsWeights) {
  ModelHandle model(ATTNC_FAKE_MODEL);
  attnc_session *session = nullptr;
  EXPECT_EQ(attnc_session_create(model, &session), ATTNC_ERROR_STATE);
  EXPECT_EQ(session, nullptr);
  EXPECT_STREQ(attnc_last_error(),
               "model 'fake' has no weights: load them before running it");
}

TEST(SessionLifetimeTest, NullArguments) {
  ModelHandle model(ATTNC_FAKE_MODEL);
  attnc_session *session = nullptr;
  EXPECT_EQ(attnc_session_create(nullptr, &session),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attnc_session_create(model, nullptr),
            ATTNC_ERROR_INVALID_ARGUMENT);
  const attnc_tensor_list *outputs = nullptr;
  EXPECT_EQ(attnc_session_run(nullptr, nullptr, 0, &outputs),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error(),
               "attnc_session_run: session and outputs must not be NULL");
  attnc_session_destroy(nullptr);
  EXPECT_EQ(attnc_model_fingerprint(nullptr), nullptr);
  EXPECT_EQ(attnc_model_num_constants(nullptr), 0u);
}

TEST(SessionCppTest, RunsThroughRuntimeHpp) {
  TempPath weights("w.safetensors");
  std::vector<float> w = {1, 2, 3, 4};
  writeTensors(weights.str(), {{"w.weight", f32(w, {4})}});
  Expected<Model> model = Model::open(ATTNC_FAKE_MODEL);
  ASSERT_TRUE(model) << model.error().message();
  ASSERT_TRUE(model->loadWeights(weights.str()));
  EXPECT_EQ(model->fingerprint(), "");
  EXPECT_TRUE(model->constants().empty());

  Expected<Session> session = model->createSession();
  ASSERT_TRUE(session) << session.error().message();
  Inputs in(1, 3);
  Expected<OutputView> outputs = session->run(in.tensors());
  ASSERT_TRUE(outputs) << outputs.error().message();
  ASSERT_TRUE(outputs->find("y"));
  EXPECT_EQ(floats(*outputs->find("y")), in.expected(w));
  EXPECT_EQ(outputs->size(), 2u);

  Status reload = model->loadWeights(weights.str());
  ASSERT_FALSE(reload);
  EXPECT_EQ(reload.error().code(), ATTNC_ERROR_STATE);
}

} // namespace
