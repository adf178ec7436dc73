//===- PngErrors.h - libpng's error and warning callbacks ---------*- C++ -*-===//
//
// libpng reports an error by calling the error callback, which must not
// return: it keeps the message and longjmps to the frame that called
// setjmp(png_jmpbuf(png)). Warnings are dropped. The reader and the writer
// pass a PngErrorState (or a struct that starts with one) as the error
// pointer of png_create_read_struct / png_create_write_struct.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_IMAGE_PNGERRORS_H
#define ATTNC_RUNTIME_IMAGE_PNGERRORS_H

#include <png.h>

#include <cstdio>

namespace attnc::image {

struct PngErrorState {
  explicit PngErrorState(const char *fallback) {
    std::snprintf(message, sizeof message, "%s", fallback);
  }
  char message[200];
};

inline void pngError(png_structp png, png_const_charp message) {
  auto *state = static_cast<PngErrorState *>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

inline void pngWarning(png_structp, png_const_charp) {}

} // namespace attnc::image

#endif // ATTNC_RUNTIME_IMAGE_PNGERRORS_H
