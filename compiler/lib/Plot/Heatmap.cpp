//===- Heatmap.cpp - Attention heatmaps as SVG ----------------------------===//
#include "attnc/Plot/Heatmap.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace attnc;
using namespace attnc::plot;

namespace {

// Matplotlib's viridis at 0, 1/8, ..., 1: perceptually uniform, readable in
// gray, and never white, so blank (masked) cells stand apart from small
// weights.
constexpr svg::Color kViridis[] = {
    {68, 1, 84},    {71, 44, 122},  {59, 81, 139},
    {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
    {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
constexpr int kViridisSteps = std::size(kViridis) - 1;

constexpr double kMargin = 16, kGap = 28, kTitleHeight = 26,
                 kSubtitleHeight = 18;
constexpr double kPanelTitleHeight = 20, kLabelPad = 4;
constexpr double kBarWidth = 16, kBarTickWidth = 46;
constexpr int kMaxColumns = 4;

/// Characters, not bytes, for width estimates.
size_t countChars(llvm::StringRef text) {
  return std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
}

/// A rough advance width of DejaVu Sans.
double textWidth(llvm::StringRef text, double fontSize) {
  return countChars(text) * fontSize * 0.62;
}

std::string formatValue(double v, const char *spec = "%.3g") {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format(spec, v);
  return text;
}

} // namespace

svg::Color attnc::plot::viridis(double t) {
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0) * kViridisSteps;
  int i = std::min(static_cast<int>(t), kViridisSteps - 1);
  double f = t - i;
  auto mix = [&](unsigned char a, unsigned char b) {
    return static_cast<unsigned char>(std::lround(a + (b - a) * f));
  };
  const svg::Color &lo = kViridis[i], &hi = kViridis[i + 1];
  return {mix(lo.r, hi.r), mix(lo.g, hi.g), mix(lo.b, hi.b)};
}

std::string attnc::plot::displayToken(llvm::StringRef token, size_t maxChars) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    unsigned char c = token[i];
    bool starts = (c & 0xC0) != 0x80;
    if (starts && chars == maxChars) {
      out += "\u2026";
      return out;
    }
    chars += starts;
    if (c == ' ')
      out += "\u2423";
    else if (c == '\t')
      out += "\u21E5";
    else if (c == '\n' || c == '\r')
      out += "\u21B5";
    else if (c < 0x20 || c == 0x7F)
      out += "\u00B7";
    else
      out += static_cast<char>(c);
  }
  if (token.empty())
    out = "\u2205"; // an empty token still gets a visible label
  return out;
}

