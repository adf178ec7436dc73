//===- ImageAttention.cpp - What a vision transformer looks at -----------===//
#include "attnc/Plot/ImageAttention.h"

#include "attnc/Plot/Heatmap.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace attnc;
using namespace attnc::plot;

std::optional<PatchGrid> attnc::plot::patchGrid(int64_t tokens, int64_t height,
                                                int64_t width) {
  int64_t patches = tokens - 1;
  if (patches < 1 || height < 1 || width < 1 || (height * width) % patches)
    return std::nullopt;
  int64_t area = height * width / patches;
  auto patch = static_cast<int64_t>(std::llround(std::sqrt(double(area))));
  if (patch * patch != area || height % patch || width % patch)
    return std::nullopt;
  return PatchGrid{height / patch, width / patch, patch};
}

Matrix attnc::plot::meanOverHeads(const float *probs, int64_t heads,
                                  int64_t tokens) {
  Matrix mean{tokens, std::vector<double>(tokens * tokens, 0.0)};
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < tokens * tokens; ++i)
      mean.values[i] += probs[h * tokens * tokens + i];
  for (double &v : mean.values)
    v /= static_cast<double>(heads);
  return mean;
}

Matrix attnc::plot::attentionRollout(llvm::ArrayRef<Matrix> layers) {
  int64_t n = layers.empty() ? 0 : layers.front().size;
  Matrix rollout{n, std::vector<double>(n * n, 0.0)};
  for (int64_t i = 0; i < n; ++i)
    rollout.values[i * n + i] = 1;
  for (const Matrix &layer : layers) {
    // Â = rownorm(A + I): the residual connection carries each token on.
    Matrix residual = layer;
    for (int64_t i = 0; i < n; ++i) {
      residual.values[i * n + i] += 1;
      double sum = 0;
      for (int64_t j = 0; j < n; ++j)
        sum += residual.at(i, j);
      for (int64_t j = 0; j < n; ++j)
        residual.values[i * n + j] /= sum;
    }
    Matrix next{n, std::vector<double>(n * n, 0.0)};
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < n; ++k) {
        double a = residual.at(i, k);
        for (int64_t j = 0; j < n; ++j)
          next.values[i * n + j] += a * rollout.at(k, j);
      }
    rollout = std::move(next);
  }
  return rollout;
}

std::vector<double> attnc::plot::classTokenRow(const Matrix &m) {
  return std::vector<double>(m.values.begin() + 1, m.values.begin() + m.size);
}

Raster attnc::plot::zoomed(const Raster &picture, int zoom) {
  Raster out{picture.width * zoom, picture.height * zoom, {}};
  out.rgb.resize(size_t(out.width) * out.height * 3);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int c = 0; c < 3; ++c)
        out.rgb[(size_t(y) * out.width + x) * 3 + c] =
            picture.rgb[(size_t(y / zoom) * picture.width + x / zoom) * 3 + c];
  return out;
}

Raster attnc::plot::overlayGrid(const Raster &picture, const PatchGrid &grid,
                                llvm::ArrayRef<double> values, double maxValue,
                                int zoom) {
  Raster out = zoomed(picture, zoom);
  int64_t block = grid.patch * zoom;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      double v = values[(y / block) * grid.cols + x / block];
      svg::Color color = viridis(maxValue > 0 ? v / maxValue : 0);
      uint8_t *pixel = &out.rgb[(size_t(y) * out.width + x) * 3];
      const unsigned char tint[3] = {color.r, color.g, color.b};
      for (int c = 0; c < 3; ++c)
        pixel[c] = static_cast<uint8_t>(std::lround(
            (1 - kOverlayAlpha) * pixel[c] + kOverlayAlpha * tint[c]));
    }
  return out;
}

namespace {

constexpr double kMargin = 16, kGap = 20, kTitleHeight = 26,
                 kSubtitleHeight = 18, kPanelTitleHeight = 18,
                 kCaptionHeight = 16, kBarWidth = 16, kLegendWidth = 150;
constexpr int kMaxColumns = 4;

} // namespace

