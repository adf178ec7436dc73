//===- ImageAttentionTest.cpp - The class token's attention over patches --===//
#include "attnc/Plot/ImageAttention.h"

#include <gtest/gtest.h>

using namespace attnc::plot;

namespace {

TEST(ImageAttention, PatchGridOfTheTokens) {
  std::optional<PatchGrid> vitBase = patchGrid(197, 224, 224);
  ASSERT_TRUE(vitBase);
  EXPECT_EQ(vitBase->rows, 14);
  EXPECT_EQ(vitBase->cols, 14);
  EXPECT_EQ(vitBase->patch, 16);
  std::optional<PatchGrid> wide = patchGrid(1 + 2 * 3, 16, 24);
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->rows, 2);
  EXPECT_EQ(wide->cols, 3);
  EXPECT_EQ(wide->patch, 8);
  EXPECT_FALSE(patchGrid(1, 32, 32));     // no patches
  EXPECT_FALSE(patchGrid(1 + 8, 32, 32)); // 128 pixels a patch: not square
  EXPECT_FALSE(patchGrid(1 + 7, 32, 32)); // does not divide
  EXPECT_FALSE(patchGrid(1 + 16, 32, 0));
}

TEST(ImageAttention, MeanOverHeads) {
  const float probs[] = {1, 0, 0.5f, 0.5f, 0, 1, 0.25f, 0.75f};
  Matrix mean = meanOverHeads(probs, 2, 2);
  EXPECT_EQ(mean.size, 2);
  EXPECT_DOUBLE_EQ(mean.at(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(mean.at(0, 1), 0.5);
  EXPECT_DOUBLE_EQ(mean.at(1, 0), 0.375);
  EXPECT_DOUBLE_EQ(mean.at(1, 1), 0.625);
}

// rownorm([[.5,.5],[0,1]] + I) = [[.75,.25],[0,1]];
// rownorm([[0,1],[1,0]] + I) = [[.5,.5],[.5,.5]]; their product, by hand.
TEST(ImageAttention, RolloutByHand) {
  Matrix first{2, {0.5, 0.5, 0, 1}}, second{2, {0, 1, 1, 0}};
  Matrix one = attentionRollout({first});
  EXPECT_DOUBLE_EQ(one.at(0, 0), 0.75);
  EXPECT_DOUBLE_EQ(one.at(0, 1), 0.25);
  EXPECT_DOUBLE_EQ(one.at(1, 0), 0);
  EXPECT_DOUBLE_EQ(one.at(1, 1), 1);
  Matrix two = attentionRollout({first, second});
  for (int row = 0; row < 2; ++row) {
    EXPECT_DOUBLE_EQ(two.at(row, 0), 0.375);
    EXPECT_DOUBLE_EQ(two.at(row, 1), 0.625);
  }
  EXPECT_EQ(classTokenRow(two), std::vector<double>{0.625});
}

TEST(ImageAttention, OverlayBlendsViridisOverThePicture) {
  // A 2x1 picture of two patches of 1 pixel, zoomed 2x.
  Raster picture{2, 1, {100, 100, 100, 0, 0, 0}};
  PatchGrid grid{1, 2, 1};
  Raster out = overlayGrid(picture, grid, {0.0, 0.5}, 0.5, 2);
  ASSERT_EQ(out.width, 4);
  ASSERT_EQ(out.height, 2);
  // Left: 0.4 * 100 + 0.6 * viridis(0) = (68, 1, 84);
  // right: 0.6 * viridis(1) = (253, 231, 37).
  const uint8_t left[3] = {81, 41, 90}, right[3] = {152, 139, 22};
  for (int y = 0; y < 2; ++y)
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(out.rgb[(y * 4 + 0) * 3 + c], left[c]);
      EXPECT_EQ(out.rgb[(y * 4 + 1) * 3 + c], left[c]);
      EXPECT_EQ(out.rgb[(y * 4 + 2) * 3 + c], right[c]);
      EXPECT_EQ(out.rgb[(y * 4 + 3) * 3 + c], right[c]);
    }
}

TEST(ImageAttention, FigureHasAPanelPerRaster) {
  ImageFigure figure{
      "t",
      "s",
      {{"picture", "", 4, 4, "png"}, {"head 0", "max 1", 4, 4, "png"}}};
  std::string svg = renderImagePanels(figure);
  size_t images = 0;
  for (size_t at = svg.find("<image"); at != std::string::npos;
       at = svg.find("<image", at + 1))
    ++images;
  EXPECT_EQ(images, 2u);
  EXPECT_NE(svg.find("href=\"data:image/png;base64,cG5n\""), std::string::npos);
}

} // namespace
