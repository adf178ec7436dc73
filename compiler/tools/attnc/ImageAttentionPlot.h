//===- ImageAttentionPlot.h - plot-attention over a picture -----*- C++ -*-===//
//
// `attnc plot-attention vit.so DIR --image picture.png -o out.png`: runs a
// vision model compiled with --debug-attention on the picture and draws the
// class token's attention over the patches (a panel per head of one layer,
// their mean, and the attention rollout through that layer) laid over the
// picture as the model sees it. docs/visualization.md describes the math.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_IMAGEATTENTIONPLOT_H
#define ATTNC_TOOLS_ATTNC_IMAGEATTENTIONPLOT_H

#include "attnc/runtime.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace attnc {

struct ImageAttentionRequest {
  std::string modelPath, modelDir, weights, preprocessorConfig, picture;
  unsigned site = 0;
  /// The model's layer to draw; the last when not given.
  std::optional<int64_t> layer;
};

struct ImageAttentionPlot {
  /// The figure, as an SVG document.
  std::string svg;
  /// The numbers behind it (per-head grids, their mean, the rollout).
  std::string json;
};

Expected<ImageAttentionPlot>
plotImageAttention(const ImageAttentionRequest &request);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_IMAGEATTENTIONPLOT_H
