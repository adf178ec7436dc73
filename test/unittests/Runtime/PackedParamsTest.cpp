//===- PackedParamsTest.cpp - Parameters the compiler packed from others --===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.h"

#include "FakeModelHooks.h"
#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using namespace attnc;
using attnc::test::FakeModelHooks;
using attnc::test::TempPath;

namespace {

#define FAKE_HEAD                                                              \
  R"({"abi_version": 1, "name": "fake", "dims": ["batch", "seq"],
      "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
                 {"name": "t", "dtype": "f32", "shape": ["seq"]}],
      "params": [{"name": "w", "tensor": "w.weight", "dtype": "f32", "shape": [2, 2]}],
      "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]},
                  {"name": "shape", "dtype": "i64", "shape": [2]}], )"

/// Opens the fake model (FakeModel.c; its manifest set in `hooks`), loads
/// w.weight (f32, `shape`) from a checkpoint and runs it once on x = 1,
/// t = 0. The caller reads what the model got through `hooks`, then
/// destroys it; null if it did not open.
attnc_model *runOnce(const std::vector<int64_t> &shape, const float *w) {
  attnc_model *model = nullptr;
  EXPECT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_OK)
      << attnc_last_error();
  if (!model)
    return nullptr;
  TempPath path("w.safetensors");
  EXPECT_TRUE(st::write(path.str(), {{"w.weight", {ATTNC_DTYPE_F32, shape, w}}}));
  EXPECT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_OK)
      << attnc_last_error();
  std::vector<float> x(4, 1.0f), t(1, 0.0f);
  int64_t xShape[3] = {1, 1, 4}, tShape[1] = {1};
  attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                            {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}};
  attnc_tensor_list *outputs = nullptr;
  EXPECT_EQ(attnc_model_run(model, inputs, 2, &outputs), ATTNC_OK)
      << attnc_last_error();
  attnc_tensor_list_destroy(outputs);
  return model;
}

/// The fake model's manifest with one parameter w (`param`: its dtype and
/// shape) read only through `packs`.
std::string onlyPackedManifest(const char *param, const char *packs) {
  return std::string(R"({"abi_version": 1, "name": "fake",
      "dims": ["batch", "seq"],
      "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
                 {"name": "t", "dtype": "f32", "shape": ["seq"]}],
      "params": [{"name": "w", "tensor": "w.weight", )") +
         param + R"(, "read": false}],
      "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]},
                  {"name": "shape", "dtype": "i64", "shape": [2]}],
      "packed_params": [)" +
         packs + "]}";
}

/// Runs the fake model (which reads its one parameter w as 4 floats) with
/// `packs` and returns what it got in buffers[slot]: inputs x, t; param w;
/// outputs y, shape; then the packs.
std::vector<float> packedBuffer(FakeModelHooks &hooks, const char *packs,
                                int32_t slot, size_t count) {
  std::string json = std::string(FAKE_HEAD) + packs + "}";
  hooks.setManifest(json.c_str());
  hooks.recordBuffer(slot);
  float w[4] = {1, 2, 3, 4};
  attnc_model *model = runOnce({2, 2}, w);
  if (!model)
    return {};
  std::vector<float> result;
  if (auto *data = static_cast<const float *>(hooks.recordedBuffer()))
    result.assign(data, data + count);
  attnc_model_destroy(model);
  return result;
}

TEST(PackedParamsTest, AreConcatenatedAlongTheirAxisAfterTheOutputs) {
  FakeModelHooks hooks;
  const char *packs = R"("packed_params": [
      {"name": "w+w", "dtype": "f32", "shape": [2, 4], "of": ["w", "w"], "axis": 1},
      {"name": "w+w+w", "dtype": "f32", "shape": [6, 2], "of": ["w", "w", "w"], "axis": 0}])";
  // Along axis 1 the rows interleave: a row of each member in turn.
  EXPECT_EQ(packedBuffer(hooks, packs, 5, 8),
            (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_EQ(packedBuffer(hooks, packs, 6, 12),
            (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}));
}

/// Element (p, k, j) of the panels of the [out, in] or [in, out] matrix
/// `m`, straight from the definition in docs/abi.md.
float panelElement(const std::vector<float> &m, int64_t rows, int64_t cols,
                   bool outIsRow, int64_t p, int64_t k, int64_t j) {
  int64_t n = p * 48 + j, outs = outIsRow ? rows : cols;
  if (n >= outs)
    return 0.0f;
  return outIsRow ? m[n * cols + k] : m[k * cols + n];
}

