//===- TensorRules.cpp - Shape rules of the builtin functions -------------===//
//
// Every builtin but attention (AttentionRule.cpp). Each rule says what it
// needs of its operands' shapes, in words that name the operand, and derives
// the result type.
//
//===----------------------------------------------------------------------===//

#include "BuiltinRules.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Casting.h"

#include <cmath>

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::sema;
using llvm::Twine;

bool sema::sqrtRule(Call &c) {
  const Scalar &x = *c.arg(0).scalar;
  if (x.value < 0)
    return c.fail(c.arg(0).getLoc(),
                  "argument must not be negative, got " + formatScalar(x));
  c.expr.scalar = Scalar{std::sqrt(x.value), false};
  return true;
}

bool sema::linearRule(Call &c) {
  if (!c.requireRank(0, "input", 2))
    return false;
  const TensorType &x = c.tensor(0);
  TensorType w = c.tensor(1);
  // A convolution's weight [out, C, kh, kw] is the linear weight
  // [out, C * kh * kw] (MLIRGen collapses it): a patch embedding. The
  // collapse is computed in f32, so such a weight cannot be stored narrow.
  if (w.rank() > 2 && w.storage != StorageType::F32)
    return c.fail(c.arg(1).getLoc(),
                  "a weight of rank " + Twine(w.rank()) +
                      " is read as [out, in] by flattening, which needs it "
                      "stored as f32, got " +
                      w.str() + "; declare it f32");
  if (w.rank() > 2 && llvm::all_of(llvm::drop_begin(w.shape),
                                   [](const Dim &d) { return d.isStatic(); })) {
    int64_t in = 1;
    for (const Dim &d : llvm::drop_begin(w.shape))
      in *= d.size;
    w.shape = {w.shape[0], Dim::fixed(in)};
  }
  if (w.rank() != 2)
    return c.fail(c.arg(1).getLoc(), "weight must be 2-D, got " + w.str());
  // Only a parameter named directly carries a layout; anything else is
  // [out, in], as torch.nn.Linear stores it.
  WeightLayout layout = WeightLayout::OutIn;
  const ParamDecl *param = nullptr;
  if (const auto *ident = llvm::dyn_cast<IdentExpr>(&c.arg(1)))
    if ((param = llvm::dyn_cast_or_null<ParamDecl>(ident->decl)))
      layout = param->layout.value_or(WeightLayout::OutIn);
  bool outIn = layout == WeightLayout::OutIn;
  const Dim &in = w.shape[outIn ? 1 : 0], &out = w.shape[outIn ? 0 : 1];
  llvm::StringRef stored = outIn ? "[out, in]" : "[in, out]";
  if (x.shape.back() != in) {
    c.fail("input width differs from the weight's: " + x.str() +
           " with weight " + w.str() + " stored " + stored + " " +
           versus(x.shape.back(), in));
    if (param) {
      // The usual cause: a checkpoint that stores the other layout.
      std::string hint;
      if (x.shape.back() == out)
        hint = std::string("; 'layout ") + (outIn ? "[in, out]" : "[out, in]") +
               "' would read it as " + out.str() + " inputs and " + in.str() +
               " outputs";
      c.diag.note(param->nameLoc, "'" + param->name +
                                      "' is declared here, stored " + stored +
                                      hint);
    }
    return false;
  }
  if (c.expr.args.size() == 3) {
    const TensorType &b = c.tensor(2);
    if (b.rank() != 1)
      return c.fail(c.arg(2).getLoc(), "bias must be 1-D, got " + b.str());
    if (b.shape[0] != out)
      return c.fail("bias size differs from the weight's output size: " +
                    b.str() + " with weight " + w.str() + " stored " + stored +
                    " " + versus(b.shape[0], out));
  }
  TensorType type = x;
  type.shape.back() = out;
  return c.result(std::move(type));
}

bool sema::transposeRule(Call &c) {
  return checkTranspose(c.expr, c.arg(0), c.diag);
}

bool sema::softmaxRule(Call &c) {
  if (!c.requireRank(0, "operand", 1))
    return false;
  return c.result(c.tensor(0));
}

bool sema::activationRule(Call &c) { return c.result(c.tensor(0)); }

bool sema::lastDimReductionRule(Call &c) {
  if (!c.requireRank(0, "operand", 2))
    return false;
  TensorType type = c.tensor(0);
  type.shape.pop_back();
  return c.result(std::move(type));
}

bool sema::causalMaskRule(Call &c) {
  if (!c.requireRank(0, "operand", 2))
    return false;
  return c.result(c.tensor(0));
}

bool sema::paddingMaskRule(Call &c) {
  if (!c.requireLayout(0, "scores", 4, "[batch, heads, queries, keys]") ||
      !c.requireLayout(1, "mask", 2, "[batch, keys]"))
    return false;
  if (!c.sameDim(1, 0, 0, 0, "batch dimensions of mask and scores") ||
      !c.sameDim(1, 1, 0, 3, "the mask's length and the number of keys"))
    return false;
  return c.result(c.tensor(0));
}

