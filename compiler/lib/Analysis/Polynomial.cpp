//===- Polynomial.cpp - Sizes as polynomials in the model's dims ----------===//
#include "attnc/Analysis/Polynomial.h"

#include <algorithm>
#include <limits>

using namespace attnc;

namespace {
constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

int64_t saturatingMul(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_mul_overflow(a, b, &result))
    return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                              : kSaturated;
  return result;
}

int64_t saturatingAdd(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_add_overflow(a, b, &result))
    return a < 0 ? std::numeric_limits<int64_t>::min() : kSaturated;
  return result;
}
} // namespace

Polynomial Polynomial::constant(int64_t c) {
  Polynomial p;
  p.addTerm({}, c);
  return p;
}

Polynomial Polynomial::symbol(unsigned s) {
  Polynomial p;
  p.addTerm({s}, 1);
  return p;
}

void Polynomial::addTerm(const Monomial &m, int64_t c) {
  if (c == 0)
    return;
  auto [it, inserted] = terms.try_emplace(m, c);
  if (inserted)
    return;
  it->second += c;
  if (it->second == 0)
    terms.erase(it);
}

std::optional<int64_t> Polynomial::getConstant() const {
  if (terms.empty())
    return 0;
  if (terms.size() == 1 && terms.begin()->first.empty())
    return terms.begin()->second;
  return std::nullopt;
}

unsigned Polynomial::degreeIn(unsigned s) const {
  unsigned degree = 0;
  for (const auto &[m, c] : terms)
    degree = std::max<unsigned>(degree, llvm::count(m, s));
  return degree;
}

bool Polynomial::hasNegativeCoefficient() const {
  return llvm::any_of(terms, [](const auto &t) { return t.second < 0; });
}

Polynomial Polynomial::operator+(const Polynomial &other) const {
  Polynomial sum = *this;
  for (const auto &[m, c] : other.terms)
    sum.addTerm(m, c);
  return sum;
}

Polynomial Polynomial::operator-(const Polynomial &other) const {
  return *this + other * -1;
}

Polynomial Polynomial::operator*(const Polynomial &other) const {
  Polynomial product;
  for (const auto &[m1, c1] : terms)
    for (const auto &[m2, c2] : other.terms) {
      Monomial m(m1);
      m.append(m2.begin(), m2.end());
      llvm::sort(m);
      product.addTerm(m, c1 * c2);
    }
  return product;
}

Polynomial Polynomial::operator*(int64_t factor) const {
  Polynomial product;
  for (const auto &[m, c] : terms)
    product.addTerm(m, c * factor);
  return product;
}

bool Polynomial::dominatedBy(const Polynomial &other) const {
  return !(other - *this).hasNegativeCoefficient();
}

Polynomial Polynomial::upperBound(const Polynomial &a, const Polynomial &b) {
  Polynomial bound = a;
  for (const auto &[m, c] : b.terms) {
    auto it = bound.terms.find(m);
    if (it == bound.terms.end()) {
      if (c > 0)
        bound.addTerm(m, c);
    } else if (c > it->second) {
      it->second = c;
    }
  }
  // A term of `a` absent from `b` is compared with 0.
  for (auto it = bound.terms.begin(); it != bound.terms.end();) {
    if (it->second < 0 && !b.terms.count(it->first))
      it = bound.terms.erase(it);
    else
      ++it;
  }
  return bound;
}

int64_t Polynomial::evaluate(llvm::ArrayRef<int64_t> values) const {
  int64_t sum = 0;
  for (const auto &[m, c] : terms) {
    int64_t term = c;
    for (unsigned s : m)
      term = saturatingMul(term, s < values.size() ? values[s] : 0);
    sum = saturatingAdd(sum, term);
  }
  return sum;
}

std::string Polynomial::toString(llvm::ArrayRef<std::string> names) const {
  if (terms.empty())
    return "0";
  std::string text;
  for (const auto &[m, c] : terms) {
    int64_t magnitude = c < 0 ? -c : c;
    if (text.empty())
      text += c < 0 ? "-" : "";
    else
      text += c < 0 ? " - " : " + ";
    bool first = true;
    if (magnitude != 1 || m.empty()) {
      text += std::to_string(magnitude);
      first = false;
    }
    for (size_t i = 0; i < m.size();) {
      size_t j = i;
      while (j < m.size() && m[j] == m[i])
        ++j;
      text += first ? "" : "*";
      first = false;
      text += m[i] < names.size() ? names[m[i]] : "s" + std::to_string(m[i]);
      if (j - i > 1)
        text += "^" + std::to_string(j - i);
      i = j;
    }
  }
  return text;
}
