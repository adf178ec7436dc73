//===- PolynomialTest.cpp - Sizes as polynomials in the dims --------------===//
#include "attnc/Analysis/Polynomial.h"

#include <gtest/gtest.h>

#include <limits>

using attnc::Polynomial;

namespace attnc {
inline void PrintTo(const Polynomial &p, std::ostream *os) {
  *os << p.toString({"batch", "seq"});
}
} // namespace attnc

namespace {

const std::vector<std::string> kNames = {"batch", "seq"};
const Polynomial B = Polynomial::symbol(0), S = Polynomial::symbol(1);

Polynomial c(int64_t value) { return Polynomial::constant(value); }

TEST(PolynomialTest, PrintsTermsByDegree) {
  Polynomial p = B * S * S * 48 + B * S * 3072 + c(126);
  EXPECT_EQ(p.toString(kNames), "126 + 3072*batch*seq + 48*batch*seq^2");
  EXPECT_EQ(Polynomial().toString(kNames), "0");
  EXPECT_EQ((S - B * 2).toString(kNames), "-2*batch + seq");
}

TEST(PolynomialTest, Arithmetic) {
  Polynomial p = (B + c(1)) * (B - c(1));
  EXPECT_EQ(p, B * B - c(1));
  EXPECT_EQ(p - p, Polynomial());
  EXPECT_TRUE((p - p).isZero());
  EXPECT_EQ((B * 0).getConstant(), 0);
  EXPECT_EQ(c(7).getConstant(), 7);
  EXPECT_EQ(B.getConstant(), std::nullopt);
  EXPECT_EQ((B * S * S).degreeIn(1), 2u);
  EXPECT_EQ((B * S * S).degreeIn(0), 1u);
  EXPECT_EQ(c(3).degreeIn(0), 0u);
}

TEST(PolynomialTest, Evaluates) {
  Polynomial p = B * S * S * 48 + B * S * 3072 + c(126);
  EXPECT_EQ(p.evaluate({2, 10}), 2 * 100 * 48 + 2 * 10 * 3072 + 126);
  EXPECT_EQ(p.evaluate({0, 0}), 126);
  int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ((B * B * B).evaluate({int64_t(1) << 30}), max) << "saturates";
}

TEST(PolynomialTest, DominanceIsCoefficientWise) {
  EXPECT_TRUE((B * S).dominatedBy(B * S * 2));
  EXPECT_TRUE((B * S).dominatedBy(B * S + c(1)));
  EXPECT_TRUE(Polynomial().dominatedBy(B));
  EXPECT_FALSE((B * S * 2).dominatedBy(B * S));
  // s^2 >= s holds for integers but is not provable term by term.
  EXPECT_FALSE(S.dominatedBy(S * S));
  EXPECT_FALSE(c(1).dominatedBy(B));
}

TEST(PolynomialTest, UpperBoundBoundsBoth) {
  Polynomial a = B * S * 3072 + c(64), b = B * S * S * 48 + B * S * 1024;
  Polynomial bound = Polynomial::upperBound(a, b);
  EXPECT_EQ(bound, B * S * S * 48 + B * S * 3072 + c(64));
  EXPECT_TRUE(a.dominatedBy(bound));
  EXPECT_TRUE(b.dominatedBy(bound));
  EXPECT_EQ(Polynomial::upperBound(a, Polynomial()), a);
  EXPECT_EQ(Polynomial::upperBound(c(-5), Polynomial()), Polynomial());
}

} // namespace
