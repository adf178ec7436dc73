//===- PngWriter.cpp - 8-bit RGB pictures as PNG bytes --------------------===//
//
// libpng reports errors through longjmp: the frame that calls setjmp holds
// no C++ objects with destructors besides the output string, which outlives it.
//
//===----------------------------------------------------------------------===//
#include "attnc/Image.h"
#include "PngErrors.h"

#include <png.h>

#include <cstdio>

namespace attnc::image {
namespace {

struct PngWriteState : PngErrorState {
  PngWriteState() : PngErrorState("cannot encode the PNG") {}
  std::string *out = nullptr;
};

void appendBytes(png_structp png, png_bytep data, png_size_t length) {
  auto *state = static_cast<PngWriteState *>(png_get_io_ptr(png));
  state->out->append(reinterpret_cast<const char *>(data), length);
}
void flushNothing(png_structp) {}

bool encode(const Picture &picture, std::vector<png_bytep> &rows,
            PngWriteState &state) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state,
                                            pngError, pngWarning);
  if (!png)
    return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_set_write_fn(png, &state, appendBytes, flushNothing);
  png_set_IHDR(png, info, picture.width, picture.height, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

} // namespace

Expected<std::string> encodePng(const Picture &picture) {
  if (picture.width <= 0 || picture.height <= 0 ||
      picture.rgb.size() != size_t(picture.width) * picture.height * 3)
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "cannot encode a PNG of " + std::to_string(picture.width) +
                     "x" + std::to_string(picture.height) + " pixels from " +
                     std::to_string(picture.rgb.size()) + " bytes");
  std::string out;
  PngWriteState state;
  state.out = &out;
  std::vector<png_bytep> rows(picture.height);
  for (int y = 0; y < picture.height; ++y)
    rows[y] = const_cast<png_bytep>(picture.rgb.data()) +
              size_t(y) * picture.width * 3;
  if (!encode(picture, rows, state))
    return Error(ATTNC_ERROR_INTERNAL, std::string("PNG: ") + state.message);
  return out;
}

} // namespace attnc::image
