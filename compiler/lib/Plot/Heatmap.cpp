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

std::string attnc::plot::renderHeatmaps(const HeatmapFigure &figure) {
  int64_t rows = figure.rowLabels.size(), cols = figure.colLabels.size();
  int64_t side = std::max<int64_t>({rows, cols, 1});
  double cell = std::clamp(std::floor(440.0 / side), 3.0, 26.0);
  double labelFont = std::min(11.0, cell * 0.85);
  bool labels = labelFont >= 5;

  // Column labels read upright when they fit a cell (characters, short
  // ids), else turned to run upwards.
  size_t longestColLabel = 0;
  for (const std::string &l : figure.colLabels)
    longestColLabel = std::max(longestColLabel, countChars(l));
  bool upright =
      textWidth(std::string(longestColLabel, 'x'), labelFont) <= cell - 1;
  double rowLabelWidth = 0, colLabelHeight = 0;
  if (labels) {
    for (const std::string &l : figure.rowLabels)
      rowLabelWidth = std::max(rowLabelWidth, textWidth(l, labelFont));
    colLabelHeight =
        upright ? labelFont
                : textWidth(std::string(longestColLabel, 'x'), labelFont);
    rowLabelWidth += kLabelPad * 2;
    colLabelHeight += kLabelPad * 2;
  }
  double mapWidth = cols * cell, mapHeight = rows * cell;
  double panelWidth = rowLabelWidth + mapWidth;
  for (const Panel &panel : figure.panels)
    panelWidth =
        std::max(panelWidth, rowLabelWidth + textWidth(panel.title, 12));
  double panelHeight = kPanelTitleHeight + colLabelHeight + mapHeight;

  int64_t numPanels = std::max<int64_t>(figure.panels.size(), 1);
  int64_t gridCols = std::min<int64_t>(numPanels, kMaxColumns);
  int64_t gridRows = (numPanels + gridCols - 1) / gridCols;
  double gridWidth = gridCols * panelWidth + (gridCols - 1) * kGap;
  double gridHeight = gridRows * panelHeight + (gridRows - 1) * kGap;

  double titleWidth =
      std::max(textWidth(figure.title, 14), textWidth(figure.subtitle, 11));
  double titleHeight =
      kTitleHeight + (figure.subtitle.empty() ? 0 : kSubtitleHeight);
  double legendX = kMargin + gridWidth + kGap;
  double legendWidth =
      std::max({kBarWidth + kBarTickWidth,
                textWidth(figure.blankName, 11) + kBarWidth + 8,
                textWidth(figure.valueName, 11)});
  double width =
      std::max(legendX + legendWidth, kMargin + titleWidth) + kMargin;
  double barHeight = std::clamp(gridHeight - 60, 120.0, 320.0);
  double height =
      kMargin + titleHeight + std::max(gridHeight, barHeight + 70) + kMargin;

  svg::Document doc(width, height);
  std::vector<std::pair<double, svg::Color>> stops;
  for (int i = 0; i <= kViridisSteps; ++i)
    stops.push_back({static_cast<double>(i) / kViridisSteps, kViridis[i]});
  doc.linearGradient("scale", stops, /*vertical=*/true);

  doc.beginGroup({{"font-family", "DejaVu Sans, Verdana, sans-serif"},
                  {"fill", "#222222"}});
  doc.rect(0, 0, width, height, {{"fill", "#ffffff"}});
  doc.text(kMargin, kMargin + 14, figure.title,
           {{"class", "title"}, {"font-size", "14"}, {"font-weight", "bold"}});
  if (!figure.subtitle.empty())
    doc.text(kMargin, kMargin + 14 + kSubtitleHeight, figure.subtitle,
             {{"class", "subtitle"}, {"font-size", "11"}, {"fill", "#555555"}});

  double maxValue = figure.maxValue > 0 ? figure.maxValue : 1;
  double top = kMargin + titleHeight;
  for (auto [index, panel] : llvm::enumerate(figure.panels)) {
    double x0 = kMargin + (index % gridCols) * (panelWidth + kGap);
    double y0 = top + (index / gridCols) * (panelHeight + kGap);
    double mapX = x0 + rowLabelWidth;
    double mapY = y0 + kPanelTitleHeight + colLabelHeight;
    doc.beginGroup({{"class", "panel"}});
    doc.text(mapX, y0 + 13, panel.title,
             {{"class", "panel-title"}, {"font-size", "12"}});
    // The frame shows where blank (masked) cells are.
    doc.rect(mapX, mapY, mapWidth, mapHeight,
             {{"class", "frame"},
              {"fill", "#ffffff"},
              {"stroke", "#bbbbbb"},
              {"stroke-width", "0.5"}});
    if (labels) {
      for (int64_t r = 0; r < rows; ++r)
        doc.text(mapX - kLabelPad, mapY + (r + 0.5) * cell + labelFont * 0.35,
                 figure.rowLabels[r],
                 {{"class", "row-label"},
                  {"font-size", svg::number(labelFont)},
                  {"text-anchor", "end"}});
      for (int64_t c = 0; c < cols; ++c) {
        double y = mapY - kLabelPad;
        if (upright) {
          doc.text(mapX + (c + 0.5) * cell, y, figure.colLabels[c],
                   {{"class", "col-label"},
                    {"font-size", svg::number(labelFont)},
                    {"text-anchor", "middle"}});
          continue;
        }
        double x = mapX + (c + 0.5) * cell + labelFont * 0.35;
        doc.text(x, y, figure.colLabels[c],
                 {{"class", "col-label"},
                  {"font-size", svg::number(labelFont)},
                  {"transform", "rotate(-90 " + svg::number(x) + " " +
                                    svg::number(y) + ")"}});
      }
    }
    for (int64_t r = 0; r < panel.rows && r < rows; ++r)
      for (int64_t c = 0; c < panel.cols && c < cols; ++c) {
        float v = panel.values[r * panel.cols + c];
        if (std::isnan(v))
          continue;
        // Slightly larger than the cell, so no hairline gaps show between
        // cells when rasterized.
        doc.rect(mapX + c * cell, mapY + r * cell, cell + 0.1, cell + 0.1,
                 {{"class", "cell"}, {"fill", viridis(v / maxValue).hex()}},
                 figure.rowLabels[r] + " \u2192 " + figure.colLabels[c] + ": " +
                     formatValue(v, "%.4f"));
      }
    doc.endGroup();
  }

  // The color scale, its ticks, and what blank cells mean.
  double barX = legendX, barY = top + 18;
  doc.beginGroup({{"class", "legend"}});
  doc.text(barX, top + 8, figure.valueName,
           {{"class", "legend-title"}, {"font-size", "11"}});
  doc.rect(barX, barY, kBarWidth, barHeight,
           {{"fill", "url(#scale)"},
            {"stroke", "#888888"},
            {"stroke-width", "0.5"}});
  for (int i = 0; i <= 4; ++i) {
    double y = barY + barHeight * (1 - i / 4.0);
    doc.line(barX + kBarWidth, y, barX + kBarWidth + 4, y,
             {{"stroke", "#444444"}, {"stroke-width", "0.8"}});
    doc.text(barX + kBarWidth + 7, y + 4, formatValue(maxValue * i / 4),
             {{"class", "tick"}, {"font-size", "10"}});
  }
  double blankY = barY + barHeight + 24;
  doc.rect(
      barX, blankY, kBarWidth, kBarWidth,
      {{"fill", "#ffffff"}, {"stroke", "#bbbbbb"}, {"stroke-width", "0.5"}});
  doc.text(barX + kBarWidth + 7, blankY + 12, figure.blankName,
           {{"font-size", "11"}});
  doc.endGroup();
  doc.endGroup();
  return doc.str();
}
