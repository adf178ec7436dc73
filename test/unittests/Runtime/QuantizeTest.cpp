//===- QuantizeTest.cpp - int8 weights with a scale per block -------------===//
//
// quantizeInt8 (what the runtime does to a weight stored as int8) against a
// reference written from docs/abi.md's rule in double arithmetic (f32
// quotients rounded from double: exact for a quotient of two floats), with
// ties to even decided by comparing the fraction, not by nearbyint, and the
// scales rounded to f16 by the compiler's _Float16 (not the runtime's
// floatToHalf).
//
//===----------------------------------------------------------------------===//
#include "Quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace attnc::rt;

namespace {

struct Quantized {
  std::vector<int8_t> values;
  std::vector<float> scales;
};

/// `x` rounded to f16 (nearest, ties to even), as an f32.
float toHalf(float x) { return static_cast<float>(static_cast<_Float16>(x)); }

/// The f16 whose bits are `bits`, as an f32.
float fromHalfBits(uint16_t bits) {
  _Float16 half;
  std::memcpy(&half, &bits, sizeof half);
  return static_cast<float>(half);
}

int8_t roundHalfEven(double x) {
  double lower = std::floor(x), fraction = x - lower;
  double q = fraction > 0.5 ? lower + 1
             : fraction < 0.5 ? lower
             : (std::fmod(lower, 2.0) == 0 ? lower : lower + 1);
  return static_cast<int8_t>(std::max(-127.0, std::min(127.0, q)));
}

Quantized reference(const std::vector<float> &w, size_t rows, size_t cols) {
  size_t blocks = (cols + 31) / 32;
  Quantized out{std::vector<int8_t>(w.size()),
                std::vector<float>(rows * blocks)};
  for (size_t r = 0; r < rows; ++r)
    for (size_t b = 0; b < blocks; ++b) {
      double largest = 0;
      for (size_t c = b * 32; c < std::min(cols, b * 32 + 32); ++c)
        largest = std::max(largest, std::abs(double(w[r * cols + c])));
      auto scale = toHalf(static_cast<float>(largest / 127.0));
      out.scales[r * blocks + b] = scale;
      for (size_t c = b * 32; c < std::min(cols, b * 32 + 32); ++c)
        out.values[r * cols + c] =
            scale == 0 ? 0
                       : roundHalfEven(static_cast<float>(
                             double(w[r * cols + c]) / double(scale)));
    }
  return out;
}

Quantized quantize(const std::vector<float> &w, size_t rows, size_t cols) {
  Quantized out{std::vector<int8_t>(w.size()), {}};
  std::vector<uint16_t> halves(rows * int8Blocks(cols));
  EXPECT_EQ(
      quantizeInt8(w.data(), rows, cols, out.values.data(), halves.data()),
      std::nullopt);
  for (uint16_t bits : halves)
    out.scales.push_back(fromHalfBits(bits));
  return out;
}

TEST(QuantizeTest, AgreesWithTheDocumentedRule) {
  std::mt19937 gen(15);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  // 70 columns: two whole blocks and one of 6.
  for (size_t cols : {32u, 70u, 768u}) {
    size_t rows = 37;
    std::vector<float> w(rows * cols);
    for (float &x : w)
      x = normal(gen);
    w[5] = 0.0f;
    Quantized got = quantize(w, rows, cols), want = reference(w, rows, cols);
    EXPECT_EQ(got.scales, want.scales) << cols;
    EXPECT_EQ(got.values, want.values) << cols;
    // Each value within half a step of the weight; the largest is +-127.
    size_t blocks = int8Blocks(cols);
    for (size_t i = 0; i < w.size(); ++i) {
      float s = got.scales[i / cols * blocks + i % cols / 32];
      EXPECT_LE(std::abs(got.values[i] * s - w[i]), s * 0.5f + 1e-9f) << i;
    }
  }
}

TEST(QuantizeTest, TiesGoToEvenAndTheLargestIsTheFullStep) {
  // max |w| = 127: scale 1, so the quotients are the values themselves.
  std::vector<float> w(32, 0.0f);
  std::vector<float> ties = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, -127.0f};
  std::copy(ties.begin(), ties.end(), w.begin());
  Quantized got = quantize(w, 1, 32);
  EXPECT_EQ(got.scales, std::vector<float>{1.0f});
  std::vector<int8_t> want = {0, 2, 2, 0, -2, -2, 126, -127};
  EXPECT_EQ(std::vector<int8_t>(got.values.begin(), got.values.begin() + 8),
            want);
}

