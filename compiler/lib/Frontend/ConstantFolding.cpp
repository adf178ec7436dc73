//===- ConstantFolding.cpp - Compile-time scalar arithmetic ---------------===//
//
// The language has no run-time scalars: every scalar expression folds to a
// Scalar as Sema checks it. Integers are carried in doubles (Scalar::value)
// but computed in int64_t, with overflow reported rather than wrapped.
//
//===----------------------------------------------------------------------===//

#include "Builtins.h"

#include <charconv>
#include <cmath>

using namespace attnc;
using namespace attnc::ast;
using llvm::Twine;

namespace {

/// 2^63: integer scalars live in doubles, and a double at or beyond this
/// magnitude no longer converts to an int64_t.
constexpr double kTwoTo63 = 9223372036854775808.0;

bool fitsInt64(double v) { return v >= -kTwoTo63 && v < kTwoTo63; }

} // namespace

std::optional<Scalar> sema::parseNumber(llvm::StringRef text) {
  if (text.starts_with("+"))
    text = text.drop_front();
  if (text.empty())
    return std::nullopt;
  const char *begin = text.data(), *end = text.data() + text.size();
  if (text.find_first_of(".eEnNiI") == llvm::StringRef::npos) {
    int64_t i;
    auto [p, ec] = std::from_chars(begin, end, i);
    if (ec != std::errc() || p != end || !fitsInt64(double(i)))
      return std::nullopt;
    return Scalar{double(i), true};
  }
  double d;
  auto [p, ec] = std::from_chars(begin, end, d);
  if (ec != std::errc() || p != end || !std::isfinite(d))
    return std::nullopt;
  return Scalar{d, false};
}

bool sema::foldBinary(BinaryExpr &e, const Scalar &a, const Scalar &b,
                      DiagnosticReporter &diag) {
  auto error = [&](const Twine &message) {
    diag.error(e.getLoc(), message);
    return false;
  };
  using Op = BinaryExpr::Op;
  auto overflow = [&] {
    return error("integer overflow in constant expression");
  };
  auto byZero = [&] {
    return error("division by zero in constant expression");
  };
  auto result = [&](double v, bool isInteger) {
    if (isInteger && !fitsInt64(v))
      return overflow();
    if (!std::isfinite(v))
      return error("floating-point overflow in constant expression");
    e.scalar = Scalar{v, isInteger};
    return true;
  };

  switch (e.op) {
  case Op::Eq:
    return result(a.value == b.value, true);
  case Op::Ne:
    return result(a.value != b.value, true);
  case Op::Lt:
    return result(a.value < b.value, true);
  case Op::Le:
    return result(a.value <= b.value, true);
  case Op::Gt:
    return result(a.value > b.value, true);
  case Op::Ge:
    return result(a.value >= b.value, true);
  default:
    break;
  }

  if (a.isInteger && b.isInteger) {
    int64_t x = a.asInt(), y = b.asInt(), r = 0;
    switch (e.op) {
    case Op::Add:
      if (__builtin_add_overflow(x, y, &r))
        return overflow();
      break;
    case Op::Sub:
      if (__builtin_sub_overflow(x, y, &r))
        return overflow();
      break;
    case Op::Mul:
      if (__builtin_mul_overflow(x, y, &r))
        return overflow();
      break;
    case Op::Div:
    case Op::Mod:
      if (y == 0)
        return byZero();
      if (x == INT64_MIN && y == -1) {
        if (e.op == Op::Div)
          return overflow();
        r = 0;
      } else {
        r = e.op == Op::Div ? x / y : x % y;
      }
      break;
    default:
      return false; // comparisons and '@' are handled above
    }
    return result(double(r), true);
  }

  switch (e.op) {
  case Op::Add:
    return result(a.value + b.value, false);
  case Op::Sub:
    return result(a.value - b.value, false);
  case Op::Mul:
    return result(a.value * b.value, false);
  case Op::Div:
    if (b.value == 0)
      return byZero();
    return result(a.value / b.value, false);
  case Op::Mod:
    return error("'%' needs integer operands, got " + formatScalar(a) + " % " +
                 formatScalar(b));
  default:
    return false;
  }
}

bool sema::foldNegate(UnaryExpr &e, const Scalar &a, DiagnosticReporter &diag) {
  if (a.isInteger && a.value == -kTwoTo63) {
    diag.error(e.getLoc(), "integer overflow in constant expression");
    return false;
  }
  e.scalar = Scalar{-a.value, a.isInteger};
  return true;
}
