//===- Builtins.cpp - Type rules of the attn DSL's operations -------------===//
//
// Every builtin is one row of a table: its positional and keyword parameters
// (checked generically: arity, names, scalar or tensor, f32) and a shape rule
// that runs once the arguments are known to be well formed.
//
//===----------------------------------------------------------------------===//

#include "Builtins.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Casting.h"

#include <cmath>

using namespace attnc;
using namespace attnc::ast;
using llvm::SMLoc;
using llvm::Twine;

std::string sema::didYouMean(llvm::StringRef name,
                             llvm::ArrayRef<llvm::StringRef> candidates) {
  llvm::StringRef best;
  unsigned bestDistance = 3;
  for (llvm::StringRef candidate : candidates) {
    if (candidate == name)
      continue;
    unsigned d = name.edit_distance(candidate, /*AllowReplacements=*/true,
                                    /*MaxEditDistance=*/2);
    // Replacing every letter of a short name is not a typo: 'k' for 'q'.
    if (d < bestDistance && d < name.size()) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best.empty())
    return "";
  return ("; did you mean '" + best + "'?").str();
}

std::string sema::describeValue(const Expr &e) {
  if (e.tensorType)
    return "the tensor " + e.tensorType->str();
  if (e.scalar)
    return "the scalar " + formatScalar(*e.scalar);
  return "an invalid value";
}

bool sema::requireF32(const Expr &operand, DiagnosticReporter &diag) {
  if (operand.tensorType && operand.tensorType->elementType == ElementType::F32)
    return true;
  diag.error(operand.getLoc(),
             "expected an f32 tensor, got " + (operand.tensorType
                                                   ? operand.tensorType->str()
                                                   : describeValue(operand)));
  return false;
}

namespace {

std::string versus(const Dim &a, const Dim &b) {
  return "(" + a.str() + " vs " + b.str() + ")";
}

/// Index of the first dimension where `a` and `b` differ, if any.
std::optional<size_t> firstDifference(llvm::ArrayRef<Dim> a,
                                      llvm::ArrayRef<Dim> b) {
  for (size_t i = 0, e = std::min(a.size(), b.size()); i < e; ++i)
    if (a[i] != b[i])
      return i;
  return std::nullopt;
}

enum class ArgKind { Tensor, Scalar };
struct ParamSpec {
  llvm::StringLiteral name;
  ArgKind kind;
};

/// One call being checked, with the builtin's name prefixed to messages.
struct Call {
  CallExpr &expr;
  DiagnosticReporter &diag;

  bool fail(SMLoc loc, const Twine &message) {
    diag.error(loc, expr.callee + ": " + message);
    return false;
  }
  bool fail(const Twine &message) { return fail(expr.getLoc(), message); }

