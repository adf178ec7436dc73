//===- Polynomial.h - Sizes as polynomials in the model's dims --*- C++ -*-===//
//
// Buffer sizes, offsets and FLOP counts of a model with dynamic dims (batch,
// seq, ...) are polynomials in those dims: 3072 * batch * seq bytes for a
// hidden state, 48 * batch * seq^2 for a score matrix. Symbols are small
// integers whose meaning (and name) belongs to the user; every symbol stands
// for a value >= 0, which is what makes `dominatedBy` a sound comparison.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_POLYNOMIAL_H
#define ATTNC_ANALYSIS_POLYNOMIAL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace attnc {

class Polynomial {
public:
  /// A product of symbols, sorted, repeated for powers: {0, 1, 1} is
  /// s0 * s1^2; {} is the constant term.
  using Monomial = llvm::SmallVector<unsigned, 4>;
  struct ByDegree {
    bool operator()(const Monomial &a, const Monomial &b) const {
      if (a.size() != b.size())
        return a.size() < b.size();
      return a < b;
    }
  };
  using Terms = std::map<Monomial, int64_t, ByDegree>;

  Polynomial() = default;
  static Polynomial constant(int64_t c);
  static Polynomial symbol(unsigned s);

  bool isZero() const { return terms.empty(); }
  /// The value if the polynomial has no symbol.
  std::optional<int64_t> getConstant() const;
  /// Coefficient of each monomial, in a deterministic order (by degree,
  /// then symbols); zero coefficients are never stored.
  const Terms &getTerms() const { return terms; }
  /// The highest power of `s` in any term.
  unsigned degreeIn(unsigned s) const;
  bool hasNegativeCoefficient() const;

  Polynomial operator+(const Polynomial &other) const;
  Polynomial operator-(const Polynomial &other) const;
  Polynomial operator*(const Polynomial &other) const;
  Polynomial operator*(int64_t factor) const;
  bool operator==(const Polynomial &other) const {
    return terms == other.terms;
  }
  bool operator!=(const Polynomial &other) const { return !(*this == other); }

  /// True if `*this <= other` for every value of the symbols >= 0, proven
  /// coefficient by coefficient (a sufficient condition: 2s <= s^2 is true
  /// for s >= 2 but not provable this way).
  bool dominatedBy(const Polynomial &other) const;
  /// The coefficient-wise maximum: an upper bound of both for symbols >= 0,
  /// and their exact maximum when one dominates the other.
  static Polynomial upperBound(const Polynomial &a, const Polynomial &b);

  /// The value for `values[s]` of each symbol s, saturating at INT64_MAX.
  int64_t evaluate(llvm::ArrayRef<int64_t> values) const;
  /// "3072*batch*seq + 48*batch*seq^2" (terms by degree), "0" when zero.
  std::string toString(llvm::ArrayRef<std::string> names) const;

private:
  void addTerm(const Monomial &m, int64_t c);

  Terms terms;
};

} // namespace attnc

#endif // ATTNC_ANALYSIS_POLYNOMIAL_H
