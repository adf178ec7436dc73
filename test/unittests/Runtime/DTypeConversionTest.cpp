//===- DTypeConversionTest.cpp - F16 and BF16 checkpoints become exact F32 ===//
//
// The fake model computes y = x * w + t; with x = 1 and t = -0 it returns the
// f32 parameter w bit for bit (even -0, infinities and NaN). The expected
// values are the IEEE 754 binary16 and bfloat16 definitions, written as hex
// float literals.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace attnc;
using namespace attnc::test;

namespace {

struct Case {
  const char *name;
  attnc_dtype dtype;
  uint16_t bits[4];
  float expected[4];
};

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

const Case kCases[] = {
    {"HalfNormals", ATTNC_DTYPE_F16, {0x3C00, 0xC000, 0x7BFF, 0x3555},
     {1.0f, -2.0f, 65504.0f, 0x1.554p-2f}},
    {"HalfSubnormals", ATTNC_DTYPE_F16, {0x0001, 0x03FF, 0x8001, 0x0400},
     {0x1p-24f, 0x1.ff8p-15f, -0x1p-24f, 0x1p-14f}},
    {"HalfSpecials", ATTNC_DTYPE_F16, {0x8000, 0x7C00, 0xFC00, 0x7E00},
     {-0.0f, kInf, -kInf, kNaN}},
    {"BFloat16Normals", ATTNC_DTYPE_BF16, {0x3F80, 0xC0A0, 0x7F7F, 0x3EAB},
     {1.0f, -5.0f, 0x1.fep127f, 0x1.56p-2f}},
    {"BFloat16SubnormalsAndSpecials", ATTNC_DTYPE_BF16,
     {0x0001, 0x8000, 0x7F80, 0xFF80}, {0x1p-133f, -0.0f, kInf, -kInf}},
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

class DTypeConversionTest : public testing::TestWithParam<Case> {};

TEST_P(DTypeConversionTest, WeightsConvertExactly) {
  const Case &c = GetParam();
  TempPath weights("w.safetensors");
  writeTensors(weights.str(), {{"w.weight", {c.dtype, {4}, c.bits}}});
  ModelHandle model(ATTNC_FAKE_MODEL);
  model.load(weights.str());

  float x[4] = {1, 1, 1, 1}, t[1] = {-0.0f};
  int64_t xShape[3] = {1, 1, 4}, tShape[1] = {1};
  attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 3, xShape, x},
                            {"t", ATTNC_DTYPE_F32, 1, tShape, t}};
  attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs, 2, &outputs), ATTNC_OK)
      << attnc_last_error();
  std::vector<float> y = floats(*attnc_tensor_list_at(outputs, 0));
  for (size_t i = 0; i < 4; ++i) {
    if (std::isnan(c.expected[i]))
      EXPECT_TRUE(std::isnan(y[i])) << "element " << i;
    else
      EXPECT_EQ(bitsOf(y[i]), bitsOf(c.expected[i]))
          << "element " << i << ": " << y[i] << " vs " << c.expected[i];
  }
  attnc_tensor_list_destroy(outputs);
}

INSTANTIATE_TEST_SUITE_P(Runtime, DTypeConversionTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

TEST(DTypeConversionTest, OtherDTypesAreRefused) {
  TempPath weights("w.safetensors");
  double w[4] = {1, 2, 3, 4};
  writeTensors(weights.str(), {{"w.weight", {ATTNC_DTYPE_F64, {4}, w}}});
  ModelHandle model(ATTNC_FAKE_MODEL);
  EXPECT_EQ(model.load(weights.str(), ATTNC_ERROR_MISMATCH),
            weights.str() + ": tensor 'w.weight': expected dtype F32, F16 or "
                            "BF16, found F64 (parameter 'w')");
}

} // namespace
