//===- ImageAttention.h - What a vision transformer looks at ---*- C++ -*-===//
//
// The numbers behind `attnc plot-attention vit.so DIR --image picture.png`:
// the class token's attention over the patches, as a grid laid over the
// picture, and attention rollout across layers (Abnar & Zuidema 2020).
// Token 0 is the class token; tokens 1..rows*cols are the patches, row by
// row, as a ViT's patch embedding orders them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PLOT_IMAGEATTENTION_H
#define ATTNC_PLOT_IMAGEATTENTION_H

#include "attnc/Plot/Svg.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnc::plot {

/// Square patches of `patch` pixels in `rows` x `cols`.
struct PatchGrid {
  int64_t rows = 0, cols = 0, patch = 0;
  int64_t patches() const { return rows * cols; }
};

/// The grid of `tokens` - 1 square patches that tile a `height` x `width`
/// picture, if there is one.
std::optional<PatchGrid> patchGrid(int64_t tokens, int64_t height,
                                   int64_t width);

/// A square [tokens, tokens] matrix, row-major, in double.
struct Matrix {
  int64_t size = 0;
  std::vector<double> values;
  double at(int64_t row, int64_t col) const { return values[row * size + col]; }
};

/// The mean over `heads` of `probs` [heads, tokens, tokens].
Matrix meanOverHeads(const float *probs, int64_t heads, int64_t tokens);

/// Attention rollout through `layers` (each the mean over heads of one
/// layer, first layer first): R = Â_L ... Â_2 Â_1 with
/// Â_l = rownorm(A_l + I), rownorm dividing each row by its sum.
Matrix attentionRollout(llvm::ArrayRef<Matrix> layers);

/// Row 0 (the class token) of `m`, at the patches' columns 1..size-1.
std::vector<double> classTokenRow(const Matrix &m);

/// An 8-bit RGB raster, row-major.
struct Raster {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

/// The opacity of the heatmap over the picture.
constexpr double kOverlayAlpha = 0.6;

/// `picture` scaled by `zoom` (nearest), with the grid's values drawn over
/// it: each patch's block has color viridis(value / maxValue), blended as
/// (1 - kOverlayAlpha) * pixel + kOverlayAlpha * color.
Raster overlayGrid(const Raster &picture, const PatchGrid &grid,
                   llvm::ArrayRef<double> values, double maxValue, int zoom);

/// `picture` scaled by `zoom` (nearest).
Raster zoomed(const Raster &picture, int zoom);

/// One panel of the figure: a raster (as PNG bytes) and what it shows.
struct ImagePanel {
  std::string title, caption;
  int width = 0, height = 0;
  std::string png;
};

struct ImageFigure {
  std::string title, subtitle;
  std::vector<ImagePanel> panels;
};

/// The SVG document of `figure`: a grid of panels with their titles and
/// captions, and the color scale (each panel from 0 to its own maximum).
std::string renderImagePanels(const ImageFigure &figure);

} // namespace attnc::plot

#endif // ATTNC_PLOT_IMAGEATTENTION_H
