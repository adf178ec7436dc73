//===- Panels.h - Weights rearranged as the kernels read them ---*- C++ -*-===//
//
// The pieces of a packed parameter (docs/abi.md, "packed_params"): members
// concatenated along an axis, and matrices rearranged into column panels.
// Used when the runtime builds packs from f32 members and from int8 values
// and scales quantized ahead of time (QuantizedCheckpoint.h).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_PANELS_H
#define ATTNC_RUNTIME_LIB_PANELS_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace attnc::rt {

/// Writes the blocks `members` (each of `whole`'s shape except `sizes[k]`
/// along `axis`; `element` bytes per value) side by side along `axis` into
/// `out`, of shape `whole`: for every index of the dims before it, each
/// member's block in turn.
inline void concatenateAlong(const std::vector<int64_t> &whole, int axis,
                             const std::vector<int64_t> &sizes, size_t element,
                             const std::vector<const void *> &members,
                             void *out) {
  size_t outer = 1, inner = element;
  for (int d = 0; d < axis; ++d)
    outer *= static_cast<size_t>(whole[static_cast<size_t>(d)]);
  for (size_t d = static_cast<size_t>(axis) + 1; d < whole.size(); ++d)
    inner *= static_cast<size_t>(whole[d]);
  size_t row = static_cast<size_t>(whole[static_cast<size_t>(axis)]) * inner;
  size_t offset = 0;
  for (size_t k = 0; k < members.size(); ++k) {
    size_t block = static_cast<size_t>(sizes[k]) * inner;
    const char *from = static_cast<const char *>(members[k]);
    char *to = static_cast<char *>(out) + offset;
    for (size_t i = 0; i < outer; ++i)
      std::memcpy(to + i * row, from + i * block, block);
    offset += block;
  }
}

/// A weight of `shape` as its matrices (one per leading index, `rows` x
/// `cols`), each holding `outs` output features of `ins` inputs along
/// `outAxis` (rows when `outIsRow`).
struct WeightMatrices {
  size_t rows, cols, matrices = 1;
  bool outIsRow;
  size_t outs, ins;
  WeightMatrices(const std::vector<int64_t> &shape, int outAxis)
      : rows(static_cast<size_t>(shape[shape.size() - 2])),
        cols(static_cast<size_t>(shape.back())),
        outIsRow(static_cast<size_t>(outAxis) == shape.size() - 2),
        outs(outIsRow ? rows : cols), ins(outIsRow ? cols : rows) {
    for (size_t d = 0; d + 2 < shape.size(); ++d)
      matrices *= static_cast<size_t>(shape[d]);
  }
};

/// Rearranges `whole` (`shape`: a matrix per leading index, `outAxis` the
/// dim of output features; T an f32, a 16-bit or an 8-bit element) into the
/// "panels" layout of docs/abi.md: [lead.., ceil(out / width), in, width],
/// or with `group` G > 1 the "pairs" (G = 2) or "quads" (G = 4) layout:
/// [lead.., ceil(out / width), ceil(in / G), width, G]; the last panel (and
/// the last group's inputs past `in`) padded with zeros (all bits clear in
/// every float type).
template <typename T>
void packPanels(const T *whole, const std::vector<int64_t> &shape,
                int outAxis, size_t width, T *out, int64_t group = 1) {
  auto [rows, cols, matrices, outIsRow, outs, ins] =
      WeightMatrices(shape, outAxis);
  size_t panels = (outs + width - 1) / width;
  auto per = static_cast<size_t>(group);
  size_t depth = (ins + per - 1) / per;
  for (size_t m = 0; m < matrices; ++m) {
    const T *from = whole + m * rows * cols;
    T *to = out + m * panels * depth * width * per;
    for (size_t p = 0; p < panels; ++p)
      for (size_t r = 0; r < depth; ++r)
        for (size_t j = 0; j < width; ++j)
          for (size_t t = 0; t < per; ++t) {
            size_t n = p * width + j, k = r * per + t;
            to[((p * depth + r) * width + j) * per + t] =
                n >= outs || k >= ins
                    ? T(0)
                    : from[outIsRow ? n * cols + k : k * cols + n];
          }
  }
}

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_PANELS_H
