//===- Quantize.cpp - int8 weights with a scale per block -----------------===//
#include "Quantize.h"

#include "Convert.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace attnc::rt {

std::optional<size_t> quantizeInt8(const float *w, size_t rows, size_t cols,
                                   int8_t *values, uint16_t *scales) {
  size_t blocks = int8Blocks(cols);
  for (size_t r = 0; r < rows; ++r) {
    const float *row = w + r * cols;
    for (size_t b = 0; b < blocks; ++b) {
      size_t begin = b * kInt8Block, end = std::min(cols, begin + kInt8Block);
      float largest = 0.0f;
      for (size_t c = begin; c < end; ++c) {
        if (!(std::fabs(row[c]) <= kInt8MaxWeight))
          return r * cols + c;
        largest = std::max(largest, std::fabs(row[c]));
      }
      uint16_t half = floatToHalf(largest / 127.0f);
      scales[r * blocks + b] = half;
      float scale = halfToFloat(half);
      for (size_t c = begin; c < end; ++c) {
        // nearbyint rounds to even in the default rounding mode.
        float q = scale == 0.0f ? 0.0f : std::nearbyint(row[c] / scale);
        values[r * cols + c] =
            static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
      }
    }
  }
  return std::nullopt;
}

std::optional<size_t> quantizeMatrix(const float *w, size_t rows, size_t cols,
                                     bool outIsRow, int8_t *values,
                                     uint16_t *scales) {
  if (outIsRow)
    return quantizeInt8(w, rows, cols, values, scales);
  // [in, out]: quantized as [out, in], then put back.
  size_t outs = cols, ins = rows, blocks = int8Blocks(ins);
  std::vector<float> matrix(outs * ins);
  std::vector<uint16_t> rowScales(outs * blocks);
  std::vector<int8_t> rowValues(outs * ins);
  for (size_t n = 0; n < outs; ++n)
    for (size_t k = 0; k < ins; ++k)
      matrix[n * ins + k] = w[k * cols + n];
  if (std::optional<size_t> bad = quantizeInt8(
          matrix.data(), outs, ins, rowValues.data(), rowScales.data()))
    return bad;
  for (size_t n = 0; n < outs; ++n) {
    for (size_t k = 0; k < ins; ++k)
      values[k * cols + n] = rowValues[n * ins + k];
    for (size_t b = 0; b < blocks; ++b)
      scales[b * outs + n] = rowScales[n * blocks + b];
  }
  return std::nullopt;
}

std::string int8QuantizeError(float value) {
  if (!std::isfinite(value))
    return "is not finite; int8 weights must be finite";
  char text[128];
  std::snprintf(text, sizeof text,
                "is %.9g, beyond the %.9g (127 * %.9g) that an int8 weight "
                "with an f16 scale can hold",
                static_cast<double>(value), static_cast<double>(kInt8MaxWeight),
                static_cast<double>(kHalfMax));
  return text;
}

} // namespace attnc::rt
