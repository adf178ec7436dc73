//===- TiedParamsTest.cpp - Parameters with alternative tensors (else) ----===//
//
// A manifest parameter with "tensor_else" reads the first of its names the
// checkpoint holds; parameters that end up reading one tensor share one
// buffer. The fake model (FakeModel.c) records where a buffer slot points:
// inputs x, t (0, 1); params embed, head (2, 3); outputs y, shape (4, 5);
// then the packs (6).
//
//===----------------------------------------------------------------------===//
#include "FakeModelHooks.h"
#include "RuntimeTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace attnc;
using namespace attnc::test;

namespace {

constexpr int32_t kEmbedSlot = 2, kHeadSlot = 3, kPackSlot = 6;

/// `head` reads "head.weight", else "embed.weight"; `extra` is appended to
/// its entry, `packs` to the manifest.
std::string manifest(const std::string &extra = "",
                     const std::string &packs = "") {
  return R"({"abi_version": 1, "name": "fake", "dims": ["batch", "seq"],
      "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
                 {"name": "t", "dtype": "f32", "shape": ["seq"]}],
      "params": [{"name": "embed", "tensor": "embed.weight", "dtype": "f32",
                  "shape": [2, 2]},
                 {"name": "head", "tensor": "head.weight",
                  "tensor_else": ["lm.weight", "embed.weight"],
                  "dtype": "f32", "shape": [2, 2])" +
         extra + R"(}],
      "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]},
                  {"name": "shape", "dtype": "i64", "shape": [2]}])" +
         packs + "}";
}

/// 1, 2, 3, 4 and 5, 6, 7, 8 in bf16 (converted to f32 copies at load).
const uint16_t kEmbedBf16[4] = {0x3F80, 0x4000, 0x4040, 0x4080};
const uint16_t kHeadBf16[4] = {0x40A0, 0x40C0, 0x40E0, 0x4100};

class TiedParamsTest : public testing::Test {
protected:
  void open(const std::string &json) {
    text = json;
    hooks.setManifest(text.c_str());
    hooks.setParamCount(2);
    model = std::make_unique<ModelHandle>(ATTNC_FAKE_MODEL);
  }

  /// Runs the model once and returns where buffers[slot] pointed.
  const void *slot(int32_t index) {
    hooks.recordBuffer(index);
    std::vector<float> x(4, 1.0f), t(1, 0.0f);
    int64_t xShape[3] = {1, 1, 4}, tShape[1] = {1};
    attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                              {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}};
    attnc_tensor_list *outputs = nullptr;
    EXPECT_EQ(attnc_model_run(*model, inputs, 2, &outputs), ATTNC_OK)
        << attnc_last_error();
    attnc_tensor_list_destroy(outputs);
    return hooks.recordedBuffer();
  }

  static std::vector<float> values(const void *data, size_t count) {
    if (!data)
      return {};
    const auto *f = static_cast<const float *>(data);
    return std::vector<float>(f, f + count);
  }

  FakeModelHooks hooks;
  std::string text;
  std::unique_ptr<ModelHandle> model;
  TempPath weights{"tied.safetensors"};
};

TEST_F(TiedParamsTest, ReadsTheFirstAlternativeHeldAndSharesItsBuffer) {
  open(manifest());
  writeTensors(weights.str(),
               {{"embed.weight", {ATTNC_DTYPE_BF16, {2, 2}, kEmbedBf16}}});
  model->load(weights.str());
  // Converted once: one f32 copy serves both parameters.
  const void *embed = slot(kEmbedSlot), *head = slot(kHeadSlot);
  EXPECT_EQ(embed, head);
  EXPECT_EQ(values(head, 4), (std::vector<float>{1, 2, 3, 4}));
  // The choice is reported; the tensor the tie read is not "unused".
  EXPECT_EQ(model->warnings(),
            std::vector<std::string>{
                weights.str() + ": parameter 'head' reads 'embed.weight' (the "
                                "checkpoint has no 'head.weight' nor "
                                "'lm.weight')"});
}

