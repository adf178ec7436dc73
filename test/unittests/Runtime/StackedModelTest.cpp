//===- StackedModelTest.cpp - Stacked params, defaults, input dtypes ------===//
//
// FakeStackedModel.c: y[s, j] = mask[s] * x[s, j] + b[j] + ids[s], and w_seen
// echoes the stacked parameter w (layers "h.{i}.w").
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestSupport.h"

#include "FakeModelHooks.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace attnc;
using namespace attnc::test;

namespace {

const std::vector<float> kLayer0 = {1, 2}, kLayer1 = {-3, 0.5f},
                         kLayer2 = {7, -8}, kBias = {0.25f, -1};

std::map<std::string, st::TensorView> stackedWeights() {
  return {{"h.0.w", f32(kLayer0, {2})},
          {"h.1.w", f32(kLayer1, {2})},
          {"h.2.w", f32(kLayer2, {2})},
          {"ln_f.bias", f32(kBias, {2})}};
}

/// Inputs for seq = 3 and the naive reference of y.
struct StackedInputs {
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<int64_t> ids = {10, 20, 30};
  std::vector<float> mask = {0.5f, 2, -1};
  int64_t xShape[2] = {3, 2}, seqShape[1] = {3};

  std::vector<attnc_tensor> tensors(bool withMask) {
    std::vector<attnc_tensor> result = {
        {"x", ATTNC_DTYPE_F32, 2, xShape, x.data()},
        {"ids", ATTNC_DTYPE_I64, 1, seqShape, ids.data()}};
    if (withMask)
      result.push_back({"mask", ATTNC_DTYPE_F32, 1, seqShape, mask.data()});
    return result;
  }

  std::vector<float> expected(bool withMask) const {
    std::vector<float> y;
    for (size_t s = 0; s < 3; ++s)
      for (size_t j = 0; j < 2; ++j)
        y.push_back((withMask ? mask[s] : 1.0f) * x[s * 2 + j] + kBias[j] +
                    static_cast<float>(ids[s]));
    return y;
  }
};

class StackedModelTest : public testing::Test {
protected:
  /// Runs and returns the outputs, failing the test on error.
  attnc_tensor_list *run(std::vector<attnc_tensor> inputs) {
    attnc_tensor_list *outputs = nullptr;
    EXPECT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
              ATTNC_OK)
        << attnc_last_error();
    return outputs;
  }

  std::string runError(std::vector<attnc_tensor> inputs) {
    attnc_tensor_list *outputs = nullptr;
    EXPECT_EQ(attnc_model_run(model, inputs.data(), inputs.size(), &outputs),
              ATTNC_ERROR_MISMATCH);
    return attnc_last_error();
  }

  void loadStandardWeights() {
    writeTensors(weights.str(), stackedWeights());
    model.load(weights.str());
  }

  ModelHandle model{ATTNC_FAKE_STACKED_MODEL};
  TempPath weights{"w.safetensors"};
};

