//===- WeightRoundingTest.cpp - f32 weights rounded to bf16 and f16 -------===//
//
// floatToBFloat16 and floatToHalf (what the runtime does to a checkpoint
// tensor read into a bf16 or f16 parameter) against a reference that picks,
// among the two representable neighbours of x, the nearer one in double
// arithmetic, ties to the even encoding: no bit tricks shared with the code
// under test.
//
//===----------------------------------------------------------------------===//
#include "Convert.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace attnc::rt;

namespace {

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// Every finite non-negative value of a 16-bit format, ascending, with its
/// encoding; `decode` is the exact widening (tested in DTypeConversionTest).
std::vector<std::pair<double, uint16_t>> finiteValues(float (*decode)(uint16_t)) {
  std::vector<std::pair<double, uint16_t>> values;
  for (uint32_t bits = 0; bits < 0x8000u; ++bits) {
    float v = decode(static_cast<uint16_t>(bits));
    if (std::isfinite(v))
      values.push_back({v, static_cast<uint16_t>(bits)});
  }
  std::sort(values.begin(), values.end());
  return values;
}

/// Round to nearest, ties to even, by search: overflow past the largest
/// finite value plus half an ulp goes to infinity (IEEE 754).
uint16_t reference(float x, const std::vector<std::pair<double, uint16_t>> &values,
                   uint16_t infinity) {
  uint16_t sign = std::signbit(x) ? 0x8000u : 0u;
  double a = std::fabs(static_cast<double>(x));
  const auto &[largest, largestBits] = values.back();
  double ulp = largest - values[values.size() - 2].first;
  if (a >= largest + ulp / 2)
    return sign | infinity;
  auto above = std::lower_bound(values.begin(), values.end(),
                                std::pair<double, uint16_t>{a, 0});
  if (above == values.end())
    return sign | largestBits;
  if (above->first == a || above == values.begin())
    return sign | above->second;
  auto below = above - 1;
  double up = above->first - a, down = a - below->first;
  if (up < down)
    return sign | above->second;
  if (down < up)
    return sign | below->second;
  return sign | ((below->second & 1u) ? above->second : below->second);
}

/// Random floats of every magnitude, the midpoints between neighbours of
/// the 16-bit format (ties) and values next to them.
std::vector<float> samples(const std::vector<std::pair<double, uint16_t>> &values) {
  std::vector<float> xs;
  std::mt19937 rng(15);
  for (int i = 0; i < 200000; ++i)
    xs.push_back(fromBits(static_cast<uint32_t>(rng())));
  for (size_t i = 0; i + 1 < values.size(); i += 7) {
    float mid = static_cast<float>((values[i].first + values[i + 1].first) / 2);
    for (float x : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)})
      xs.insert(xs.end(), {x, -x});
  }
  xs.insert(xs.end(), {0.0f, -0.0f, std::numeric_limits<float>::max(),
                       std::numeric_limits<float>::denorm_min(), 65504.0f,
                       65519.996f, 65520.0f, 1e-8f, 3e-8f});
  return xs;
}

void checkAgainstReference(uint16_t (*round)(float), float (*decode)(uint16_t),
                           uint16_t infinity) {
  std::vector<std::pair<double, uint16_t>> values = finiteValues(decode);
  size_t wrong = 0;
  for (float x : samples(values)) {
    if (std::isnan(x))
      continue;
    uint16_t expected = std::isinf(x)
                            ? static_cast<uint16_t>((x < 0 ? 0x8000u : 0u) | infinity)
                            : reference(x, values, infinity);
    if (round(x) != expected && ++wrong <= 5)
      ADD_FAILURE() << std::hexfloat << x << ": got 0x" << std::hex
                    << round(x) << ", expected 0x" << expected;
  }
  EXPECT_EQ(wrong, 0u);
}

TEST(WeightRoundingTest, BFloat16RoundsToNearestEven) {
  checkAgainstReference(floatToBFloat16, bfloat16ToFloat, 0x7f80u);
}

TEST(WeightRoundingTest, HalfRoundsToNearestEven) {
  checkAgainstReference(floatToHalf, halfToFloat, 0x7c00u);
}

TEST(WeightRoundingTest, NaNStaysNaN) {
  for (uint32_t bits : {0x7fc00000u, 0x7f800001u, 0xffffffffu, 0x7f80ffffu}) {
    EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(fromBits(bits)))))
        << std::hex << bits;
    EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(fromBits(bits)))))
        << std::hex << bits;
  }
}

TEST(WeightRoundingTest, CheckpointTensorsConvertToStorage) {
  const float in[] = {1.0f, 0x1.0101p0f, -3.0e38f, 1e-3f};
  uint16_t out[4];
  convert(in, ATTNC_DTYPE_F32, out, ATTNC_DTYPE_BF16, 4);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(out[i], floatToBFloat16(in[i]));
  const uint16_t half[] = {0x3C01, 0x7BFF, 0x0001, 0xC000};
  convert(half, ATTNC_DTYPE_F16, out, ATTNC_DTYPE_BF16, 4);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(out[i], floatToBFloat16(halfToFloat(half[i])));
  EXPECT_TRUE(isConvertible(ATTNC_DTYPE_F32, ATTNC_DTYPE_BF16));
  EXPECT_TRUE(isConvertible(ATTNC_DTYPE_F16, ATTNC_DTYPE_BF16));
  EXPECT_FALSE(isConvertible(ATTNC_DTYPE_I32, ATTNC_DTYPE_BF16));
}

} // namespace