TEST(PackedParamsTest, PanelsHoldColumnsOf48ZeroPadded) {
  FakeModelHooks hooks;
  // w = [[1, 2], [3, 4]]; w+w along axis 1 = [[1, 2, 1, 2], [3, 4, 3, 4]].
  const char *packs = R"J("packed_params": [
      {"name": "panels(w)", "dtype": "f32", "shape": [1, 2, 48], "of": ["w"],
       "axis": 0, "layout": "panels", "out_axis": 0},
      {"name": "panels(w+w)", "dtype": "f32", "shape": [1, 2, 48],
       "of": ["w", "w"], "axis": 1, "layout": "panels", "out_axis": 1}])J";
  std::vector<float> w{1, 2, 3, 4}, ww{1, 2, 1, 2, 3, 4, 3, 4};
  std::vector<float> got = packedBuffer(hooks, packs, 5, 96);
  ASSERT_EQ(got.size(), 96u);
  for (int64_t k = 0; k < 2; ++k)
    for (int64_t j = 0; j < 48; ++j)
      EXPECT_EQ(got[k * 48 + j], panelElement(w, 2, 2, true, 0, k, j))
          << k << ", " << j;
  got = packedBuffer(hooks, packs, 6, 96);
  ASSERT_EQ(got.size(), 96u);
  for (int64_t k = 0; k < 2; ++k)
    for (int64_t j = 0; j < 48; ++j)
      EXPECT_EQ(got[k * 48 + j], panelElement(ww, 2, 4, false, 0, k, j))
          << k << ", " << j;
}

TEST(PackedParamsTest, PanelsOfManyColumnsEndInAPartialPanel) {
  FakeModelHooks hooks;
  // 50 copies of w side by side: [2 in, 100 out], panels of 48, 48 and 4.
  std::string of;
  std::vector<float> whole(200);
  for (int i = 0; i < 50; ++i) {
    of += std::string(i ? ", " : "") + "\"w\"";
    whole[2 * i] = 1, whole[2 * i + 1] = 2;
    whole[100 + 2 * i] = 3, whole[100 + 2 * i + 1] = 4;
  }
  std::string packs = R"("packed_params": [{"name": "p", "dtype": "f32",
      "shape": [3, 2, 48], "axis": 1, "layout": "panels", "out_axis": 1,
      "of": [)" + of + "]}]";
  std::vector<float> got = packedBuffer(hooks, packs.c_str(), 5, 288);
  ASSERT_EQ(got.size(), 288u);
  for (int64_t p = 0; p < 3; ++p)
    for (int64_t k = 0; k < 2; ++k)
      for (int64_t j = 0; j < 48; ++j)
        EXPECT_EQ(got[(p * 2 + k) * 48 + j],
                  panelElement(whole, 2, 100, false, p, k, j))
            << p << ", " << k << ", " << j;
}

TEST(PackedParamsTest, PairsHoldTwoInputsPerColumnZeroPadded) {
  // w [3 out, 3 in] in bf16, packed in "pairs" (docs/abi.md, "bf16 pairs"):
  // [1 panel, ceil(3 / 2) = 2 pairs, 48, 2], the odd in's last pair and the
  // columns past out zero.
  FakeModelHooks hooks;
  // The hooks keep the pointer: the string must outlive the run.
  std::string manifest = onlyPackedManifest(
      R"("dtype": "bf16", "shape": [3, 3])",
      R"J({"name": "panels(w)", "dtype": "bf16",
          "shape": [1, 2, 48, 2], "of": ["w"], "axis": 0,
          "layout": "pairs", "out_axis": 0})J");
  hooks.setManifest(manifest.c_str());
  hooks.recordBuffer(5);
  float w[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  attnc_model *model = runOnce({3, 3}, w);
  ASSERT_NE(model, nullptr);
  const auto *got = static_cast<const uint16_t *>(hooks.recordedBuffer());
  ASSERT_NE(got, nullptr);
  for (int64_t q = 0; q < 2; ++q)
    for (int64_t j = 0; j < 48; ++j)
      for (int64_t t2 = 0; t2 < 2; ++t2) {
        int64_t k = 2 * q + t2;
        // Small integers are exact in bf16: the high half of the f32.
        float value = j < 3 && k < 3 ? w[j * 3 + k] : 0.0f;
        uint32_t bits;
        std::memcpy(&bits, &value, sizeof bits);
        EXPECT_EQ(got[(q * 48 + j) * 2 + t2], bits >> 16)
            << q << ", " << j << ", " << t2;
      }
  attnc_model_destroy(model);
}

