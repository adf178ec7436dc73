//===- HeatmapTest.cpp - Attention heatmaps as SVG ------------------------===//
#include "attnc/Plot/Heatmap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace attnc::plot;

namespace {

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size()))
    ++n;
  return n;
}

constexpr float kBlank = std::numeric_limits<float>::quiet_NaN();

/// Two heads of a causal 3x3 attention.
HeatmapFigure causalFigure() {
  HeatmapFigure figure;
  figure.title = "test <figure>";
  figure.rowLabels = {"a", "b&", "c"};
  figure.colLabels = {"a", "b&", "c"};
  figure.panels.push_back(
      {"head 0", 3, 3, {1, kBlank, kBlank, 0.5, 0.5, kBlank, 0.2, 0.3, 0.5}});
  figure.panels.push_back(
      {"head 1", 3, 3, {1, kBlank, kBlank, 0.9, 0.1, kBlank, 0.1, 0.1, 0.8}});
  return figure;
}

TEST(Heatmap, OneCellPerDrawnWeightBlankForMasked) {
  std::string svg = renderHeatmaps(causalFigure());
  EXPECT_EQ(count(svg, "class=\"panel\""), 2u);
  EXPECT_EQ(count(svg, "class=\"cell\""), 12u); // 6 unmasked of 9, twice
  EXPECT_EQ(count(svg, "class=\"row-label\""), 6u);
  EXPECT_EQ(count(svg, "class=\"col-label\""), 6u);
  EXPECT_EQ(count(svg, "class=\"frame\""), 2u);
  // Labels, titles and tooltips are escaped.
  EXPECT_EQ(count(svg, "b&amp;"), 4u + 8u); // labels, tooltips
  EXPECT_NE(svg.find("test &lt;figure&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("b&<"), std::string::npos);
}

TEST(Heatmap, ColorScaleSpansMaxValue) {
  HeatmapFigure figure = causalFigure();
  figure.maxValue = 0.5;
  std::string svg = renderHeatmaps(figure);
  // Weights at or above the top of the scale get its top color.
  EXPECT_EQ(count(svg, "fill=\"" + viridis(1).hex() + "\""), 7u);
  EXPECT_NE(svg.find(">0.5</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.25</text>"), std::string::npos);
  EXPECT_NE(svg.find("url(#scale)"), std::string::npos);
  EXPECT_NE(svg.find("masked (weight 0)"), std::string::npos);
}

TEST(Heatmap, LongSequencesDropLabels) {
  HeatmapFigure figure;
  for (int i = 0; i < 300; ++i) {
    figure.rowLabels.push_back(std::to_string(i));
    figure.colLabels.push_back(std::to_string(i));
  }
  figure.panels.push_back(
      {"head 0", 300, 300, std::vector<float>(90000, 0.1f)});
  std::string svg = renderHeatmaps(figure);
  EXPECT_EQ(count(svg, "class=\"cell\""), 90000u);
  EXPECT_EQ(count(svg, "class=\"row-label\""), 0u);
}

TEST(Viridis, Endpoints) {
  EXPECT_EQ(viridis(0).hex(), "#440154");
  EXPECT_EQ(viridis(1).hex(), "#fde725");
  EXPECT_EQ(viridis(-3).hex(), "#440154");
  EXPECT_EQ(viridis(7).hex(), "#fde725");
  EXPECT_EQ(viridis(std::nan("")).hex(), "#440154");
  EXPECT_EQ(viridis(0.5).hex(), "#21908d");
}

TEST(DisplayToken, MakesWhitespaceVisible) {
  EXPECT_EQ(displayToken(" the"), "\u2423the");
  EXPECT_EQ(displayToken("\n"), "\u21B5");
  EXPECT_EQ(displayToken("\t\x01"), "\u21E5\u00B7");
  EXPECT_EQ(displayToken(""), "\u2205");
  EXPECT_EQ(displayToken("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");
}

TEST(DisplayToken, ShortensLongTokensByCharacter) {
  EXPECT_EQ(displayToken("abcdefgh", 4), "abcd\u2026");
  EXPECT_EQ(displayToken("\xC3\xA9\xC3\xA9\xC3\xA9", 2),
            "\xC3\xA9\xC3\xA9\u2026");
  EXPECT_EQ(displayToken("abcd", 4), "abcd");
}

} // namespace