TEST_F(TiedParamsTest, SharesTheMappingOfAnF32Tensor) {
  open(manifest());
  std::vector<float> embed{1, 2, 3, 4};
  writeTensors(weights.str(), {{"embed.weight", f32(embed, {2, 2})}});
  model->load(weights.str());
  EXPECT_EQ(slot(kEmbedSlot), slot(kHeadSlot));
  EXPECT_EQ(values(slot(kHeadSlot), 4), embed);
}

TEST_F(TiedParamsTest, AnUntiedCheckpointReadsItsOwnTensor) {
  open(manifest());
  writeTensors(weights.str(),
               {{"embed.weight", {ATTNC_DTYPE_BF16, {2, 2}, kEmbedBf16}},
                {"head.weight", {ATTNC_DTYPE_BF16, {2, 2}, kHeadBf16}},
                {"lm.weight", {ATTNC_DTYPE_BF16, {2, 2}, kEmbedBf16}}});
  model->load(weights.str());
  const void *embed = slot(kEmbedSlot), *head = slot(kHeadSlot);
  EXPECT_NE(embed, head);
  EXPECT_EQ(values(embed, 4), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(values(head, 4), (std::vector<float>{5, 6, 7, 8}));
  // No tie to report; an alternative that was not needed is unused.
  EXPECT_EQ(model->warnings(),
            std::vector<std::string>{weights.str() +
                                     ": tensor 'lm.weight' is not used by "
                                     "model 'fake'"});
}

TEST_F(TiedParamsTest, AnEarlierAlternativeWinsOverALaterOne) {
  open(manifest());
  writeTensors(weights.str(),
               {{"embed.weight", {ATTNC_DTYPE_BF16, {2, 2}, kEmbedBf16}},
                {"lm.weight", {ATTNC_DTYPE_BF16, {2, 2}, kHeadBf16}}});
  model->load(weights.str());
  EXPECT_NE(slot(kEmbedSlot), slot(kHeadSlot));
  EXPECT_EQ(values(slot(kHeadSlot), 4), (std::vector<float>{5, 6, 7, 8}));
  EXPECT_EQ(model->warnings(),
            std::vector<std::string>{
                weights.str() + ": parameter 'head' reads 'lm.weight' (the "
                                "checkpoint has no 'head.weight')"});
}

TEST_F(TiedParamsTest, AlternativesAreFoundUnderTheCheckpointsPrefix) {
  open(manifest());
  writeTensors(weights.str(), {{"model.embed.weight",
                                {ATTNC_DTYPE_BF16, {2, 2}, kEmbedBf16}}});
  model->load(weights.str());
  EXPECT_EQ(slot(kEmbedSlot), slot(kHeadSlot));
  EXPECT_EQ(values(slot(kHeadSlot), 4), (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(TiedParamsTest, AMissingTensorListsEveryNameTried) {
  open(manifest());
  std::vector<float> other{1, 2, 3, 4};
  writeTensors(weights.str(), {{"other", f32(other, {2, 2})}});
  std::string message = model->load(weights.str(), ATTNC_ERROR_MISMATCH);
  EXPECT_EQ(message,
            weights.str() + ": missing tensor 'embed.weight' (parameter "
                            "'embed', expected f32[2, 2])\n" +
                weights.str() +
                ": missing tensor 'head.weight' or its alternatives "
                "'lm.weight', 'embed.weight' (parameter 'head', expected "
                "f32[2, 2])");
}

TEST_F(TiedParamsTest, APackedTieKeepsOneUnpackedCopy) {
  // head is read only through its panels ("read": false), as a compiled
  // logits projection is; embed is read as it is (an embedding).
  open(manifest(R"(, "read": false)",
                R"J(, "packed_params": [{"name": "panels(head)", "dtype": "f32",
                     "shape": [1, 2, 48], "of": ["head"], "axis": 0,
                     "layout": "panels", "out_axis": 0}])J"));
  writeTensors(weights.str(),
               {{"embed.weight", {ATTNC_DTYPE_BF16, {2, 2}, kEmbedBf16}}});
  model->load(weights.str());
  // The shared copy stays for embed (freeing it with head's would leave
  // embed dangling); head's slot still names it.
  const void *embed = slot(kEmbedSlot);
  EXPECT_EQ(slot(kHeadSlot), embed);
  EXPECT_EQ(values(embed, 4), (std::vector<float>{1, 2, 3, 4}));
  // Panel k, lane j of [[1, 2], [3, 4]] ([out, in]): element (j, k).
  std::vector<float> panels = values(slot(kPackSlot), 96);
  ASSERT_EQ(panels.size(), 96u);
  EXPECT_EQ(panels[0], 1);
  EXPECT_EQ(panels[1], 3);
  EXPECT_EQ(panels[48], 2);
  EXPECT_EQ(panels[49], 4);
  EXPECT_TRUE(std::all_of(panels.begin() + 50, panels.end(),
                          [](float v) { return v == 0; }));
}

TEST_F(TiedParamsTest, AnUnreadTieWithoutOtherReadersIsFreedOncePacked) {
  // Both parameters are read only through packs: the shared copy goes.
  std::string json = manifest(R"(, "read": false)",
                              R"(, "packed_params": [{"name": "p",
                     "dtype": "f32", "shape": [2, 4], "of": ["embed", "head"],
                     "axis": 1}])");
  json.replace(json.find(R"("shape": [2, 2]},)"), 17,
               R"("shape": [2, 2], "read": false},)");
  open(json);
  writeTensors(weights.str(),
               {{"embed.weight", {ATTNC_DTYPE_BF16, {2, 2}, kEmbedBf16}}});
  model->load(weights.str());
  EXPECT_EQ(slot(kEmbedSlot), nullptr);
  EXPECT_EQ(slot(kHeadSlot), nullptr);
  EXPECT_EQ(values(slot(kPackSlot), 8),
            (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4}));
}