/// Runs the fake model on w = [1, 2, 3, 4] stored as `dtype` (`bits`, two
/// bytes an element, or f32), w marked "read": false and packed as w+w; y
/// is x * w + t with x = 1, t = 0 (the fake model reads w as 1 when its
/// slot is NULL). Returns (slot of w, the pack, y).
struct UnreadRun {
  const void *wSlot = nullptr;
  std::vector<float> pack, y;
};
UnreadRun runWithUnreadMember(FakeModelHooks &hooks, attnc_dtype dtype,
                              const void *bits) {
  std::string json = std::string(R"({"abi_version": 1, "name": "fake",
      "dims": ["batch", "seq"],
      "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
                 {"name": "t", "dtype": "f32", "shape": ["seq"]}],
      "params": [{"name": "w", "tensor": "w.weight", "dtype": "f32",
                  "shape": [2, 2], "read": false}],
      "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]},
                  {"name": "shape", "dtype": "i64", "shape": [2]}],
      "packed_params": [{"name": "w+w", "dtype": "f32", "shape": [2, 4],
                         "of": ["w", "w"], "axis": 1}]})");
  hooks.setManifest(json.c_str());
  UnreadRun run;
  attnc_model *model = nullptr;
  EXPECT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_OK)
      << attnc_last_error();
  if (!model)
    return run;
  TempPath path("w.safetensors");
  EXPECT_TRUE(st::write(path.str(), {{"w.weight", {dtype, {2, 2}, bits}}}));
  EXPECT_EQ(attnc_model_load_weights(model, path.c_str()), ATTNC_OK)
      << attnc_last_error();
  std::vector<float> x(4, 1.0f), t(1, 0.0f);
  int64_t xShape[3] = {1, 1, 4}, tShape[1] = {1};
  attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                            {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}};
  for (int32_t slot : {2, 5}) {
    hooks.recordBuffer(slot);
    attnc_tensor_list *outputs = nullptr;
    EXPECT_EQ(attnc_model_run(model, inputs, 2, &outputs), ATTNC_OK)
        << attnc_last_error();
    const void *recorded = hooks.recordedBuffer();
    if (slot == 2) {
      run.wSlot = recorded;
      const attnc_tensor *y = attnc_tensor_list_at(outputs, 0);
      if (y)
        run.y.assign(static_cast<const float *>(y->data),
                     static_cast<const float *>(y->data) + 4);
    } else if (recorded) {
      run.pack.assign(static_cast<const float *>(recorded),
                      static_cast<const float *>(recorded) + 8);
    }
    attnc_tensor_list_destroy(outputs);
  }
  attnc_model_destroy(model);
  return run;
}

TEST(PackedParamsTest, QuadsHoldFourInt8InputsPerColumnZeroPadded) {
  // w [3 out, 5 in] in f32, quantized (each row's largest |w| is 127: scale
  // 1, the values themselves) and packed in "quads" (docs/abi.md, "int8 x
  // int8 products"): [1 panel, ceil(5 / 4) = 2 quads, 48, 4], the inputs
  // past 5 and the columns past out zero; its scales as for "panels".
  FakeModelHooks hooks;
  // The hooks keep the pointer: the string must outlive the run.
  std::string manifest =
      onlyPackedManifest(R"("dtype": "f32", "shape": [3, 5])",
                         R"J({"name": "panels(w)", "dtype": "i8",
          "shape": [1, 2, 48, 4], "of": ["w"], "axis": 0,
          "layout": "quads", "out_axis": 0},
         {"name": "scales(w)", "dtype": "f16",
          "shape": [1, 1, 48], "of": ["w"], "axis": 0,
          "layout": "scales", "block": 32, "out_axis": 0})J");
  hooks.setManifest(manifest.c_str());
  hooks.recordBuffer(5);
  float w[15] = {127, 1, 2, 3, 4, 5, -127, 6, 7, 8, 9, 10, 127, -11, 12};
  attnc_model *model = runOnce({3, 5}, w);
  ASSERT_NE(model, nullptr);
  const auto *got = static_cast<const int8_t *>(hooks.recordedBuffer());
  ASSERT_NE(got, nullptr);
  for (int64_t q = 0; q < 2; ++q)
    for (int64_t j = 0; j < 48; ++j)
      for (int64_t t4 = 0; t4 < 4; ++t4) {
        int64_t k = 4 * q + t4;
        float value = j < 3 && k < 5 ? w[j * 5 + k] : 0.0f;
        EXPECT_EQ(got[(q * 48 + j) * 4 + t4], static_cast<int8_t>(value))
            << q << ", " << j << ", " << t4;
      }
  attnc_model_destroy(model);
}

