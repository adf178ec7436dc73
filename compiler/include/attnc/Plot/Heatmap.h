//===- Heatmap.h - Attention heatmaps as SVG --------------------*- C++ -*-===//
//
// Lays out one heatmap panel per head (or one for their average) with the
// query tokens as row labels and the key tokens as column labels, a color
// scale with its legend, and masked cells left blank. The structure is
// meant for tests as well as eyes: cells are `rect class="cell"`, labels
// `text class="row-label"` / `class="col-label"`, one `g class="panel"` per
// panel.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PLOT_HEATMAP_H
#define ATTNC_PLOT_HEATMAP_H

#include "attnc/Plot/Svg.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::plot {

/// One heatmap: `rows` x `cols` values, row-major; NaN marks a blank
/// (masked) cell.
struct Panel {
  std::string title;
  int64_t rows = 0, cols = 0;
  std::vector<float> values;
};

struct HeatmapFigure {
  std::string title, subtitle;
  /// One per row and one per column of every panel (all panels share them).
  std::vector<std::string> rowLabels, colLabels;
  std::vector<Panel> panels;
  /// The color scale spans [0, maxValue].
  double maxValue = 1;
  std::string valueName = "attention probability";
  std::string blankName = "masked (weight 0)";
};

/// The SVG document of `figure`. Panels must all have the labels' shape.
std::string renderHeatmaps(const HeatmapFigure &figure);

/// A token as a label: spaces, tabs and newlines made visible (U+2423,
/// U+21E5, U+21B5), other control bytes as U+00B7, and tokens longer than
/// `maxChars` characters cut with U+2026.
std::string displayToken(llvm::StringRef token, size_t maxChars = 14);

/// The viridis color map at `t` (clamped to [0, 1]).
svg::Color viridis(double t);

} // namespace attnc::plot

#endif // ATTNC_PLOT_HEATMAP_H