std::string attnc::plot::renderImagePanels(const ImageFigure &figure) {
  double panelWidth = 1, panelHeight = 1;
  for (const ImagePanel &panel : figure.panels) {
    panelWidth = std::max<double>(panelWidth, panel.width);
    panelHeight = std::max<double>(panelHeight, panel.height);
  }
  int64_t count = std::max<int64_t>(figure.panels.size(), 1);
  int64_t gridCols = std::min<int64_t>(count, kMaxColumns);
  int64_t gridRows = (count + gridCols - 1) / gridCols;
  double cellHeight = kPanelTitleHeight + panelHeight + kCaptionHeight;
  double gridWidth = gridCols * panelWidth + (gridCols - 1) * kGap;
  double gridHeight = gridRows * cellHeight + (gridRows - 1) * kGap;
  double titleHeight =
      kTitleHeight + (figure.subtitle.empty() ? 0 : kSubtitleHeight);
  double top = kMargin + titleHeight;
  double legendX = kMargin + gridWidth + kGap;
  double textWidth = std::max(figure.title.size() * 14 * 0.62,
                              figure.subtitle.size() * 11 * 0.62);
  double width =
      std::max(legendX + kLegendWidth, kMargin + textWidth) + kMargin;
  double barHeight = std::clamp(gridHeight - 60, 100.0, 240.0);
  double height = top + std::max(gridHeight, barHeight + 60) + kMargin;

  svg::Document doc(width, height);
  std::vector<std::pair<double, svg::Color>> stops;
  for (int i = 0; i <= 8; ++i)
    stops.push_back({i / 8.0, viridis(i / 8.0)});
  doc.linearGradient("scale", stops, /*vertical=*/true);
  doc.beginGroup({{"font-family", "DejaVu Sans, Verdana, sans-serif"},
                  {"fill", "#222222"}});
  doc.rect(0, 0, width, height, {{"fill", "#ffffff"}});
  doc.text(kMargin, kMargin + 14, figure.title,
           {{"class", "title"}, {"font-size", "14"}, {"font-weight", "bold"}});
  if (!figure.subtitle.empty())
    doc.text(kMargin, kMargin + 14 + kSubtitleHeight, figure.subtitle,
             {{"class", "subtitle"}, {"font-size", "11"}, {"fill", "#555555"}});
  for (auto [index, panel] : llvm::enumerate(figure.panels)) {
    double x = kMargin + (index % gridCols) * (panelWidth + kGap);
    double y = top + (index / gridCols) * (cellHeight + kGap);
    doc.beginGroup({{"class", "panel"}});
    doc.text(x, y + 13, panel.title,
             {{"class", "panel-title"}, {"font-size", "12"}});
    doc.image(x, y + kPanelTitleHeight, panel.width, panel.height, "image/png",
              panel.png, {{"class", "overlay"}});
    if (!panel.caption.empty())
      doc.text(
          x, y + kPanelTitleHeight + panel.height + 12, panel.caption,
          {{"class", "caption"}, {"font-size", "10"}, {"fill", "#555555"}});
    doc.endGroup();
  }
  double barX = legendX, barY = top + 30;
  doc.beginGroup({{"class", "legend"}});
  doc.text(barX, top + 8, "attention, each panel", {{"font-size", "11"}});
  doc.text(barX, top + 21, "from 0 to its own max", {{"font-size", "11"}});
  doc.rect(barX, barY, kBarWidth, barHeight,
           {{"fill", "url(#scale)"},
            {"stroke", "#888888"},
            {"stroke-width", "0.5"}});
  doc.text(barX + kBarWidth + 6, barY + 10, "max", {{"font-size", "10"}});
  doc.text(barX + kBarWidth + 6, barY + barHeight, "0", {{"font-size", "10"}});
  doc.endGroup();
  doc.endGroup();
  return doc.str();
}
