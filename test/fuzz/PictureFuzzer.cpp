//===- PictureFuzzer.cpp - libFuzzer target for pictures ------------------===//
//
// Input: the bytes of a picture file, as `attnc run --image` reads it. A
// picture is untrusted input (docs/security.md): decoding (libpng,
// libjpeg-turbo and our glue around their longjmp error paths), resizing
// with every filter and the preprocessing must never crash, leak or read
// out of bounds. Besides sanitizer reports it checks what the decoder
// promises: an accepted picture has positive sizes within the pixel limit
// and exactly 3 bytes per pixel; a refusal has a message naming the file;
// resizing gives the asked size; resizing to the same size is the identity;
// pixel values are finite.
//
//===----------------------------------------------------------------------===//
#include "attnc/Image.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace {

void check(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "broken invariant: %s\n", what);
    std::abort();
  }
}

// Small enough that a header claiming a huge picture is refused before
// libFuzzer's memory limit is reached, large enough for real pictures.
constexpr uint64_t kFuzzMaxPixels = 1 << 20;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace attnc::image;
  attnc::Expected<Picture> picture =
      decodePicture(data, size, "fuzz.png", kFuzzMaxPixels);
  if (!picture) {
    check(picture.error().message().rfind("fuzz.png: ", 0) == 0 ||
              picture.error().message().find("fuzz.png") != std::string::npos,
          "a refusal names the file");
    return 0;
  }
  check(picture->width > 0 && picture->height > 0, "positive sizes");
  check(uint64_t(picture->width) * picture->height <= kFuzzMaxPixels,
        "within the pixel limit");
  check(picture->rgb.size() == size_t(picture->width) * picture->height * 3,
        "3 bytes per pixel");
  Picture same = resize(*picture, picture->width, picture->height,
                        Resample::Bilinear);
  check(same.rgb == picture->rgb, "resizing to the same size is the identity");
  // A size and a filter from the last bytes: down, up, and lopsided.
  uint8_t tail = size ? data[size - 1] : 0;
  int width = 1 + tail % 23, height = 1 + (tail / 23) % 19;
  Preprocessing steps;
  steps.width = width;
  steps.height = height;
  steps.resample = static_cast<Resample>(tail % 6);
  std::vector<float> values = pixelValues(*picture, steps);
  check(values.size() == size_t(width) * height * 3, "pixel_values [3, h, w]");
  for (float v : values)
    check(std::isfinite(v) && v >= -1.0f && v <= 1.0f,
          "normalized values within [-1, 1] (mean and std 0.5)");
  return 0;
}
