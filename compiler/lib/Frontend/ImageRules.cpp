//===- ImageRules.cpp - Shape rules of patches, concat, select, permute ---===//
//
// The builtins an image model needs to cut patches, put a class token in
// front of them and read it back, and to rearrange dimensions. Messages show
// the operands' shapes.
//
//===----------------------------------------------------------------------===//

#include "BuiltinRules.h"

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::sema;
using llvm::Twine;

namespace {

/// An axis argument: an integer in [0, rank).
std::optional<size_t> axisOf(Call &c, unsigned argIndex, const TensorType &t) {
  std::optional<int64_t> axis = c.nonNegativeInt(c.arg(argIndex), "axis");
  if (!axis)
    return std::nullopt;
  if (static_cast<size_t>(*axis) >= t.rank()) {
    c.fail(c.arg(argIndex).getLoc(), "axis " + Twine(*axis) +
                                         " is out of range for " + t.str());
    return std::nullopt;
  }
  return static_cast<size_t>(*axis);
}

} // namespace

bool sema::concatRule(Call &c) {
  const TensorType &a = c.tensor(0), &b = c.tensor(1);
  std::string both = a.str() + " and " + b.str();
  if (a.rank() != b.rank())
    return c.fail("operands must have one rank, got " + both);
  std::optional<size_t> axis = axisOf(c, 2, a);
  if (!axis)
    return false;
  const Dim &x = a.shape[*axis], &y = b.shape[*axis];
  if (!x.isStatic() || !y.isStatic())
    return c.fail("sizes along axis " + Twine(*axis) + " must be static, got " +
                  both);
  TensorType type = a;
  type.shape[*axis] = Dim::fixed(x.size + y.size);
  for (size_t i = 0; i < a.rank(); ++i) {
    if (i == *axis)
      continue;
    std::optional<Dim> d = broadcastDim(a.shape[i], b.shape[i]);
    if (!d)
      return c.fail("dimension " + Twine(i) + " differs: " + both + " " +
                    versus(a.shape[i], b.shape[i]));
    type.shape[i] = *d;
  }
  return c.result(std::move(type));
}

bool sema::selectRule(Call &c) {
  const TensorType &x = c.tensor(0);
  std::optional<size_t> axis = axisOf(c, 1, x);
  std::optional<int64_t> index = c.nonNegativeInt(c.arg(2), "index");
  if (!axis || !index)
    return false;
  const Dim &size = x.shape[*axis];
  if (!size.isStatic())
    return c.fail(c.arg(0).getLoc(), "the size along axis " + Twine(*axis) +
                                         " must be static, got " + x.str());
  if (*index >= size.size)
    return c.fail(c.arg(2).getLoc(), "index " + Twine(*index) +
                                         " is out of range for axis " +
                                         Twine(*axis) + " of " + x.str());
  TensorType type = x;
  type.shape.erase(type.shape.begin() + *axis);
  return c.result(std::move(type));
}

bool sema::permuteRule(Call &c) {
  const TensorType &x = c.tensor(0);
  size_t given = c.expr.args.size() - 1;
  if (given != x.rank())
    return c.fail("expects " + Twine(x.rank()) +
                  " dims, one per dimension of " + x.str() + ", got " +
                  Twine(given));
  TensorType type{x.elementType, {}};
  llvm::SmallVector<int64_t> firstArg(x.rank(), 0);
  for (size_t i = 1; i <= given; ++i) {
    std::optional<int64_t> d = c.nonNegativeInt(c.arg(i), "a dim");
    if (!d)
      return false;
    if (static_cast<size_t>(*d) >= x.rank())
      return c.fail(c.arg(i).getLoc(),
                    "dim " + Twine(*d) + " is out of range for " + x.str() +
                        " (dims 0 to " + Twine(x.rank() - 1) + ")");
    if (firstArg[*d])
      return c.fail(c.arg(i).getLoc(),
                    "dim " + Twine(*d) + " is listed twice (arguments " +
                        Twine(firstArg[*d]) + " and " + Twine(i) + ")");
    firstArg[*d] = i;
    type.shape.push_back(x.shape[*d]);
  }
  return c.result(std::move(type));
}

bool sema::patchesRule(Call &c) {
  if (!c.requireLayout(0, "image", 4, "[batch, channels, height, width]"))
    return false;
  const TensorType &x = c.tensor(0);
  std::optional<int64_t> p = c.positiveInt(c.arg(1), "patch size");
  if (!p)
    return false;
  const Dim &ch = x.shape[1], &h = x.shape[2], &w = x.shape[3];
  if (!ch.isStatic() || !h.isStatic() || !w.isStatic())
    return c.fail(c.arg(0).getLoc(),
                  "channels, height and width must be static, got " + x.str());
  if (h.size % *p || w.size % *p)
    return c.fail(c.arg(1).getLoc(), "patch size " + Twine(*p) +
                                         " must divide the height and width "
                                         "of " + x.str());
  TensorType type{x.elementType,
                  {x.shape[0], Dim::fixed((h.size / *p) * (w.size / *p)),
                   Dim::fixed(ch.size * *p * *p)}};
  return c.result(std::move(type));
}
