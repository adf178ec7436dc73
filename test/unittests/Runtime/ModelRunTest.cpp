//===- ModelRunTest.cpp - Weights, inputs and runs through the C API ------===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.h"

#include "FakeModelHooks.h"
#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

using namespace attnc;
using attnc::test::FakeModelHooks;
using attnc::test::safetensorsBytes;
using attnc::test::TempPath;

namespace {

/// x, t and their shapes, as the fake model takes them.
struct FakeInputs {
  FakeInputs(int64_t batch, int64_t seq)
      : xShape{batch, seq, 4}, tShape{seq}, x(batch * seq * 4), t(seq) {
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = 0.5f * static_cast<float>(i);
    for (size_t i = 0; i < t.size(); ++i)
      t[i] = 100.0f * static_cast<float>(i + 1);
  }

  std::vector<attnc_tensor> tensors() {
    return {{"x", ATTNC_DTYPE_F32, 3, xShape.data(), x.data()},
            {"t", ATTNC_DTYPE_F32, 1, tShape.data(), t.data()}};
  }

  /// y as the fake model defines it.
  std::vector<float> expected(const std::vector<float> &w) const {
    std::vector<float> y(x.size());
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = x[i] * w[i % 4] + t[(i / 4) % t.size()];
    return y;
  }

  std::vector<int64_t> xShape, tShape;
  std::vector<float> x, t;
};

std::vector<float> floats(const attnc_tensor &tensor) {
  size_t count = 1;
  for (int32_t i = 0; i < tensor.rank; ++i)
    count *= tensor.shape[i];
  const auto *data = static_cast<const float *>(tensor.data);
  return std::vector<float>(data, data + count);
}

class FakeModelTest : public testing::Test {
protected:
  void SetUp() override { open(); }
  void TearDown() override { attnc_model_destroy(model); }

  void open() {
    attnc_model_destroy(model);
    model = nullptr;
    ASSERT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_OK)
        << attnc_last_error();
  }

  void writeWeights(const TempPath &path, const std::vector<float> &w,
                    std::map<std::string, st::TensorView> extra = {}) {
    extra.emplace("w.weight", st::TensorView{ATTNC_DTYPE_F32, {4}, w.data()});
    Status s = st::write(path.str(), extra);
    ASSERT_TRUE(s) << s.error().message();
  }

  void loadWeights(const std::vector<float> &w) {
    TempPath path("w.safetensors");
    writeWeights(path, w);
    ASSERT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_OK)
        << attnc_last_error();
  }

  /// Runs and expects failure with `status`; returns the message.
  std::string runError(std::vector<attnc_tensor> inputs,
                       attnc_status status = ATTNC_ERROR_MISMATCH) {
    attnc_tensor_list *outputs = nullptr;
    EXPECT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
              status);
    EXPECT_EQ(outputs, nullptr);
    return attnc_last_error();
  }

  attnc_model *model = nullptr;
  const std::vector<float> w = {1, -2, 0.5f, 3};
};

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

TEST_F(FakeModelTest, LoadsMatchingWeights) {
  loadWeights(w);
  EXPECT_EQ(attnc_model_num_warnings(model), 0u);
}

TEST_F(FakeModelTest, ReportsLoadProgress) {
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  auto record = [](void *data, uint64_t done, uint64_t total) {
    static_cast<std::vector<std::pair<uint64_t, uint64_t>> *>(data)
        ->push_back({done, total});
  };
  ASSERT_EQ(attnc_model_set_load_progress(model, record, &calls), ATTNC_OK);
  loadWeights(w);
  // The fake model's one parameter: f32[4], 16 bytes.
  EXPECT_EQ(calls, (std::vector<std::pair<uint64_t, uint64_t>>{{16, 16}}));
  ASSERT_EQ(attnc_model_set_load_progress(model, nullptr, nullptr), ATTNC_OK);
  loadWeights(w);
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_EQ(attnc_model_set_load_progress(nullptr, record, &calls),
            ATTNC_ERROR_INVALID_ARGUMENT);
}

