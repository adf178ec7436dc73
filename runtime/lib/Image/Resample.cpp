//===- Resample.cpp - Pillow's Image.resize, pixel for pixel --------------===//
//
// Vision checkpoints were trained on pictures resized by Pillow, and
// `transformers` resizes with it, so this follows Pillow 9's Resample.c: the
// same filters, the same coefficient windows and normalization, the same
// 22-bit fixed-point rounding and 8-bit clipping after each pass. Nearest
// neighbour is Pillow's affine transform: the source pixel under each
// destination pixel's center.
//
//===----------------------------------------------------------------------===//
#include "attnc/Image.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace attnc::image {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double sinc(double x) {
  if (x == 0.0)
    return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}

struct Filter {
  double support;
  double (*weight)(double);
};

Filter filterOf(Resample resample) {
  switch (resample) {
  case Resample::Box:
    return {0.5, [](double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }};
  case Resample::Bilinear:
    return {1.0, [](double x) {
              x = std::fabs(x);
              return x < 1.0 ? 1.0 - x : 0.0;
            }};
  case Resample::Hamming:
    return {1.0, [](double x) {
              x = std::fabs(x);
              if (x == 0.0)
                return 1.0;
              if (x >= 1.0)
                return 0.0;
              x *= M_PI;
              return std::sin(x) / x * (0.54 + 0.46 * std::cos(x));
            }};
  case Resample::Bicubic:
    return {2.0, [](double x) {
              constexpr double a = -0.5;
              x = std::fabs(x);
              if (x < 1.0)
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
              if (x < 2.0)
                return (((x - 5) * x + 8) * x - 4) * a;
              return 0.0;
            }};
  case Resample::Lanczos:
    return {3.0, [](double x) {
              return x > -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
            }};
  case Resample::Nearest:
    break; // Pillow's affine path, not a convolution: see nearest().
  }
  assert(false && "nearest neighbour is not a convolution filter");
  return {0.0, nullptr};
}

/// The window and fixed-point weights of each output position along one
/// axis of `inSize` samples.
struct Coefficients {
  int window = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights; // [outSize][window]
};

Coefficients coefficients(int inSize, int outSize, const Filter &filter) {
  double scale = double(inSize) / outSize;
  double filterScale = std::max(scale, 1.0);
  double support = filter.support * filterScale;
  Coefficients c;
  c.window = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(outSize);
  c.count.resize(outSize);
  c.weights.assign(size_t(outSize) * c.window, 0);
  std::vector<double> k(c.window);
  for (int out = 0; out < outSize; ++out) {
    double center = (out + 0.5) * scale;
    int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    int hi = std::min(static_cast<int>(center + support + 0.5), inSize);
    int n = hi - lo;
    double sum = 0;
    for (int x = 0; x < n; ++x)
      sum += k[x] = filter.weight((x + lo - center + 0.5) / filterScale);
    for (int x = 0; x < n; ++x) {
      double w = sum != 0.0 ? k[x] / sum : k[x];
      c.weights[size_t(out) * c.window + x] = static_cast<int32_t>(
          w < 0 ? -0.5 + w * (1 << kPrecisionBits)
                : 0.5 + w * (1 << kPrecisionBits));
    }
    c.first[out] = lo;
    c.count[out] = n;
  }
  return c;
}

uint8_t clip8(int64_t value) {
  if (value >= (int64_t(1) << kPrecisionBits << 8))
    return 255;
  if (value <= 0)
    return 0;
  return static_cast<uint8_t>(value >> kPrecisionBits);
}

/// One pass along x (`horizontal`) or y. Pillow's accumulator is a 32-bit
/// int; the sums stay within it for 8-bit samples.
Picture pass(const Picture &in, int outSize, bool horizontal,
             const Filter &filter) {
  Picture out;
  out.width = horizontal ? outSize : in.width;
  out.height = horizontal ? in.height : outSize;
  out.rgb.resize(size_t(out.width) * out.height * 3);
  Coefficients c =
      coefficients(horizontal ? in.width : in.height, outSize, filter);
  size_t rowStride = size_t(in.width) * 3;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      int o = horizontal ? x : y;
      const int32_t *k = &c.weights[size_t(o) * c.window];
      for (int ch = 0; ch < 3; ++ch) {
        int32_t sum = 1 << (kPrecisionBits - 1);
        for (int i = 0; i < c.count[o]; ++i) {
          int s = c.first[o] + i;
          size_t at = horizontal ? size_t(y) * rowStride + size_t(s) * 3
                                 : size_t(s) * rowStride + size_t(x) * 3;
          sum += int32_t(in.rgb[at + ch]) * k[i];
        }
        out.rgb[(size_t(y) * out.width + x) * 3 + ch] = clip8(sum);
      }
    }
  return out;
}

Picture nearest(const Picture &in, int width, int height) {
  Picture out;
  out.width = width;
  out.height = height;
  out.rgb.resize(size_t(width) * height * 3);
  double sx = double(in.width) / width, sy = double(in.height) / height;
  for (int y = 0; y < height; ++y) {
    int ys = std::min(static_cast<int>((y + 0.5) * sy), in.height - 1);
    for (int x = 0; x < width; ++x) {
      int xs = std::min(static_cast<int>((x + 0.5) * sx), in.width - 1);
      std::copy_n(&in.rgb[(size_t(ys) * in.width + xs) * 3], 3,
                  &out.rgb[(size_t(y) * width + x) * 3]);
    }
  }
  return out;
}

} // namespace

Picture resize(const Picture &picture, int width, int height,
               Resample resample) {
  if (width == picture.width && height == picture.height)
    return picture;
  if (resample == Resample::Nearest)
    return nearest(picture, width, height);
  Filter filter = filterOf(resample);
  const Picture *current = &picture;
  Picture wide, tall;
  if (width != picture.width) {
    wide = pass(*current, width, /*horizontal=*/true, filter);
    current = &wide;
  }
  if (height != picture.height) {
    tall = pass(*current, height, /*horizontal=*/false, filter);
    current = &tall;
  }
  return *current;
}

} // namespace attnc::image