namespace {

/// Where everything of a heatmap figure goes.
struct HeatmapLayout {
  int64_t rows = 0, cols = 0;
  double cell = 0, labelFont = 0;
  bool labels = false;
  /// Column labels upright (they fit a cell) or turned to run upwards.
  bool upright = false;
  double rowLabelWidth = 0, colLabelHeight = 0;
  double mapWidth = 0, mapHeight = 0, panelWidth = 0, panelHeight = 0;
  int64_t gridCols = 1;
  double gridHeight = 0, titleHeight = 0, legendX = 0;
  double width = 0, height = 0, barHeight = 0;
  double top() const { return kMargin + titleHeight; }
};

HeatmapLayout layoutHeatmaps(const HeatmapFigure &figure) {
  HeatmapLayout l;
  l.rows = figure.rowLabels.size();
  l.cols = figure.colLabels.size();
  int64_t side = std::max<int64_t>({l.rows, l.cols, 1});
  l.cell = std::clamp(std::floor(440.0 / side), 3.0, 26.0);
  l.labelFont = std::min(11.0, l.cell * 0.85);
  l.labels = l.labelFont >= 5;

  size_t longestColLabel = 0;
  for (const std::string &label : figure.colLabels)
    longestColLabel = std::max(longestColLabel, countChars(label));
  l.upright =
      textWidth(std::string(longestColLabel, 'x'), l.labelFont) <= l.cell - 1;
  if (l.labels) {
    for (const std::string &label : figure.rowLabels)
      l.rowLabelWidth =
          std::max(l.rowLabelWidth, textWidth(label, l.labelFont));
    l.colLabelHeight =
        l.upright ? l.labelFont
                  : textWidth(std::string(longestColLabel, 'x'), l.labelFont);
    l.rowLabelWidth += kLabelPad * 2;
    l.colLabelHeight += kLabelPad * 2;
  }
  l.mapWidth = l.cols * l.cell;
  l.mapHeight = l.rows * l.cell;
  l.panelWidth = l.rowLabelWidth + l.mapWidth;
  for (const Panel &panel : figure.panels)
    l.panelWidth =
        std::max(l.panelWidth, l.rowLabelWidth + textWidth(panel.title, 12));
  l.panelHeight = kPanelTitleHeight + l.colLabelHeight + l.mapHeight;

  int64_t numPanels = std::max<int64_t>(figure.panels.size(), 1);
  l.gridCols = std::min<int64_t>(numPanels, kMaxColumns);
  int64_t gridRows = (numPanels + l.gridCols - 1) / l.gridCols;
  double gridWidth = l.gridCols * l.panelWidth + (l.gridCols - 1) * kGap;
  l.gridHeight = gridRows * l.panelHeight + (gridRows - 1) * kGap;

  double titleWidth =
      std::max(textWidth(figure.title, 14), textWidth(figure.subtitle, 11));
  l.titleHeight =
      kTitleHeight + (figure.subtitle.empty() ? 0 : kSubtitleHeight);
  l.legendX = kMargin + gridWidth + kGap;
  double legendWidth =
      std::max({kBarWidth + kBarTickWidth,
                textWidth(figure.blankName, 11) + kBarWidth + 8,
                textWidth(figure.valueName, 11)});
  l.width = std::max(l.legendX + legendWidth, kMargin + titleWidth) + kMargin;
  l.barHeight = std::clamp(l.gridHeight - 60, 120.0, 320.0);
  l.height = kMargin + l.titleHeight +
             std::max(l.gridHeight, l.barHeight + 70) + kMargin;
  return l;
}

void drawTitles(svg::Document &doc, const HeatmapFigure &figure) {
  doc.text(kMargin, kMargin + 14, figure.title,
           {{"class", "title"}, {"font-size", "14"}, {"font-weight", "bold"}});
  if (!figure.subtitle.empty())
    doc.text(kMargin, kMargin + 14 + kSubtitleHeight, figure.subtitle,
             {{"class", "subtitle"}, {"font-size", "11"}, {"fill", "#555555"}});
}

void drawLabels(svg::Document &doc, const HeatmapLayout &l,
                const HeatmapFigure &figure, double mapX, double mapY) {
  for (int64_t r = 0; r < l.rows; ++r)
    doc.text(mapX - kLabelPad, mapY + (r + 0.5) * l.cell + l.labelFont * 0.35,
             figure.rowLabels[r],
             {{"class", "row-label"},
              {"font-size", svg::number(l.labelFont)},
              {"text-anchor", "end"}});
  for (int64_t c = 0; c < l.cols; ++c) {
    double y = mapY - kLabelPad;
    if (l.upright) {
      doc.text(mapX + (c + 0.5) * l.cell, y, figure.colLabels[c],
               {{"class", "col-label"},
                {"font-size", svg::number(l.labelFont)},
                {"text-anchor", "middle"}});
      continue;
    }
    double x = mapX + (c + 0.5) * l.cell + l.labelFont * 0.35;
    doc.text(x, y, figure.colLabels[c],
             {{"class", "col-label"},
              {"font-size", svg::number(l.labelFont)},
              {"transform",
               "rotate(-90 " + svg::number(x) + " " + svg::number(y) + ")"}});
  }
}

void drawPanel(svg::Document &doc, const HeatmapLayout &l,
               const HeatmapFigure &figure, const Panel &panel, size_t index,
               double maxValue) {
  double x0 = kMargin + (index % l.gridCols) * (l.panelWidth + kGap);
  double y0 = l.top() + (index / l.gridCols) * (l.panelHeight + kGap);
  double mapX = x0 + l.rowLabelWidth;
  double mapY = y0 + kPanelTitleHeight + l.colLabelHeight;
  doc.beginGroup({{"class", "panel"}});
  doc.text(mapX, y0 + 13, panel.title,
           {{"class", "panel-title"}, {"font-size", "12"}});
  // The frame shows where blank (masked) cells are.
  doc.rect(mapX, mapY, l.mapWidth, l.mapHeight,
           {{"class", "frame"},
            {"fill", "#ffffff"},
            {"stroke", "#bbbbbb"},
            {"stroke-width", "0.5"}});
  if (l.labels)
    drawLabels(doc, l, figure, mapX, mapY);
  for (int64_t r = 0; r < panel.rows && r < l.rows; ++r)
    for (int64_t c = 0; c < panel.cols && c < l.cols; ++c) {
      float v = panel.values[r * panel.cols + c];
      if (std::isnan(v))
        continue;
      // Slightly larger than the cell, so no hairline gaps show between
      // cells when rasterized.
      doc.rect(mapX + c * l.cell, mapY + r * l.cell, l.cell + 0.1, l.cell + 0.1,
               {{"class", "cell"}, {"fill", viridis(v / maxValue).hex()}},
               figure.rowLabels[r] + " \u2192 " + figure.colLabels[c] + ": " +
                   formatValue(v, "%.4f"));
    }
  doc.endGroup();
}

/// The color scale, its ticks, and what blank cells mean.
void drawLegend(svg::Document &doc, const HeatmapLayout &l,
                const HeatmapFigure &figure, double maxValue) {
  double barX = l.legendX, barY = l.top() + 18;
  doc.beginGroup({{"class", "legend"}});
  doc.text(barX, l.top() + 8, figure.valueName,
           {{"class", "legend-title"}, {"font-size", "11"}});
  doc.rect(barX, barY, kBarWidth, l.barHeight,
           {{"fill", "url(#scale)"},
            {"stroke", "#888888"},
            {"stroke-width", "0.5"}});
  for (int i = 0; i <= 4; ++i) {
    double y = barY + l.barHeight * (1 - i / 4.0);
    doc.line(barX + kBarWidth, y, barX + kBarWidth + 4, y,
             {{"stroke", "#444444"}, {"stroke-width", "0.8"}});
    doc.text(barX + kBarWidth + 7, y + 4, formatValue(maxValue * i / 4),
             {{"class", "tick"}, {"font-size", "10"}});
  }
  double blankY = barY + l.barHeight + 24;
  doc.rect(
      barX, blankY, kBarWidth, kBarWidth,
      {{"fill", "#ffffff"}, {"stroke", "#bbbbbb"}, {"stroke-width", "0.5"}});
  doc.text(barX + kBarWidth + 7, blankY + 12, figure.blankName,
           {{"font-size", "11"}});
  doc.endGroup();
}

} // namespace

std::string attnc::plot::renderHeatmaps(const HeatmapFigure &figure) {
  HeatmapLayout layout = layoutHeatmaps(figure);
  svg::Document doc(layout.width, layout.height);
  std::vector<std::pair<double, svg::Color>> stops;
  for (int i = 0; i <= kViridisSteps; ++i)
    stops.push_back({static_cast<double>(i) / kViridisSteps, kViridis[i]});
  doc.linearGradient("scale", stops, /*vertical=*/true);

  doc.beginGroup({{"font-family", "DejaVu Sans, Verdana, sans-serif"},
                  {"fill", "#222222"}});
  doc.rect(0, 0, layout.width, layout.height, {{"fill", "#ffffff"}});
  drawTitles(doc, figure);
  double maxValue = figure.maxValue > 0 ? figure.maxValue : 1;
  for (auto [index, panel] : llvm::enumerate(figure.panels))
    drawPanel(doc, layout, figure, panel, index, maxValue);
  drawLegend(doc, layout, figure, maxValue);
  doc.endGroup();
  return doc.str();
}