TEST_F(StackedModelTest, StacksLayersInOrder) {
  loadStandardWeights();
  EXPECT_EQ(model.warnings(), std::vector<std::string>{});
  StackedInputs in;
  attnc_tensor_list *outputs = run(in.tensors(true));
  ASSERT_TRUE(outputs);
  EXPECT_EQ(floats(*attnc_tensor_list_find(outputs, "w_seen")),
            (std::vector<float>{1, 2, -3, 0.5f, 7, -8}));
  EXPECT_EQ(floats(*attnc_tensor_list_find(outputs, "y")), in.expected(true));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(StackedModelTest, LayersMayMixDTypes) {
  uint16_t layer1Bf16[2] = {0xC040, 0x3F00}; // -3, 0.5
  uint16_t layer2F16[2] = {0x4700, 0xC800};  // 7, -8
  auto tensors = stackedWeights();
  tensors["h.1.w"] = {ATTNC_DTYPE_BF16, {2}, layer1Bf16};
  tensors["h.2.w"] = {ATTNC_DTYPE_F16, {2}, layer2F16};
  writeTensors(weights.str(), tensors);
  model.load(weights.str());
  StackedInputs in;
  attnc_tensor_list *outputs = run(in.tensors(true));
  ASSERT_TRUE(outputs);
  EXPECT_EQ(floats(*attnc_tensor_list_find(outputs, "w_seen")),
            (std::vector<float>{1, 2, -3, 0.5f, 7, -8}));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(StackedModelTest, MissingLayerIsNamed) {
  auto tensors = stackedWeights();
  tensors.erase("h.1.w");
  writeTensors(weights.str(), tensors);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": missing tensor 'h.1.w' (layer 1 of parameter "
                            "'w', expected f32[2])");
}

TEST_F(StackedModelTest, EveryBadLayerIsReported) {
  std::vector<float> three = {1, 2, 3};
  int32_t ints[2] = {1, 2};
  auto tensors = stackedWeights();
  tensors["h.0.w"] = {ATTNC_DTYPE_I32, {2}, ints};
  tensors["h.2.w"] = f32(three, {3});
  writeTensors(weights.str(), tensors);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": tensor 'h.0.w': expected dtype F32, F16 or "
                            "BF16, found I32 (layer 0 of parameter 'w')\n" +
                weights.str() + ": tensor 'h.2.w': expected shape [2], found "
                                "[3] (layer 2 of parameter 'w')");
}