TEST_F(FakeModelTest, WarnsOnceAboutALayerOfUnusedTensors) {
  // A checkpoint's per-layer buffers (GPT-2's h.{i}.attn.bias) share one
  // warning per file; a tensor alone in its template keeps its own.
  TempPath path("w.safetensors");
  float bias[2] = {0, 0};
  st::TensorView view{ATTNC_DTYPE_F32, {2}, bias};
  writeWeights(path, w,
               {{"h.0.attn.bias", view}, {"h.1.attn.bias", view},
                {"h.2.attn.bias", view}, {"blk.0.a", view}, {"blk.2.a", view},
                {"h.5.x", view}});
  ASSERT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_OK)
      << attnc_last_error();
  ASSERT_EQ(attnc_model_num_warnings(model), 3u);
  EXPECT_EQ(attnc_model_warning(model, 0),
            path.str() + ": 2 tensors 'blk.{i}.a' (i = 0, 2) are not used by "
                         "model 'fake'");
  EXPECT_EQ(attnc_model_warning(model, 1),
            path.str() + ": 3 tensors 'h.{i}.attn.bias' (i = 0..2) are not "
                         "used by model 'fake'");
  EXPECT_EQ(attnc_model_warning(model, 2),
            path.str() + ": tensor 'h.5.x' is not used by model 'fake'");
}

TEST_F(FakeModelTest, WarnsAboutUnusedTensors) {
  TempPath path("w.safetensors");
  float bias[2] = {0, 0};
  writeWeights(path, w, {{"unused.bias", {ATTNC_DTYPE_F32, {2}, bias}}});
  ASSERT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_OK)
      << attnc_last_error();
  ASSERT_EQ(attnc_model_num_warnings(model), 1u);
  EXPECT_EQ(attnc_model_warning(model, 0),
            path.str() + ": tensor 'unused.bias' is not used by model 'fake'");
  EXPECT_EQ(attnc_model_warning(model, 1), nullptr);
}

TEST_F(FakeModelTest, ReportsEveryMismatchedParameter) {
  FakeModelHooks hooks;
  hooks.setManifest(R"({"abi_version": 1, "name": "m", "dims": [],
      "inputs": [], "outputs": [], "params": [
        {"name": "wq", "tensor": "attn.q_proj.weight", "dtype": "f32",
         "shape": [256, 256]},
        {"name": "b", "tensor": "x", "dtype": "f32", "shape": [2]},
        {"name": "wk", "tensor": "attn.k_proj.weight", "dtype": "f32",
         "shape": [256, 256]},
        {"name": "ok", "tensor": "ok", "dtype": "i64", "shape": [1]}]})");
  open();
  TempPath path("w.safetensors");
  std::vector<int32_t> ints(2);
  std::vector<float> small(128 * 256);
  int64_t one = 1;
  ASSERT_TRUE(st::write(
      path.str(),
      {{"x", {ATTNC_DTYPE_I32, {2}, ints.data()}},
       {"attn.k_proj.weight", {ATTNC_DTYPE_F32, {128, 256}, small.data()}},
       {"ok", {ATTNC_DTYPE_I64, {1}, &one}}}));
  EXPECT_EQ(attnc_model_load_weights(model, path.c_str()),
            ATTNC_ERROR_MISMATCH);
  EXPECT_EQ(attnc_last_error(),
            path.str() + ": missing tensor 'attn.q_proj.weight' (parameter "
                         "'wq', expected f32[256, 256])\n" +
                path.str() + ": tensor 'x': expected dtype F32, F16 or BF16, "
                             "found I32 (parameter 'b')\n" +
                path.str() + ": tensor 'attn.k_proj.weight': expected shape "
                             "[256, 256], found [128, 256] (parameter 'wk')");
}

TEST_F(FakeModelTest, MissingWeightsFile) {
  EXPECT_EQ(attnc_model_load_weights(model, "/nonexistent/w.safetensors"),
            ATTNC_ERROR_IO);
  EXPECT_STREQ(attnc_last_error(), "cannot open '/nonexistent/w.safetensors': "
                                   "No such file or directory");
}

