//===- KeyVisibilityTest.cpp - The causal rule against a naive count ------===//
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace {

/// The pairs (i, j) with key j at or before query i's position, the queries
/// being the last `sq` of `sk` positions, and (window > 0) j after position
/// - window (Hugging Face's sliding_window_overlay): counted one by one.
double naivePairs(int64_t sq, int64_t sk, int64_t window = 0) {
  double pairs = 0;
  for (int64_t i = 0; i < sq; ++i) {
    int64_t position = sk - sq + i;
    for (int64_t j = 0; j < sk; ++j)
      pairs += j <= position && (!window || j > position - window) ? 1 : 0;
  }
  return pairs;
}

TEST(KeyVisibilityTest, CausalPairsMatchACountOfVisiblePairs) {
  // Square (prefill), one query over a cache (decode), several new tokens
  // over a cache (split-KV), and more queries than keys (rows that see
  // nothing).
  for (auto [sq, sk] : {std::pair<int64_t, int64_t>{1, 1}, {7, 7}, {1, 9},
                        {3, 10}, {16, 100}, {5, 3}, {0, 4}})
    EXPECT_EQ(attnc::visibility::causalPairs(sq, sk), naivePairs(sq, sk))
        << "sq=" << sq << " sk=" << sk;
}

TEST(KeyVisibilityTest, WindowedPairsMatchACountOfVisiblePairs) {
  // S > W, W > S, W = 1, and decode steps over a cache longer than W.
  for (int64_t window : {1, 3, 8, 300})
    for (auto [sq, sk] : {std::pair<int64_t, int64_t>{1, 1}, {7, 7}, {1, 9},
                          {3, 10}, {16, 100}, {5, 3}, {64, 64}})
      EXPECT_EQ(attnc::visibility::causalPairs(sq, sk, window),
                naivePairs(sq, sk, window))
          << "sq=" << sq << " sk=" << sk << " window=" << window;
}

TEST(KeyVisibilityTest, AlibiSlopesAreBloomsSlopes) {
  // transformers' build_alibi_tensor, evaluated by hand: 2^(-8/n * i) for
  // n = 8 heads; for 12, the 8 of n = 8 and then 2^(-4/8 * (1, 3, 5, 7)).
  std::vector<double> eight = attnc::visibility::alibiSlopes(8);
  ASSERT_EQ(eight.size(), 8u);
  for (int i = 0; i < 8; ++i)
    EXPECT_DOUBLE_EQ(eight[i], std::pow(2.0, -(i + 1)));
  std::vector<double> twelve = attnc::visibility::alibiSlopes(12);
  ASSERT_EQ(twelve.size(), 12u);
  for (int i = 0; i < 8; ++i)
    EXPECT_DOUBLE_EQ(twelve[i], eight[i]);
  for (int i = 0; i < 4; ++i)
    EXPECT_DOUBLE_EQ(twelve[8 + i], std::pow(2.0, -0.5 * (2 * i + 1)));
  EXPECT_EQ(attnc::visibility::alibiSlopes(3),
            (std::vector<double>{0.0625, 0.00390625, 0.25}));
}

TEST(KeyVisibilityTest, LastKeyIsTheQueryPositionAmongTheKeys) {
  attnc::visibility::IntegerArith a;
  int64_t offset = attnc::visibility::keyOffset(a, int64_t(3), int64_t(10));
  EXPECT_EQ(offset, 7);
  EXPECT_EQ(attnc::visibility::lastKey(a, int64_t(0), offset), 7);
  EXPECT_EQ(attnc::visibility::keyEnd(a, int64_t(2), offset, int64_t(1)), 10);
}

} // namespace