TEST(QuantizeTest, ABlockOfZerosHasScaleZero) {
  std::vector<float> w(64, 0.0f);
  w[40] = -3.0f;
  Quantized got = quantize(w, 1, 64);
  EXPECT_EQ(got.scales, (std::vector<float>{0.0f, toHalf(3.0f / 127.0f)}));
  EXPECT_EQ(got.values[0], 0);
  EXPECT_EQ(got.values[40], -127);
}

TEST(QuantizeTest, ScalesAreExactInHalfDownToItsSubnormals) {
  // Blocks whose scales are an f16 normal, a subnormal, and below f16's
  // smallest subnormal (2^-24 / 2: rounds to 0): the last has values 0.
  std::vector<float> w(96, 0.0f);
  w[0] = 0.3f, w[1] = -0.1f;
  w[32] = 127.0f * 1e-6f, w[33] = 127.0f * 3e-7f;
  w[64] = 127.0f * 2e-8f, w[65] = -127.0f * 1e-8f;
  Quantized got = quantize(w, 1, 96), want = reference(w, 1, 96);
  EXPECT_EQ(got.scales, want.scales);
  EXPECT_EQ(got.values, want.values);
  EXPECT_EQ(got.scales[0], toHalf(0.3f / 127.0f));
  EXPECT_GT(got.scales[1], 0.0f);
  EXPECT_LT(got.scales[1], 0x1p-14f); // subnormal in f16
  EXPECT_EQ(got.scales[2], 0.0f);
  EXPECT_EQ(got.values[64], 0);
  EXPECT_EQ(got.values[65], 0);
  // Every scale is exact in f16.
  for (float scale : got.scales)
    EXPECT_EQ(toHalf(scale), scale);
}

TEST(QuantizeTest, ReportsAWeightBeyondWhatAnF16ScaleHolds) {
  std::vector<float> w(2 * 32, 1.0f);
  w[32 + 3] = kInt8MaxWeight; // the largest that fits: scale 65504
  std::vector<int8_t> values(w.size());
  std::vector<uint16_t> scales(2);
  EXPECT_EQ(quantizeInt8(w.data(), 2, 32, values.data(), scales.data()),
            std::nullopt);
  EXPECT_EQ(fromHalfBits(scales[1]), 65504.0f);
  EXPECT_EQ(values[32 + 3], 127);
  w[32 + 5] = -2 * kInt8MaxWeight;
  EXPECT_EQ(quantizeInt8(w.data(), 2, 32, values.data(), scales.data()),
            std::optional<size_t>(32 + 5));
  EXPECT_NE(int8QuantizeError(w[32 + 5]).find("beyond"), std::string::npos);
  EXPECT_NE(int8QuantizeError(std::nanf("")).find("not finite"),
            std::string::npos);
}

TEST(QuantizeTest, ReportsTheFirstValueThatIsNotFinite) {
  std::vector<float> w(3 * 40, 1.0f);
  w[85] = std::numeric_limits<float>::infinity();
  w[100] = std::numeric_limits<float>::quiet_NaN();
  std::vector<int8_t> values(w.size());
  std::vector<uint16_t> scales(3 * 2);
  EXPECT_EQ(quantizeInt8(w.data(), 3, 40, values.data(), scales.data()),
            std::optional<size_t>(85));
}

} // namespace
