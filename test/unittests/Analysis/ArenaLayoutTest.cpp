//===- ArenaLayoutTest.cpp - Offsets of buffers in one arena --------------===//
#include "attnc/Analysis/ArenaLayout.h"

#include <gtest/gtest.h>

#include <random>

using attnc::ArenaLayout;
using attnc::BufferRequest;
using attnc::layOutArena;
using attnc::Polynomial;

namespace attnc {
inline void PrintTo(const Polynomial &p, std::ostream *os) {
  *os << p.toString({"batch", "seq"});
}
} // namespace attnc

namespace {

const Polynomial B = Polynomial::symbol(0), S = Polynomial::symbol(1);

Polynomial c(int64_t value) { return Polynomial::constant(value); }

/// Checks, at these symbol values, that buffers live at the same time do
/// not overlap and that every buffer ends within the arena.
void expectValid(llvm::ArrayRef<BufferRequest> requests,
                 const ArenaLayout &layout, std::vector<int64_t> values) {
  int64_t size = layout.size.evaluate(values);
  for (size_t i = 0; i < requests.size(); ++i) {
    int64_t begin = layout.offsets[i].evaluate(values);
    int64_t end = begin + requests[i].bytes.evaluate(values);
    EXPECT_GE(begin, 0);
    EXPECT_LE(end, size) << "buffer " << i;
    for (size_t j = 0; j < i; ++j) {
      if (!requests[i].overlapsInTime(requests[j]))
        continue;
      int64_t beginJ = layout.offsets[j].evaluate(values);
      int64_t endJ = beginJ + requests[j].bytes.evaluate(values);
      EXPECT_TRUE(end <= beginJ || endJ <= begin)
          << "buffers " << j << " and " << i << " overlap at batch "
          << values[0] << ", seq " << values[1];
    }
  }
}

TEST(ArenaLayoutTest, BuffersLiveAtDifferentTimesShareMemory) {
  std::vector<BufferRequest> requests = {
      {B * S * 256, 0, 3}, {B * S * 256, 4, 7}, {B * S * 256, 8, 9}};
  ArenaLayout layout = layOutArena(requests, {512, 512});
  for (const Polynomial &offset : layout.offsets)
    EXPECT_TRUE(offset.isZero());
  EXPECT_EQ(layout.size, B * S * 256);
}

TEST(ArenaLayoutTest, BuffersLiveTogetherAreStacked) {
  std::vector<BufferRequest> requests = {{B * S * 256, 0, 5},
                                         {B * S * S * 48, 2, 3},
                                         {B * S * 1024, 4, 9}};
  ArenaLayout layout = layOutArena(requests, {512, 512});
  // Largest first: the score matrix at 0, then the MLP buffer, not live with
  // it, also at 0. The hidden state, live with both, goes above both: no
  // single one of them provably ends below the other's start.
  EXPECT_TRUE(layout.offsets[1].isZero());
  EXPECT_TRUE(layout.offsets[2].isZero());
  EXPECT_EQ(layout.offsets[0], B * S * S * 48 + B * S * 1024);
  expectValid(requests, layout, {1, 1});
  expectValid(requests, layout, {3, 1000});
  EXPECT_EQ(layout.size.degreeIn(1), 2u);
}

TEST(ArenaLayoutTest, RandomLayoutsNeverOverlap) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> coefficient(0, 8), time(0, 40);
  const Polynomial monomials[] = {c(1), B * S, B * S * S, S};
  for (int round = 0; round < 200; ++round) {
    std::vector<BufferRequest> requests;
    int n = 1 + round % 12;
    for (int i = 0; i < n; ++i) {
      Polynomial bytes;
      for (const Polynomial &m : monomials)
        bytes = bytes + m * (64 * coefficient(rng));
      int a = time(rng), b = time(rng);
      requests.push_back({bytes, std::min(a, b), std::max(a, b)});
    }
    ArenaLayout layout = layOutArena(requests, {512, 512});
    for (std::vector<int64_t> values :
         {std::vector<int64_t>{1, 1}, {1, 7}, {4, 1}, {2, 4096}, {64, 3}})
      expectValid(requests, layout, values);
  }
}

} // namespace