TEST(PackedParamsTest, AnUnreadConvertedMemberIsFreedOncePacked) {
  FakeModelHooks hooks;
  // 1, 2, 3, 4 in f16: converted to an f32 copy, which goes after packing.
  const uint16_t half[4] = {0x3C00, 0x4000, 0x4200, 0x4400};
  UnreadRun run = runWithUnreadMember(hooks, ATTNC_DTYPE_F16, half);
  EXPECT_EQ(run.wSlot, nullptr);
  EXPECT_EQ(run.pack, (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_EQ(run.y, (std::vector<float>{1, 1, 1, 1}));
}

TEST(PackedParamsTest, AnUnreadMemberInTheMappingStaysReadable) {
  FakeModelHooks hooks;
  // f32 in place: its pages are dropped after packing, read back on demand.
  const float w[4] = {1, 2, 3, 4};
  UnreadRun run = runWithUnreadMember(hooks, ATTNC_DTYPE_F32, w);
  EXPECT_NE(run.wSlot, nullptr);
  EXPECT_EQ(run.pack, (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_EQ(run.y, (std::vector<float>{1, 2, 3, 4}));
}

TEST(PackedParamsTest, BadPacksAreRejected) {
  FakeModelHooks hooks;
  struct Case {
    const char *packs;
    const char *message;
  } cases[] = {
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [2, 4],
          "of": ["w", "c"], "axis": 1}])",
       "packed_params[0] ('p'): packs \"c\", which is not a parameter"},
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [2, 5],
          "of": ["w", "w"], "axis": 1}])",
       "packed_params[0] ('p'): its members add up to 4 along axis 1, not 5"},
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [4, 3],
          "of": ["w", "w"], "axis": 0}])",
       "packed_params[0] ('p'): parameter 'w' of type f32[2, 2] does not fit "
       "in f32[4, 3] along axis 0"},
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [2, 4],
          "of": ["w", "w"], "axis": 2}])",
       "packed_params[0] ('p'): expected an \"axis\" of its shape and the "
       "parameters it packs (\"of\")"},
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [2, 2, 48],
          "of": ["w"], "axis": 0, "layout": "panels", "out_axis": 0}])",
       "packed_params[0] ('p'): the panels of f32[2, 2] (out axis 0) are "
       "[1, 2, 48], not [2, 2, 48]"},
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [1, 2, 48],
          "of": ["w"], "axis": 0, "layout": "rows", "out_axis": 0}])",
       "packed_params[0] ('p'): expected \"layout\": \"panels\", \"pairs\", "
       "\"quads\" or \"scales\" and an \"out_axis\" among the last two of "
       "its members' dims"},
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [1, 1, 48, 2],
          "of": ["w"], "axis": 0, "layout": "pairs", "out_axis": 0}])",
       "packed_params[0] ('p'): panels in \"pairs\" are bf16, found f32"},
      // Width 1 is an int8 table's rows only (docs/abi.md "int8 weights").
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [2, 2, 1],
          "of": ["w"], "axis": 0, "layout": "panels", "out_axis": 0}])",
       "packed_params[0] ('p'): panels of width 1 (expected a multiple of 4 "
       "up to 256, or 1 for int8 rows)"},
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [1, 1, 48, 4],
          "of": ["w"], "axis": 0, "layout": "quads", "out_axis": 0}])",
       "packed_params[0] ('p'): panels in \"quads\" are i8, found f32"},
      // int8 scales are f16 (docs/abi.md "int8 weights").
      {R"("packed_params": [{"name": "p", "dtype": "f32", "shape": [1, 1, 48],
          "of": ["w"], "axis": 0, "layout": "scales", "block": 32,
          "out_axis": 0}])",
       "packed_params[0] ('p'): the scales of int8 panels are f16 with "
       "\"block\": 32"},
  };
  for (const Case &c : cases) {
    std::string json = std::string(FAKE_HEAD) + c.packs + "}";
    hooks.setManifest(json.c_str());
    attnc_model *model = nullptr;
    EXPECT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_ERROR_FORMAT)
        << c.packs;
    EXPECT_EQ(attnc_last_error(), std::string("'") + ATTNC_FAKE_MODEL +
                                      "': invalid manifest: " + c.message);
    attnc_model_destroy(model);
  }
}

} // namespace