TEST_F(FakeModelTest, CorruptWeightsFile) {
  TempPath path("w.safetensors");
  attnc::test::writeBytes(path.str(), safetensorsBytes("{\"w.weight\": 1}", ""));
  EXPECT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_ERROR_FORMAT);
  EXPECT_EQ(attnc_last_error(),
            path.str() + ": tensor 'w.weight': expected an object with dtype, "
                         "shape and data_offsets, found 1");
}

TEST_F(FakeModelTest, FailedLoadKeepsPreviousWeights) {
  loadWeights(w);
  EXPECT_NE(attnc_model_load_weights(model, "/nonexistent/w.safetensors"),
            ATTNC_OK);
  FakeInputs in(1, 2);
  std::vector<attnc_tensor> inputs = in.tensors();
  attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
            ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(floats(*attnc_tensor_list_at(outputs, 0)), in.expected(w));
  attnc_tensor_list_destroy(outputs);
}

// A reload that fails part way (the file opened, its header read) keeps the
// weights in use, whatever the damage; one that succeeds replaces them.
TEST_F(FakeModelTest, FailedReloadOfADamagedCheckpointKeepsPreviousWeights) {
  loadWeights(w);
  FakeInputs in(1, 2);
  auto outputsWith = [&](const std::vector<float> &weights) {
    std::vector<attnc_tensor> inputs = in.tensors();
    attnc_tensor_list *outputs = nullptr;
    ASSERT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
              ATTNC_OK)
        << attnc_last_error();
    EXPECT_EQ(floats(*attnc_tensor_list_at(outputs, 0)), in.expected(weights));
    attnc_tensor_list_destroy(outputs);
  };
  const std::vector<float> other = {9, 8, 7, 6};

  TempPath shape("shape.safetensors");
  std::vector<float> five(5, 9.0f);
  ASSERT_TRUE(st::write(shape.str(),
                        {{"w.weight", {ATTNC_DTYPE_F32, {5}, five.data()}}}));
  EXPECT_EQ(attnc_model_load_weights(model, shape.c_str()),
            ATTNC_ERROR_MISMATCH);
  outputsWith(w);

  TempPath cut("cut.safetensors");
  std::string data(reinterpret_cast<const char *>(other.data()), 12);
  attnc::test::writeBytes(
      cut.str(),
      safetensorsBytes(
          R"({"w.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})",
          data));
  EXPECT_EQ(attnc_model_load_weights(model, cut.c_str()), ATTNC_ERROR_FORMAT);
  EXPECT_NE(std::string(attnc_last_error()).find("extend past the end"),
            std::string::npos)
      << attnc_last_error();
  outputsWith(w);

  TempPath index("model.safetensors.index.json");
  attnc::test::writeBytes(index.str(),
                          R"({"weight_map": {"w.weight": "gone.safetensors"}})");
  EXPECT_EQ(attnc_model_load_weights(model, index.c_str()), ATTNC_ERROR_IO);
  outputsWith(w);

  loadWeights(other);
  outputsWith(other);
}

TEST_F(FakeModelTest, MisalignedWeightsAreCopied) {
  TempPath path("w.safetensors");
  // A 5-byte header puts the data section at file offset 13.
  std::string data(reinterpret_cast<const char *>(w.data()), 16);
  std::string header =
      R"({"w.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})";
  header.append((5 - header.size() % 8 + 8) % 8, ' ');
  ASSERT_EQ((8 + header.size()) % 4, 1u);
  attnc::test::writeBytes(path.str(), safetensorsBytes(header, data));
  ASSERT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_OK)
      << attnc_last_error();

  FakeInputs in(2, 3);
  std::vector<attnc_tensor> inputs = in.tensors();
  attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
            ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(floats(*attnc_tensor_list_at(outputs, 0)), in.expected(w));
  attnc_tensor_list_destroy(outputs);
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

TEST_F(FakeModelTest, RunBeforeLoadingWeights) {
  FakeInputs in(1, 1);
  EXPECT_EQ(runError(in.tensors(), ATTNC_ERROR_STATE),
            "model 'fake' has no weights: load them before running it");
}