/// Stacked parameters of 2 layers of 2: embed reads "b.{i}.w", head
/// "a.{i}.w", else "b.{i}.w".
std::string stackedManifest() {
  return R"({"abi_version": 1, "name": "fake", "dims": ["batch", "seq"],
      "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
                 {"name": "t", "dtype": "f32", "shape": ["seq"]}],
      "params": [{"name": "embed", "tensor": "b.{i}.w", "layers": 2,
                  "dtype": "f32", "shape": [2, 2]},
                 {"name": "head", "tensor": "a.{i}.w", "layers": 2,
                  "tensor_else": ["b.{i}.w"], "dtype": "f32", "shape": [2, 2]}],
      "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]},
                  {"name": "shape", "dtype": "i64", "shape": [2]}]})";
}

TEST_F(TiedParamsTest, StackedParametersShareTheirStack) {
  open(stackedManifest());
  std::vector<float> layer0{1, 2}, layer1{3, 4};
  writeTensors(weights.str(),
               {{"b.0.w", f32(layer0, {2})}, {"b.1.w", f32(layer1, {2})}});
  model->load(weights.str());
  EXPECT_EQ(slot(kEmbedSlot), slot(kHeadSlot));
  EXPECT_EQ(values(slot(kHeadSlot), 4), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(model->warnings(),
            std::vector<std::string>{
                weights.str() + ": parameter 'head' reads 'b.{i}.w' (the "
                                "checkpoint has no 'a.{i}.w')"});
}

TEST_F(TiedParamsTest, ASourceWithSomeLayersIsChosenAndItsGapsReported) {
  // a.0.w is there, so head reads "a.{i}.w" and its missing layer is an
  // error rather than a silent switch to "b.{i}.w".
  open(stackedManifest());
  std::vector<float> layer{1, 2};
  writeTensors(weights.str(), {{"a.0.w", f32(layer, {2})},
                               {"b.0.w", f32(layer, {2})},
                               {"b.1.w", f32(layer, {2})}});
  EXPECT_EQ(model->load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": missing tensor 'a.1.w' (layer 1 of parameter "
                            "'head', expected f32[2])");
}

} // namespace