TEST_F(StackedModelTest, OmittedInputTakesItsDefault) {
  loadStandardWeights();
  StackedInputs in;
  attnc_tensor_list *outputs = run(in.tensors(false));
  ASSERT_TRUE(outputs);
  EXPECT_EQ(floats(*attnc_tensor_list_find(outputs, "y")), in.expected(false));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(StackedModelTest, I32WidensToI64) {
  loadStandardWeights();
  StackedInputs in;
  std::vector<int32_t> ids32 = {10, 20, 30};
  std::vector<attnc_tensor> inputs = in.tensors(true);
  inputs[1].dtype = ATTNC_DTYPE_I32;
  inputs[1].data = ids32.data();
  attnc_tensor_list *outputs = run(inputs);
  ASSERT_TRUE(outputs);
  EXPECT_EQ(floats(*attnc_tensor_list_find(outputs, "y")), in.expected(true));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(StackedModelTest, HalfAndBFloat16InputsConvertToF32) {
  loadStandardWeights();
  StackedInputs in;
  // x = 1..6 in f16; mask = 0.5, 2, -1 in bf16.
  uint16_t xHalf[6] = {0x3C00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600};
  uint16_t maskBf16[3] = {0x3F00, 0x4000, 0xBF80};
  std::vector<attnc_tensor> inputs = in.tensors(true);
  inputs[0].dtype = ATTNC_DTYPE_F16;
  inputs[0].data = xHalf;
  inputs[2].dtype = ATTNC_DTYPE_BF16;
  inputs[2].data = maskBf16;
  attnc_tensor_list *outputs = run(inputs);
  ASSERT_TRUE(outputs);
  EXPECT_EQ(floats(*attnc_tensor_list_find(outputs, "y")), in.expected(true));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(StackedModelTest, UnconvertibleInputDType) {
  loadStandardWeights();
  StackedInputs in;
  std::vector<float> idsAsFloat = {10, 20, 30};
  std::vector<attnc_tensor> inputs = in.tensors(true);
  inputs[1].dtype = ATTNC_DTYPE_F32;
  inputs[1].data = idsAsFloat.data();
  inputs[0].dtype = ATTNC_DTYPE_I32;
  EXPECT_EQ(runError(inputs),
            "input 'x': expected dtype f32, f16 or bf16, found i32\n"
            "input 'ids': expected dtype i64 or i32, found f32");
}

TEST_F(StackedModelTest, DescribesTheExtensions) {
  EXPECT_STREQ(attnc_model_fingerprint(model), "00c0ffee");
  ASSERT_EQ(attnc_model_num_constants(model), 3u);
  attnc_constant c;
  ASSERT_EQ(attnc_model_constant(model, 0, &c), ATTNC_OK);
  EXPECT_STREQ(c.name, "n_layer");
  EXPECT_TRUE(c.is_integer);
  EXPECT_EQ(c.int_value, 3);
  ASSERT_EQ(attnc_model_constant(model, 2, &c), ATTNC_OK);
  EXPECT_STREQ(c.name, "eps");
  EXPECT_FALSE(c.is_integer);
  EXPECT_EQ(c.float_value, 0.25);
  EXPECT_EQ(attnc_model_constant(model, 3, &c), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error(),
               "attnc_model_constant: no constant 3 (the model has 3)");

  attnc_tensor_info w, mask, x;
  ASSERT_EQ(attnc_model_tensor_info(model, ATTNC_KIND_PARAM, 0, &w), ATTNC_OK);
  EXPECT_STREQ(w.tensor, "h.{i}.w");
  EXPECT_EQ(w.layers, 3);
  ASSERT_EQ(attnc_model_tensor_info(model, ATTNC_KIND_INPUT, 2, &mask),
            ATTNC_OK);
  EXPECT_TRUE(mask.has_default);
  EXPECT_EQ(mask.default_value, 1.0);
  ASSERT_EQ(attnc_model_tensor_info(model, ATTNC_KIND_INPUT, 0, &x), ATTNC_OK);
  EXPECT_FALSE(x.has_default);
  EXPECT_EQ(x.layers, 0);
}

TEST_F(StackedModelTest, MatchingFingerprintIsAccepted) {
  writeTensors(weights.str(), stackedWeights(),
               {{"attnc_fingerprint", "00C0FFEE"}});
  model.load(weights.str());
}

TEST_F(StackedModelTest, OtherFingerprintIsRefused) {
  writeTensors(weights.str(), stackedWeights(),
               {{"attnc_fingerprint", "deadbeef"}});
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": made for the model with fingerprint "
                            "'deadbeef', but model 'stacked' has fingerprint "
                            "'00c0ffee'");
}

TEST(FingerprintTest, ModelWithoutFingerprintIgnoresTheWeights) {
  ModelHandle model(ATTNC_FAKE_MODEL);
  EXPECT_STREQ(attnc_model_fingerprint(model), "");
  EXPECT_EQ(attnc_model_num_constants(model), 0u);
  TempPath weights("w.safetensors");
  std::vector<float> w = {1, 2, 3, 4};
  writeTensors(weights.str(), {{"w.weight", f32(w, {4})}},
               {{"attnc_fingerprint", "deadbeef"}});
  model.load(weights.str());
}

TEST(DefaultInputTest, DimsOfAnOmittedInputMustBeGiven) {
  FakeModelHooks hooks;
  hooks.setManifest(R"({"abi_version": 1, "name": "m", "dims": ["n", "k"],
      "params": [], "outputs": [], "inputs": [
        {"name": "x", "dtype": "f32", "shape": ["n"]},
        {"name": "m", "dtype": "i64", "shape": ["n", "k"], "default": 0}]})");
  ModelHandle model(ATTNC_FAKE_MODEL);
  float x[2] = {1, 2};
  int64_t shape[1] = {2};
  attnc_tensor input = {"x", ATTNC_DTYPE_F32, 1, shape, x};
  attnc_tensor_list *outputs = nullptr;
  EXPECT_EQ(attnc_model_run(model, &input, 1, &outputs), ATTNC_ERROR_MISMATCH);
  EXPECT_STREQ(attnc_last_error(),
               "input 'm' is omitted, but dim 'k' of its default value "
               "appears in no input given; pass 'm'");
}

} // namespace