TEST_F(FakeModelTest, ComputesOutputs) {
  loadWeights(w);
  FakeInputs in(2, 3);
  std::vector<attnc_tensor> inputs = in.tensors();
  attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
            ATTNC_OK)
      << attnc_last_error();
  ASSERT_EQ(attnc_tensor_list_size(outputs), 2u);

  const attnc_tensor *y = attnc_tensor_list_at(outputs, 0);
  EXPECT_STREQ(y->name, "y");
  EXPECT_EQ(y->dtype, ATTNC_DTYPE_F32);
  ASSERT_EQ(y->rank, 3);
  EXPECT_EQ(std::vector<int64_t>(y->shape, y->shape + 3),
            (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(floats(*y), in.expected(w));

  const attnc_tensor *shape = attnc_tensor_list_find(outputs, "shape");
  ASSERT_EQ(shape, attnc_tensor_list_at(outputs, 1));
  EXPECT_EQ(shape->dtype, ATTNC_DTYPE_I64);
  const auto *dims = static_cast<const int64_t *>(shape->data);
  EXPECT_EQ(dims[0], 2);
  EXPECT_EQ(dims[1], 3);

  EXPECT_EQ(attnc_tensor_list_find(outputs, "nothing"), nullptr);
  EXPECT_EQ(attnc_tensor_list_at(outputs, 2), nullptr);
  attnc_tensor_list_destroy(outputs);
}

TEST_F(FakeModelTest, InputsInAnyOrderAndOutputsOutliveTheModel) {
  loadWeights(w);
  FakeInputs in(3, 1);
  std::vector<attnc_tensor> inputs = in.tensors();
  std::swap(inputs[0], inputs[1]);
  attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
            ATTNC_OK)
      << attnc_last_error();
  attnc_model_destroy(model);
  model = nullptr;
  EXPECT_STREQ(attnc_tensor_list_at(outputs, 0)->name, "y");
  EXPECT_EQ(floats(*attnc_tensor_list_at(outputs, 0)), in.expected(w));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(FakeModelTest, MisalignedInputsAreCopied) {
  loadWeights(w);
  FakeInputs in(2, 2);
  std::vector<char> unaligned(in.x.size() * sizeof(float) + 1);
  std::memcpy(unaligned.data() + 1, in.x.data(), in.x.size() * sizeof(float));
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs[0].data = unaligned.data() + 1;
  attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
            ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(floats(*attnc_tensor_list_at(outputs, 0)), in.expected(w));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(FakeModelTest, ConcurrentRuns) {
  loadWeights(w);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      FakeInputs in(i + 1, 2 * i + 1);
      std::vector<attnc_tensor> inputs = in.tensors();
      for (int run = 0; run < 50; ++run) {
        attnc_tensor_list *outputs = nullptr;
        if (attnc_model_run(model, inputs.data(), inputs.size(), &outputs) ||
            floats(*attnc_tensor_list_at(outputs, 0)) != in.expected(w))
          ++failures[i];
        attnc_tensor_list_destroy(outputs);
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST_F(FakeModelTest, ForwardFailure) {
  FakeModelHooks hooks;
  hooks.setForwardResult(7);
  loadWeights(w);
  FakeInputs in(1, 1);
  EXPECT_EQ(runError(in.tensors(), ATTNC_ERROR_MODEL),
            "model 'fake': attnc_model_forward failed with code 7");
}

TEST_F(FakeModelTest, UnknownInput) {
  loadWeights(w);
  FakeInputs in(1, 1);
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs.push_back(inputs[1]);
  inputs.back().name = "z";
  EXPECT_EQ(runError(inputs), "unknown input 'z' (model 'fake' takes: x, t)");
}

TEST_F(FakeModelTest, MissingInput) {
  loadWeights(w);
  FakeInputs in(1, 1);
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs.pop_back();
  EXPECT_EQ(runError(inputs), "missing input 't' (expected f32[seq])");
}

TEST_F(FakeModelTest, DuplicateInput) {
  loadWeights(w);
  FakeInputs in(1, 1);
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs.push_back(inputs[0]);
  EXPECT_EQ(runError(inputs, ATTNC_ERROR_INVALID_ARGUMENT),
            "input 'x' is given twice");
}

TEST_F(FakeModelTest, WrongDType) {
  loadWeights(w);
  FakeInputs in(1, 1);
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs[0].dtype = ATTNC_DTYPE_I64;
  EXPECT_EQ(runError(inputs),
            "input 'x': expected dtype f32, f16 or bf16, found i64");
}

TEST_F(FakeModelTest, WrongRank) {
  loadWeights(w);
  FakeInputs in(2, 3);
  std::vector<int64_t> flat = {6, 4};
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs[0].rank = 2;
  inputs[0].shape = flat.data();
  EXPECT_EQ(runError(inputs), "input 'x': expected rank 3 "
                              "(f32[batch, seq, 4]), found rank 2 ([6, 4])");
}

TEST_F(FakeModelTest, WrongStaticSize) {
  loadWeights(w);
  FakeInputs in(2, 3);
  in.xShape[2] = 5;
  in.x.resize(2 * 3 * 5);
  EXPECT_EQ(runError(in.tensors()),
            "input 'x': expected shape [batch, seq, 4], found [2, 3, 5]");
}

TEST_F(FakeModelTest, ConflictingDim) {
  loadWeights(w);
  FakeInputs in(2, 3);
  in.tShape[0] = 5;
  in.t.resize(5);
  EXPECT_EQ(runError(in.tensors()),
            "dim 'seq' is 3 in input 'x' but 5 in input 't'");
}

TEST_F(FakeModelTest, EmptyDim) {
  loadWeights(w);
  FakeInputs in(0, 3);
  EXPECT_EQ(runError(in.tensors()),
            "input 'x': dim 'batch' must be at least 1, found 0");
}

TEST_F(FakeModelTest, NullData) {
  loadWeights(w);
  FakeInputs in(1, 1);
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs[1].data = nullptr;
  EXPECT_EQ(runError(inputs, ATTNC_ERROR_INVALID_ARGUMENT),
            "input 't' has no data");
}

TEST_F(FakeModelTest, ReportsEveryInputProblem) {
  loadWeights(w);
  FakeInputs in(1, 1);
  std::vector<attnc_tensor> inputs = in.tensors();
  inputs[0].dtype = ATTNC_DTYPE_I32;
  inputs[1].name = "q";
  EXPECT_EQ(runError(inputs), "input 'x': expected dtype f32, f16 or bf16, "
                              "found i32\n"
                              "unknown input 'q' (model 'fake' takes: x, t)\n"
                              "missing input 't' (expected f32[seq])");
}

TEST_F(FakeModelTest, NullArguments) {
  attnc_tensor_list *outputs = nullptr;
  EXPECT_EQ(attnc_model_run(nullptr, nullptr, 0, &outputs),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attnc_model_run(model, nullptr, 0, nullptr),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attnc_model_load_weights(model, nullptr),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attnc_tensor_list_size(nullptr), 0u);
  EXPECT_EQ(attnc_model_num_tensors(model, static_cast<attnc_tensor_kind>(7)),
            0u);
  attnc_tensor_list_destroy(nullptr);
}

TEST(RuntimeApiTest, NamesOfStatusesAndDTypes) {
  EXPECT_STREQ(attnc_status_name(ATTNC_ERROR_MISMATCH), "ATTNC_ERROR_MISMATCH");
  EXPECT_STREQ(attnc_dtype_name(ATTNC_DTYPE_F32), "f32");
  EXPECT_STREQ(attnc_dtype_name(ATTNC_DTYPE_I64), "i64");
  EXPECT_STREQ(attnc_dtype_name(static_cast<attnc_dtype>(99)), "unknown");
  EXPECT_EQ(attnc_dtype_size(ATTNC_DTYPE_BF16), 2u);
  EXPECT_EQ(attnc_dtype_size(static_cast<attnc_dtype>(1000)), 0u);
}

} // namespace
