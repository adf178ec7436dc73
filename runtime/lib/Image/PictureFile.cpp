//===- PictureFile.cpp - PNG and JPEG files as 8-bit RGB ------------------===//
//
// libpng and libjpeg report errors through longjmp; each decoder keeps its
// C++ objects out of the frames a longjmp skips and frees what the library
// allocated on both paths.
//
//===----------------------------------------------------------------------===//
#include "attnc/Image.h"
#include "PngErrors.h"

#include <png.h>
// jpeglib.h needs FILE and size_t declared before it.
#include <cstdio>
#include <jpeglib.h>
#include <jerror.h>

#include <cerrno>
#include <csetjmp>
#include <cstring>
#include <memory>

namespace attnc::image {
namespace {

struct FileCloser {
  void operator()(FILE *f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

Error formatError(const std::string &path, const std::string &what) {
  return Error(ATTNC_ERROR_FORMAT, path + ": " + what);
}

/// Decodes into `out`; returns false with state.message set on failure.
bool decodePng(FILE *file, uint64_t maxPixels, Picture &out,
               PngErrorState &state, std::vector<png_bytep> &rows) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state,
                                           pngError, pngWarning);
  if (!png)
    return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    return false;
  }
  png_init_io(png, file);
  png_read_info(png, info);
  png_uint_32 width = png_get_image_width(png, info);
  png_uint_32 height = png_get_image_height(png, info);
  if (uint64_t(width) * height > maxPixels)
    png_error(png, "the picture is too large");
  int colorType = png_get_color_type(png, info);
  // Pillow's convert("RGB"): palettes and low bit depths expanded,
  // transparency ignored, 16 bits cut to the high byte, grey replicated.
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  if (colorType == PNG_COLOR_TYPE_GRAY ||
      colorType == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != size_t(width) * 3)
    png_error(png, "unexpected row layout after conversion to RGB");
  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  out.rgb.resize(size_t(width) * height * 3);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y)
    rows[y] = out.rgb.data() + size_t(y) * width * 3;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

struct JpegErrorState {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = "damaged JPEG data";
};

void jpegError(j_common_ptr cinfo) {
  auto *state = reinterpret_cast<JpegErrorState *>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, state->message);
  std::longjmp(state->jump, 1);
}

/// libjpeg only warns about a file that ends early (and decodes the rest as
/// grey); Pillow refuses it, and so does this.
void jpegMessage(j_common_ptr cinfo, int level) {
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF)
    jpegError(cinfo);
}

bool decodeJpeg(FILE *file, uint64_t maxPixels, Picture &out,
                JpegErrorState &state) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&state.manager);
  state.manager.error_exit = jpegError;
  state.manager.emit_message = jpegMessage;
  if (setjmp(state.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, file);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    std::snprintf(state.message, sizeof state.message,
                  "CMYK JPEG pictures are not supported; convert it to RGB");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = JCS_RGB;
  if (uint64_t(cinfo.image_width) * cinfo.image_height > maxPixels) {
    std::snprintf(state.message, sizeof state.message,
                  "the picture is too large");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_start_decompress(&cinfo);
  out.width = static_cast<int>(cinfo.output_width);
  out.height = static_cast<int>(cinfo.output_height);
  out.rgb.resize(size_t(out.width) * out.height * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.rgb.data() + size_t(cinfo.output_scanline) * out.width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

} // namespace

Expected<Picture> decodePicture(const void *data, size_t size,
                                const std::string &name, uint64_t maxPixels) {
  const auto *bytes = static_cast<const unsigned char *>(data);
  bool png = size >= 8 && png_sig_cmp(bytes, 0, 8) == 0;
  bool jpeg = size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 &&
              bytes[2] == 0xFF;
  if (!png && !jpeg)
    return formatError(name, "not a PNG or JPEG picture (its first bytes are "
                             "neither format's signature)");
  FilePtr file(fmemopen(const_cast<void *>(data), size, "rb"));
  if (!file)
    return Error(ATTNC_ERROR_OUT_OF_MEMORY, "out of memory reading " + name);
  Picture picture;
  if (png) {
    PngErrorState state("damaged PNG data");
    std::vector<png_bytep> rows;
    if (!decodePng(file.get(), maxPixels, picture, state, rows))
      return formatError(name, std::string("invalid PNG: ") + state.message);
    return picture;
  }
  auto state = std::make_unique<JpegErrorState>();
  if (!decodeJpeg(file.get(), maxPixels, picture, *state))
    return formatError(name, std::string("invalid JPEG: ") + state->message);
  return picture;
}

Expected<Picture> readPicture(const std::string &path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file)
    return Error(ATTNC_ERROR_IO,
                 "cannot read '" + path + "': " + std::strerror(errno));
  std::vector<unsigned char> bytes;
  unsigned char chunk[1 << 16];
  while (size_t got = std::fread(chunk, 1, sizeof chunk, file.get()))
    bytes.insert(bytes.end(), chunk, chunk + got);
  if (std::ferror(file.get()))
    return Error(ATTNC_ERROR_IO,
                 "cannot read '" + path + "': " + std::strerror(errno));
  return decodePicture(bytes.data(), bytes.size(), path);
}

} // namespace attnc::image
