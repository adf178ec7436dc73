//===- Quantize.cpp - int8 weights with a scale per block -----------------===//
#include "Quantize.h"

#include <algorithm>
#include <cmath>

namespace attnc::rt {

std::optional<size_t> quantizeInt8(const float *w, size_t rows, size_t cols,
                                   int8_t *values, float *scales) {
  size_t blocks = int8Blocks(cols);
  for (size_t r = 0; r < rows; ++r) {
    const float *row = w + r * cols;
    for (size_t b = 0; b < blocks; ++b) {
      size_t begin = b * kInt8Block, end = std::min(cols, begin + kInt8Block);
      float largest = 0.0f;
      for (size_t c = begin; c < end; ++c) {
        if (!std::isfinite(row[c]))
          return r * cols + c;
        largest = std::max(largest, std::fabs(row[c]));
      }
      float scale = largest / 127.0f;
      scales[r * blocks + b] = scale;
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

} // namespace attnc::rt
