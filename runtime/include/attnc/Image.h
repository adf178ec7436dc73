//===- Image.h - Pictures in, pixel values out ------------------*- C++ -*-===//
//
// What a Hugging Face image processor (ViTImageProcessor) does to a picture
// before a vision model sees it, so that `attnc run model.so DIR --image
// picture.png` feeds the model what `transformers` would: the picture read
// as 8-bit RGB (PNG through libpng, JPEG through libjpeg-turbo), resized
// with Pillow's resampling filters and rounding, rescaled and normalized as
// the directory's preprocessor_config.json says, as pixel_values [3, h, w].
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_IMAGE_H
#define ATTNC_IMAGE_H

#include "attnc/runtime.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace attnc::image {

/// An 8-bit RGB picture, row-major, 3 bytes per pixel.
struct Picture {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

/// Pictures of more pixels are refused before their pixels are allocated.
constexpr uint64_t kMaxPixels = uint64_t(1) << 28;

/// Reads a PNG or JPEG file (told apart by its first bytes) as RGB, as
/// Pillow's `Image.open(path).convert("RGB")` would: grey replicated,
/// palettes expanded, alpha dropped (not composited), 16-bit samples cut to
/// their high byte (as Pillow does for colour; it clips 16-bit grey).
Expected<Picture> readPicture(const std::string &path);

/// The picture as a PNG file's bytes (8-bit RGB, libpng's default
/// compression), for plots drawn over pictures.
Expected<std::string> encodePng(const Picture &picture);

/// The same for a file's bytes; errors name the file as `name`.
Expected<Picture> decodePicture(const void *data, size_t size,
                                const std::string &name,
                                uint64_t maxPixels = kMaxPixels);

/// Pillow's resampling filters, numbered as Pillow (and
/// preprocessor_config.json's "resample") number them.
enum class Resample {
  Nearest = 0,
  Lanczos = 1,
  Bilinear = 2,
  Bicubic = 3,
  Box = 4,
  Hamming = 5
};

/// `Image.resize((width, height), resample)` of Pillow 9: a horizontal then
/// a vertical pass, each a convolution whose support widens with the
/// downscale factor, in 22-bit fixed point, rounded to 8 bits in between.
Picture resize(const Picture &picture, int width, int height,
               Resample resample);

/// The steps of ViTImageProcessor and their parameters, with its defaults.
struct Preprocessing {
  bool doResize = true;
  int width = 224, height = 224;
  Resample resample = Resample::Bilinear;
  bool doRescale = true;
  double rescaleFactor = 1.0 / 255;
  bool doNormalize = true;
  std::array<double, 3> mean{0.5, 0.5, 0.5}, std{0.5, 0.5, 0.5};
};

/// The preprocessing a preprocessor_config.json describes. Fails, naming
/// the file and the key, on what it cannot do the same way (center crops,
/// shortest-edge sizes) and on malformed values.
Expected<Preprocessing> readPreprocessing(const std::string &path);

/// pixel_values [3, height, width] (channel-major, float) of a picture.
std::vector<float> pixelValues(const Picture &picture,
                               const Preprocessing &steps);

} // namespace attnc::image

#endif // ATTNC_IMAGE_H
