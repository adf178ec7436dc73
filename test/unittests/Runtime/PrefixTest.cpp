//===- PrefixTest.cpp - Checkpoints whose names carry a prefix ------------===//
#include "RuntimeTestSupport.h"

#include <gtest/gtest.h>

using namespace attnc;
using namespace attnc::test;

namespace {

const std::vector<float> kW = {1, -2, 0.5f, 3};
const std::vector<float> kPair = {1, 2};

/// Runs the fake model on x = 1, t = 0: y is then w.
std::vector<float> loadedW(attnc_model *model) {
  float x[4] = {1, 1, 1, 1}, t[1] = {0};
  int64_t xShape[3] = {1, 1, 4}, tShape[1] = {1};
  attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x},
                            {"t", ATTNC_DTYPE_F32, 1, tShape, t}};
  attnc_tensor_list *outputs = nullptr;
  EXPECT_EQ(attnc_model_run(model, inputs, 2, &outputs), ATTNC_OK)
      << attnc_last_error();
  if (!outputs)
    return {};
  std::vector<float> y = floats(*attnc_tensor_list_at(outputs, 0));
  attnc_tensor_list_destroy(outputs);
  return y;
}

TEST(PrefixTest, FindsATensorUnderAPrefix) {
  TempPath weights("w.safetensors");
  std::vector<float> causalMask(4, 1);
  writeTensors(weights.str(),
               {{"transformer.w.weight", f32(kW, {4})},
                {"transformer.h.0.attn.bias", f32(causalMask, {2, 2})}});
  ModelHandle model(ATTNC_FAKE_MODEL);
  model.load(weights.str());
  EXPECT_EQ(loadedW(model), kW);
  EXPECT_EQ(model.warnings(),
            std::vector<std::string>{weights.str() +
                                     ": tensor 'transformer.h.0.attn.bias' is "
                                     "not used by model 'fake'"});
}

TEST(PrefixTest, PrefixMayHaveSeveralParts) {
  TempPath weights("w.safetensors");
  writeTensors(weights.str(), {{"model.decoder.w.weight", f32(kW, {4})}});
  ModelHandle model(ATTNC_FAKE_MODEL);
  model.load(weights.str());
  EXPECT_EQ(loadedW(model), kW);
}

TEST(PrefixTest, PrefixedAndPlainNamesMix) {
  // As GPT-2 checkpoints keep lm_head.weight beside transformer.*.
  TempPath weights("w.safetensors");
  writeTensors(weights.str(), {{"transformer.h.0.w", f32(kPair, {2})},
                               {"transformer.h.1.w", f32(kPair, {2})},
                               {"transformer.h.2.w", f32(kPair, {2})},
                               {"ln_f.bias", f32(kPair, {2})}});
  ModelHandle model(ATTNC_FAKE_STACKED_MODEL);
  model.load(weights.str());
  EXPECT_EQ(model.warnings(), std::vector<std::string>{});
}

TEST(PrefixTest, NameFoundPlainAndPrefixedIsAmbiguous) {
  TempPath weights("w.safetensors");
  writeTensors(weights.str(), {{"h.0.w", f32(kPair, {2})},
                               {"transformer.h.0.w", f32(kPair, {2})},
                               {"transformer.h.1.w", f32(kPair, {2})},
                               {"transformer.h.2.w", f32(kPair, {2})},
                               {"transformer.ln_f.bias", f32(kPair, {2})}});
  ModelHandle model(ATTNC_FAKE_STACKED_MODEL);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": tensor 'h.0.w' is ambiguous: found as 'h.0.w' "
                            "and as 'transformer.h.0.w' (layer 0 of "
                            "parameter 'w', expected f32[2])");
}

TEST(PrefixTest, NameUnderTwoPrefixesIsAmbiguous) {
  TempPath weights("w.safetensors");
  writeTensors(weights.str(), {{"a.w.weight", f32(kW, {4})},
                               {"b.w.weight", f32(kW, {4})}});
  ModelHandle model(ATTNC_FAKE_MODEL);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": tensor 'w.weight' is ambiguous: found as "
                            "'a.w.weight' and as 'b.w.weight'");
}

TEST(PrefixTest, TwoPrefixesAreRefused) {
  TempPath weights("w.safetensors");
  writeTensors(weights.str(), {{"transformer.h.0.w", f32(kPair, {2})},
                               {"transformer.h.1.w", f32(kPair, {2})},
                               {"model.h.2.w", f32(kPair, {2})},
                               {"ln_f.bias", f32(kPair, {2})}});
  ModelHandle model(ATTNC_FAKE_STACKED_MODEL);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": tensors are under two prefixes, 'model.' "
                            "('model.h.2.w') and 'transformer.' "
                            "('transformer.h.0.w'); a checkpoint must use "
                            "one prefix consistently");
}

TEST(PrefixTest, MissingTensorNamesBothSpellings) {
  TempPath weights("w.safetensors");
  writeTensors(weights.str(), {{"transformer.h.0.w", f32(kPair, {2})},
                               {"transformer.h.1.w", f32(kPair, {2})},
                               {"ln_f.bias", f32(kPair, {2})}});
  ModelHandle model(ATTNC_FAKE_STACKED_MODEL);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": missing tensor 'h.2.w' (nor "
                            "'transformer.h.2.w') (layer 2 of parameter 'w', "
                            "expected f32[2])");
}

TEST(PrefixTest, MismatchNamesTheTensorFound) {
  TempPath weights("w.safetensors");
  std::vector<float> five(5);
  writeTensors(weights.str(), {{"transformer.w.weight", f32(five, {5})}});
  ModelHandle model(ATTNC_FAKE_MODEL);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": tensor 'transformer.w.weight': expected shape "
                            "[4], found [5] (parameter 'w')");
}

} // namespace