bool sema::repeatKVRule(Call &c) {
  const TensorType &x = c.tensor(0);
  if (!c.requireLayout(0, "operand", 4, "[batch, heads, seq, head_dim]"))
    return false;
  std::optional<int64_t> times = c.positiveInt(c.arg(1), "times");
  if (!times)
    return false;
  if (!x.shape[1].isStatic())
    return c.fail(c.arg(0).getLoc(),
                  "the head count must be static to repeat heads, got " +
                      x.str());
  TensorType type = x;
  type.shape[1] = Dim::fixed(x.shape[1].size * *times);
  return c.result(std::move(type));
}

bool sema::splitHeadsRule(Call &c) {
  const TensorType &x = c.tensor(0);
  if (!c.requireLayout(0, "operand", 3, "[batch, seq, width]"))
    return false;
  std::optional<int64_t> heads = c.positiveInt(c.arg(1), "heads");
  if (!heads)
    return false;
  const Dim &width = x.shape[2];
  if (!width.isStatic())
    return c.fail(c.arg(0).getLoc(),
                  "the width must be static to split it into heads, got " +
                      x.str());
  if (width.size % *heads != 0)
    return c.fail(Twine(*heads) + " heads do not divide width " +
                  Twine(width.size));
  TensorType type = x;
  type.shape = {x.shape[0], Dim::fixed(*heads), x.shape[1],
                Dim::fixed(width.size / *heads)};
  return c.result(std::move(type));
}

bool sema::mergeHeadsRule(Call &c) {
  const TensorType &x = c.tensor(0);
  if (!c.requireLayout(0, "operand", 4, "[batch, heads, seq, head_dim]"))
    return false;
  const Dim &heads = x.shape[1], &headDim = x.shape[3];
  if (!heads.isStatic() || !headDim.isStatic())
    return c.fail(c.arg(0).getLoc(),
                  "the head count and head size must be static, got " +
                      x.str());
  int64_t width;
  if (__builtin_mul_overflow(heads.size, headDim.size, &width))
    return c.fail("merged width overflows: " + x.str());
  TensorType type = x;
  type.shape = {x.shape[0], x.shape[2], Dim::fixed(width)};
  return c.result(std::move(type));
}

/// The dim names of `shape`, sorted: a multiset to compare.
static std::vector<std::string> dynamicDims(const std::vector<Dim> &shape) {
  std::vector<std::string> names;
  for (const Dim &d : shape)
    if (!d.isStatic())
      names.push_back(d.symbol);
  llvm::sort(names);
  return names;
}

/// The product of the static sizes, or nothing past 2^62.
static std::optional<int64_t> staticElements(const std::vector<Dim> &shape) {
  int64_t count = 1;
  for (const Dim &d : shape)
    if (d.isStatic() &&
        (__builtin_mul_overflow(count, d.size, &count) || count > (1LL << 62)))
      return std::nullopt;
  return count;
}

static std::string joined(const std::vector<std::string> &names) {
  return names.empty() ? "none" : llvm::join(names, ", ");
}

bool sema::reshapeRule(Call &c) {
  const TensorType &x = c.tensor(0);
  TensorType type{x.elementType, {}};
  bool ok = true;
  for (size_t i = 1; i < c.expr.args.size(); ++i) {
    const Expr &size = c.arg(i);
    if (!size.scalar) { // a dim name; Sema resolved it
      type.shape.push_back(
          Dim::dynamic(llvm::cast<IdentExpr>(size).name));
      continue;
    }
    std::optional<int64_t> n = c.positiveInt(size, "a size");
    ok = ok && n;
    type.shape.push_back(Dim::fixed(n.value_or(1)));
  }
  if (!ok)
    return false;

  std::optional<int64_t> from = staticElements(x.shape),
                         to = staticElements(type.shape);
  if (!from || !to || *from != *to) {
    auto text = [](std::optional<int64_t> n) {
      return n ? std::to_string(*n) : std::string("more than 2^62");
    };
    return c.fail("cannot reshape " + x.str() + " to " + type.str() +
                  ": the static sizes hold " + text(from) + " and " +
                  text(to) + " elements");
  }
  std::vector<std::string> fromDims = dynamicDims(x.shape),
                           toDims = dynamicDims(type.shape);
  if (fromDims != toDims) {
    c.fail("cannot reshape " + x.str() + " to " + type.str() +
           ": the dynamic dimensions differ (" + joined(fromDims) + " vs " +
           joined(toDims) + ")");
    c.diag.note(c.expr.getLoc(),
                "a dim's size is known only at run time, so the target must "
                "list each of the operand's dims once, and no other");
    return false;
  }
  return c.result(std::move(type));
}

//===----------------------------------------------------------------------===//
// Normalization and activations
//===----------------------------------------------------------------------===//

