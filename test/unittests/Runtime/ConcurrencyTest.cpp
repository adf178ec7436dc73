//===- ConcurrencyTest.cpp - The C API's thread contract (runtime.h) ------===//
//
// Several threads share one model: each creates, runs and destroys its own
// sessions, calls attnc_model_run, and fails on purpose, all at once. Their
// outputs must be those of a single-threaded run of the same inputs, and
// each thread must read its own error message. tools/test.sh runs these
// (ctest -L runtime) under ThreadSanitizer too.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestSupport.h"

#include "attnc/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace attnc;
using namespace attnc::test;

namespace {

/// One set of inputs of the fake model (x: f32[batch, seq, 4], t: f32[seq]).
struct Case {
  Case(int64_t batch, int64_t seq, float scale)
      : xShape{batch, seq, 4}, tShape{seq}, x(batch * seq * 4), t(seq) {
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = scale * static_cast<float>(i % 7) - 1.5f;
    for (size_t i = 0; i < t.size(); ++i)
      t[i] = scale + static_cast<float>(i);
  }
  std::vector<attnc_tensor> tensors(const char *xName = "x") {
    return {{xName, ATTNC_DTYPE_F32, 3, xShape.data(), x.data()},
            {"t", ATTNC_DTYPE_F32, 1, tShape.data(), t.data()}};
  }
  std::vector<int64_t> xShape, tShape;
  std::vector<float> x, t;
};

/// The bytes of every output, in order.
std::vector<std::string> snapshot(const attnc_tensor_list *outputs) {
  std::vector<std::string> bytes;
  for (size_t k = 0; k < attnc_tensor_list_size(outputs); ++k) {
    const attnc_tensor &out = *attnc_tensor_list_at(outputs, k);
    size_t size = attnc_dtype_size(out.dtype);
    for (int32_t d = 0; d < out.rank; ++d)
      size *= static_cast<size_t>(out.shape[d]);
    bytes.emplace_back(static_cast<const char *>(out.data), size);
  }
  return bytes;
}

class ConcurrencyTest : public testing::Test {
protected:
  void SetUp() override {
    writeTensors(weights.str(), {{"w.weight", f32({1.5f, -2, 0.25f, 3}, {4})}});
    model.load(weights.str());
    for (int i = 0; i < kCases; ++i)
      cases.emplace_back(1 + i % 3, 1 + (i * 5) % 7, 0.5f + i);
    // The reference: one thread, one session.
    attnc_session *session = nullptr;
    ASSERT_EQ(attnc_session_create(model, &session), ATTNC_OK);
    for (Case &c : cases) {
      std::vector<attnc_tensor> in = c.tensors();
      const attnc_tensor_list *outputs = nullptr;
      ASSERT_EQ(attnc_session_run(session, in.data(), in.size(), &outputs),
                ATTNC_OK)
          << attnc_last_error();
      expected.push_back(snapshot(outputs));
    }
    attnc_session_destroy(session);
  }

  static constexpr int kCases = 12, kThreads = 4, kRounds = 6;
  TempPath weights{"w.safetensors"};
  ModelHandle model{ATTNC_FAKE_MODEL};
  std::vector<Case> cases;
  std::vector<std::vector<std::string>> expected;
};

TEST_F(ConcurrencyTest, ThreadsMatchASingleThreadedRun) {
  std::vector<std::string> problems(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int id = 0; id < kThreads; ++id)
    threads.emplace_back([&, id] {
      std::string &problem = problems[id];
      const std::string badName = "x" + std::to_string(id);
      attnc_session *session = nullptr;
      if (attnc_session_create(model, &session) != ATTNC_OK)
        problem = std::string("session_create: ") + attnc_last_error();
      // Start together, so that the runs overlap. (Session creation and
      // attnc_model_run count sessions in an atomic, which orders what comes
      // before them; between those, the threads run unordered.)
      ready.fetch_add(1);
      while (ready.load() < kThreads)
        std::this_thread::yield();
      for (int round = 0; round < kRounds && problem.empty(); ++round)
        for (int k = 0; k < kCases && problem.empty(); ++k) {
          // Each thread walks the cases in its own order.
          int i = (k * (2 * id + 1) + round) % kCases;
          std::vector<attnc_tensor> in = cases[i].tensors();
          const attnc_tensor_list *outputs = nullptr;
          if (attnc_session_run(session, in.data(), in.size(), &outputs) !=
              ATTNC_OK)
            problem = std::string("session_run: ") + attnc_last_error();
          else if (snapshot(outputs) != expected[i])
            problem = "session outputs of case " + std::to_string(i) +
                      " differ from the single-threaded run";

          // A failure in between: the message is this thread's own, and
          // the session stays usable.
          std::vector<attnc_tensor> bad = cases[i].tensors(badName.c_str());
          if (problem.empty() &&
              (attnc_session_run(session, bad.data(), bad.size(), &outputs) !=
                   ATTNC_ERROR_MISMATCH ||
               std::string(attnc_last_error())
                       .find("unknown input '" + badName + "'") ==
                   std::string::npos))
            problem = std::string("wrong error for input '") + badName +
                      "': " + attnc_last_error();

          if (k % 4 != id % 4 || !problem.empty())
            continue;
          attnc_tensor_list *owned = nullptr;
          if (attnc_model_run(model, in.data(), in.size(), &owned) !=
                  ATTNC_OK ||
              snapshot(owned) != expected[i])
            problem = "attnc_model_run of case " + std::to_string(i) +
                      " failed or differs: " + attnc_last_error();
          attnc_tensor_list_destroy(owned);
        }
      attnc_session_destroy(session);
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(problems, std::vector<std::string>(kThreads));
}

} // namespace