  const Expr &arg(unsigned i) const { return *expr.args[i]; }
  const TensorType &tensor(unsigned i) const { return *arg(i).tensorType; }
  const Expr *keyword(llvm::StringRef name) const {
    for (const KeywordArg &kw : expr.kwargs)
      if (kw.name == name)
        return kw.value.get();
    return nullptr;
  }
  bool requireRank(unsigned i, llvm::StringRef what, size_t minRank) {
    if (tensor(i).rank() >= minRank)
      return true;
    return fail(arg(i).getLoc(), what + " must have rank at least " +
                                     Twine(minRank) + ", got " +
                                     tensor(i).str());
  }
  /// A scalar argument that must be a positive integer, such as `heads`.
  std::optional<int64_t> positiveInt(const Expr &e, llvm::StringRef what) {
    const Scalar &s = *e.scalar;
    if (s.isInteger && s.asInt() >= 1)
      return s.asInt();
    fail(e.getLoc(),
         what + " must be a positive integer, got " + formatScalar(s));
    return std::nullopt;
  }
  bool result(TensorType type) {
    expr.tensorType = std::move(type);
    return true;
  }
};

using ShapeRule = bool (*)(Call &);

struct Builtin {
  llvm::StringLiteral name;
  unsigned minArgs;
  llvm::ArrayRef<ParamSpec> positional;
  llvm::ArrayRef<ParamSpec> keywords;
  ShapeRule rule;
};

//===--- Shape rules ------------------------------------------------------===//

bool sqrtRule(Call &c) {
  const Scalar &x = *c.arg(0).scalar;
  if (x.value < 0)
    return c.fail(c.arg(0).getLoc(),
                  "argument must not be negative, got " + formatScalar(x));
  c.expr.scalar = Scalar{std::sqrt(x.value), false};
  return true;
}

bool linearRule(Call &c) {
  if (!c.requireRank(0, "input", 2))
    return false;
  const TensorType &x = c.tensor(0), &w = c.tensor(1);
  if (w.rank() != 2)
    return c.fail(c.arg(1).getLoc(), "weight must be 2-D, got " + w.str());
  // Only a parameter named directly carries a layout; anything else is
  // [out, in], as torch.nn.Linear stores it.
  WeightLayout layout = WeightLayout::OutIn;
  if (const auto *ident = llvm::dyn_cast<IdentExpr>(&c.arg(1)))
    if (const auto *param = llvm::dyn_cast_or_null<ParamDecl>(ident->decl))
      layout = param->layout.value_or(WeightLayout::OutIn);
  bool outIn = layout == WeightLayout::OutIn;
  const Dim &in = w.shape[outIn ? 1 : 0], &out = w.shape[outIn ? 0 : 1];
  llvm::StringRef stored = outIn ? "[out, in]" : "[in, out]";
  if (x.shape.back() != in)
    return c.fail("input width differs from the weight's: " + x.str() +
                  " with weight " + w.str() + " stored " + stored + " " +
                  versus(x.shape.back(), in));
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

bool transposeRule(Call &c) {
  return sema::checkTranspose(c.expr, c.arg(0), c.diag);
}

bool softmaxRule(Call &c) {
  if (!c.requireRank(0, "operand", 1))
    return false;
  return c.result(c.tensor(0));
}

bool causalMaskRule(Call &c) {
  if (!c.requireRank(0, "operand", 2))
    return false;
  return c.result(c.tensor(0));
}

bool splitHeadsRule(Call &c) {
  const TensorType &x = c.tensor(0);
  if (x.rank() != 3)
    return c.fail(c.arg(0).getLoc(),
                  "operand must have rank 3 [batch, seq, width], got " +
                      x.str());
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

bool mergeHeadsRule(Call &c) {
  const TensorType &x = c.tensor(0);
  if (x.rank() != 4)
    return c.fail(c.arg(0).getLoc(),
                  "operand must have rank 4 [batch, heads, seq, head_dim], "
                  "got " +
                      x.str());
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

bool attentionRule(Call &c) {
  const TensorType &q = c.tensor(0), &k = c.tensor(1), &v = c.tensor(2);
  size_t rank = q.rank();
  if (rank != 3 && rank != 4)
    return c.fail(c.arg(0).getLoc(),
                  "q must have rank 3 [batch, seq, width] or 4 [batch, "
                  "heads, seq, head_dim], got " +
                      q.str());
  if (k.rank() != rank || v.rank() != rank)
    return c.fail("q, k and v must have the same rank: " + q.str() + ", " +
                  k.str() + ", " + v.str());
  if (auto i = firstDifference(k.shape, v.shape))
    return c.fail("k and v shapes differ: " + k.str() + " vs " + v.str() + " " +
                  versus(k.shape[*i], v.shape[*i]));
  auto agree = [&](size_t i, llvm::StringRef what) {
    if (q.shape[i] == k.shape[i])
      return true;
    return c.fail(what + " of q and k differ: " + q.str() + " vs " + k.str() +
                  " " + versus(q.shape[i], k.shape[i]));
  };
  if (!agree(0, "batch dimensions") || !agree(rank - 1, "widths") ||
      (rank == 4 && !agree(1, "head counts")))
    return false;

  const Expr *headsArg = c.keyword("heads");
  std::optional<int64_t> heads;
  if (headsArg && !(heads = c.positiveInt(*headsArg, "heads")))
    return false;
  Dim headDim;
  if (rank == 3) {
    if (!heads)
      return c.fail("'heads' is required when q, k and v have rank 3");
    const Dim &width = q.shape[2];
    if (!width.isStatic())
      return c.fail(c.arg(0).getLoc(),
                    "the width must be static to split it into heads, got " +
                        q.str());
    if (width.size % *heads != 0)
      return c.fail(headsArg->getLoc(), Twine(*heads) +
                                            " heads do not divide width " +
                                            Twine(width.size));
    headDim = Dim::fixed(width.size / *heads);
  } else {
    if (heads && q.shape[1] != Dim::fixed(*heads))
      return c.fail(headsArg->getLoc(), "heads = " + Twine(*heads) +
                                            " but q has " + q.shape[1].str() +
                                            " heads: " + q.str());
    headDim = q.shape[3];
  }
  if (const Expr *scale = c.keyword("scale");
      scale && !sema::fitsF32(scale->scalar->value))
    return c.fail(scale->getLoc(), "scale " + formatScalar(*scale->scalar) +
                                       " does not fit in f32");
  if (!c.keyword("scale") && !headDim.isStatic())
    return c.fail("the head size must be static to derive the default "
                  "scale; pass scale = ...");
  return c.result(q);
}

//===--- The table --------------------------------------------------------===//

constexpr ArgKind T = ArgKind::Tensor, S = ArgKind::Scalar;
const ParamSpec kScalarX[] = {{"x", S}};
const ParamSpec kTensorX[] = {{"x", T}};
const ParamSpec kLinear[] = {{"x", T}, {"weight", T}, {"bias", T}};
const ParamSpec kSplitHeads[] = {{"x", T}, {"heads", S}};
const ParamSpec kQKV[] = {{"q", T}, {"k", T}, {"v", T}};
const ParamSpec kAttentionOptions[] = {
    {"heads", S}, {"causal", S}, {"scale", S}};

const Builtin kBuiltins[] = {
    {"sqrt", 1, kScalarX, {}, sqrtRule},
    {"linear", 2, kLinear, {}, linearRule},
    {"transpose", 1, kTensorX, {}, transposeRule},
    {"softmax", 1, kTensorX, {}, softmaxRule},
    {"causal_mask", 1, kTensorX, {}, causalMaskRule},
    {"split_heads", 2, kSplitHeads, {}, splitHeadsRule},
    {"merge_heads", 1, kTensorX, {}, mergeHeadsRule},
    {"attention", 3, kQKV, kAttentionOptions, attentionRule},
};

const Builtin *lookup(llvm::StringRef name) {
  for (const Builtin &b : kBuiltins)
    if (b.name == name)
      return &b;
  return nullptr;
}

template <typename Range>
llvm::SmallVector<llvm::StringRef> namesOf(const Range &range) {
  llvm::SmallVector<llvm::StringRef> names;
  for (const auto &item : range)
    names.push_back(item.name);
  return names;
}

std::string arityText(const Builtin &b) {
  size_t max = b.positional.size();
  std::string text = std::to_string(b.minArgs);
  if (max != b.minArgs)
    text += " or " + std::to_string(max);
  text += max == 1 ? " argument" : " arguments";
  return text;
}

/// Checks that a checked argument is the kind of value `param` takes.
bool checkKind(Call &c, const Expr &arg, const ParamSpec &param,
               const Twine &what) {
  if (param.kind == ArgKind::Tensor) {
    if (!arg.tensorType)
      return c.fail(arg.getLoc(), what + " must be a tensor, got " +
                                      sema::describeValue(arg));
    return sema::requireF32(arg, c.diag);
  }
  if (!arg.scalar)
    return c.fail(arg.getLoc(),
                  what + " must be a scalar, got " + sema::describeValue(arg));
  return true;
}

} // namespace

bool sema::isBuiltin(llvm::StringRef callee) { return lookup(callee); }

bool sema::checkBuiltinCall(CallExpr &call, bool argsOk,
                            DiagnosticReporter &diag) {
  const Builtin *builtin = lookup(call.callee);
  if (!builtin) {
    diag.error(call.getLoc(), "unknown function '" + call.callee + "'" +
                                  didYouMean(call.callee, namesOf(kBuiltins)));
    return false;
  }
  Call c{call, diag};
  bool ok = true;

  size_t numArgs = call.args.size();
  if (numArgs < builtin->minArgs || numArgs > builtin->positional.size()) {
    diag.error(call.getLoc(), call.callee + " expects " + arityText(*builtin) +
                                  ", got " + Twine(numArgs));
    ok = false;
  }

  llvm::SmallVector<const ParamSpec *> keywordSpecs;
  for (size_t i = 0; i < call.kwargs.size(); ++i) {
    const KeywordArg &kw = call.kwargs[i];
    const ParamSpec *spec = nullptr;
    for (const ParamSpec &p : builtin->keywords)
      if (p.name == kw.name)
        spec = &p;
    keywordSpecs.push_back(spec);
    if (!spec) {
      if (llvm::is_contained(namesOf(builtin->positional), kw.name))
        c.fail(kw.loc, "'" + kw.name + "' must be passed positionally");
      else
        diag.error(kw.loc, call.callee + " has no parameter '" + kw.name + "'" +
                               didYouMean(kw.name, namesOf(builtin->keywords)));
      ok = false;
      continue;
    }
    for (size_t j = 0; j < i; ++j) {
      if (call.kwargs[j].name == kw.name) {
        c.fail(kw.loc, "parameter '" + kw.name + "' given twice");
        ok = false;
        break;
      }
    }
  }

  // Argument kinds, for the arguments that were checked successfully.
  for (size_t i = 0; i < numArgs && i < builtin->positional.size(); ++i) {
    const Expr &arg = *call.args[i];
    if ((arg.scalar || arg.tensorType) &&
        !checkKind(c, arg, builtin->positional[i], "argument " + Twine(i + 1)))
      ok = false;
  }
  for (size_t i = 0; i < call.kwargs.size(); ++i) {
    const Expr &value = *call.kwargs[i].value;
    if (keywordSpecs[i] && (value.scalar || value.tensorType) &&
        !checkKind(c, value, *keywordSpecs[i], "'" + call.kwargs[i].name + "'"))
      ok = false;
  }

  if (!ok || !argsOk)
    return false;
  return builtin->rule(c);
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

bool sema::checkElementwise(BinaryExpr &e, DiagnosticReporter &diag) {
  bool ok = requireF32(*e.lhs, diag);
  ok = requireF32(*e.rhs, diag) && ok;
  if (!ok)
    return false;
  const TensorType &a = *e.lhs->tensorType, &b = *e.rhs->tensorType;
  std::string prefix = ("'" + BinaryExpr::spelling(e.op) +
                        "' needs operands of the same shape: " + a.str() + " " +
                        BinaryExpr::spelling(e.op) + " " + b.str() + " ")
                           .str();
  if (a.rank() != b.rank()) {
    diag.error(e.getLoc(), prefix + "(rank " + Twine(a.rank()) + " vs " +
                               Twine(b.rank()) + ")");
    return false;
  }
  if (auto i = firstDifference(a.shape, b.shape)) {
    diag.error(e.getLoc(), prefix + versus(a.shape[*i], b.shape[*i]));
    return false;
  }
  e.tensorType = a;
  return true;
}

bool sema::checkMatMul(BinaryExpr &e, DiagnosticReporter &diag) {
  bool ok = requireF32(*e.lhs, diag);
  ok = requireF32(*e.rhs, diag) && ok;
  if (!ok)
    return false;
  const TensorType &a = *e.lhs->tensorType, &b = *e.rhs->tensorType;
  for (const auto &[operand, side] :
       {std::pair{e.lhs.get(), "left"}, std::pair{e.rhs.get(), "right"}}) {
    if (operand->tensorType->rank() < 2) {
      diag.error(operand->getLoc(),
                 Twine("matmul: ") + side +
                     " operand must have rank at least 2, got " +
                     operand->tensorType->str());
      ok = false;
    }
  }
  if (!ok)
    return false;
  std::string both = a.str() + " @ " + b.str() + " ";
  size_t rank = a.rank();
  if (b.rank() != rank) {
    diag.error(e.getLoc(), "matmul: ranks differ: " + both + "(" + Twine(rank) +
                               " vs " + Twine(b.rank()) + ")");
    return false;
  }
  llvm::ArrayRef<Dim> aShape(a.shape), bShape(b.shape);
  if (auto i = firstDifference(aShape.drop_back(2), bShape.drop_back(2))) {
    diag.error(e.getLoc(), "matmul: batch dimensions differ: " + both +
                               versus(a.shape[*i], b.shape[*i]));
    return false;
  }
  if (a.shape[rank - 1] != b.shape[rank - 2]) {
    diag.error(e.getLoc(), "matmul: inner dimensions differ: " + both +
                               versus(a.shape[rank - 1], b.shape[rank - 2]));
    return false;
  }
  TensorType type = a;
  type.shape.back() = b.shape.back();
  e.tensorType = std::move(type);
  return true;
}

bool sema::checkTranspose(Expr &e, const Expr &operand,
                          DiagnosticReporter &diag) {
  if (!requireF32(operand, diag))
    return false;
  const TensorType &x = *operand.tensorType;
  if (x.rank() < 2) {
    diag.error(e.getLoc(),
               "transpose: operand must have rank at least 2, got " + x.str());
    return false;
  }
  TensorType type = x;
  std::swap(type.shape[x.rank() - 1], type.shape[x.rank() - 2]);
  e.tensorType = std::move(type);
  return true;
}