/// A per-feature vector (a norm's weight or bias): [n] for an input [..., n].
static bool checkFeatureVector(Call &c, unsigned i, llvm::StringRef what) {
  const TensorType &x = c.tensor(0), &v = c.tensor(i);
  if (v.rank() != 1)
    return c.fail(c.arg(i).getLoc(), what + " must be 1-D, got " + v.str());
  if (v.shape[0] != x.shape.back())
    return c.fail(c.arg(i).getLoc(),
                  what + " size differs from the input's last dimension: " +
                      v.str() + " for input " + x.str() + " " +
                      versus(v.shape[0], x.shape.back()));
  return true;
}

bool sema::layerNormRule(Call &c) {
  if (!c.requireRank(0, "input", 1) || !checkFeatureVector(c, 1, "weight") ||
      !checkFeatureVector(c, 2, "bias") || !c.positiveKeyword("eps"))
    return false;
  return c.result(c.tensor(0));
}

bool sema::rmsNormRule(Call &c) {
  if (!c.requireRank(0, "input", 1) || !checkFeatureVector(c, 1, "weight") ||
      !c.positiveKeyword("eps"))
    return false;
  return c.result(c.tensor(0));
}

bool sema::swigluRule(Call &c) {
  const TensorType &gate = c.tensor(0), &up = c.tensor(1);
  if (gate.rank() != up.rank())
    return c.fail("gate and up must have the same shape: " + gate.str() +
                  " and " + up.str() + " (rank " + Twine(gate.rank()) +
                  " vs " + Twine(up.rank()) + ")");
  if (auto i = firstDifference(gate.shape, up.shape))
    return c.fail("gate and up must have the same shape: " + gate.str() +
                  " and " + up.str() + " " +
                  versus(gate.shape[*i], up.shape[*i]));
  return c.result(gate);
}

//===----------------------------------------------------------------------===//
// Tokens and positions
//===----------------------------------------------------------------------===//

/// `ids` or `positions` shaped [batch, seq].
static bool requireBatchSeq(Call &c, unsigned i, llvm::StringRef what) {
  return c.requireLayout(i, what, 2, "[batch, seq]");
}

bool sema::embeddingRule(Call &c) {
  const TensorType &table = c.tensor(0), &ids = c.tensor(1);
  if (table.rank() != 2)
    return c.fail(c.arg(0).getLoc(),
                  "table must be 2-D [vocab, features], got " + table.str());
  if (ids.rank() == 0)
    return c.fail(c.arg(1).getLoc(),
                  "ids must have rank at least 1, got " + ids.str());
  TensorType type{ElementType::F32, ids.shape};
  type.shape.push_back(table.shape[1]);
  return c.result(std::move(type));
}

bool sema::positionsRule(Call &c) {
  if (!requireBatchSeq(c, 0, "ids"))
    return false;
  return c.result(TensorType{ElementType::I64, c.tensor(0).shape});
}

bool sema::sinusoidalRule(Call &c) {
  if (!requireBatchSeq(c, 0, "positions"))
    return false;
  const Scalar &n = *c.arg(1).scalar;
  if (!n.isInteger || n.asInt() < 2 || n.asInt() % 2 != 0)
    return c.fail(c.arg(1).getLoc(),
                  "the number of features must be a positive even integer, "
                  "got " +
                      formatScalar(n));
  TensorType type{ElementType::F32, c.tensor(0).shape};
  type.shape.push_back(Dim::fixed(n.asInt()));
  return c.result(std::move(type));
}

bool sema::ropeRule(Call &c) {
  const TensorType &x = c.tensor(0);
  if (!c.requireLayout(0, "x", 4, "[batch, heads, seq, head_dim]"))
    return false;
  const Dim &headDim = x.shape[3];
  if (!headDim.isStatic() || headDim.size % 2 != 0)
    return c.fail(c.arg(0).getLoc(),
                  "the head size must be static and even, got " + x.str());
  if (!requireBatchSeq(c, 1, "positions") ||
      !c.sameDim(0, 0, 1, 0, "batch dimensions of x and positions") ||
      !c.sameDim(0, 2, 1, 1, "sequence lengths of x and positions") ||
      !c.positiveKeyword("theta"))
    return false;
  return c.result(x);
}

bool sema::sliceRule(Call &c) {
  if (!c.requireRank(0, "operand", 1))
    return false;
  const TensorType &x = c.tensor(0);
  const Dim &width = x.shape.back();
  if (!width.isStatic())
    return c.fail(c.arg(0).getLoc(),
                  "the last dimension must be static, got " + x.str());
  std::optional<int64_t> start = c.nonNegativeInt(c.arg(1), "start");
  std::optional<int64_t> size = c.positiveInt(c.arg(2), "size");
  if (!start || !size)
    return false;
  int64_t end;
  if (__builtin_add_overflow(*start, *size, &end) || end > width.size)
    return c.fail("[" + Twine(*start) + ", " + Twine(*start) + " + " +
                  Twine(*size) + ") is out of range for the last dimension " +
                  "of " + x.str());
  TensorType type = x;
  type.shape.back() = Dim::fixed(*size);
  return c.result(std::move(type));
}
