//===- Builtins.cpp - The table of builtin functions ----------------------===//
//
// Every builtin is one row of a table: its positional and keyword parameters
// (checked generically here: arity, names, scalar or tensor, element types)
// and a shape rule (BuiltinRules.h) that runs once the arguments are known to
// be well formed.
//
//===----------------------------------------------------------------------===//

#include "BuiltinRules.h"
#include "attnc/Frontend/Sema.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::sema;
using llvm::Twine;

namespace {

/// A Size is a dimension of a shape: a positive integer constant expression
/// or a dim name (which is no value, so Sema resolves it without checking).
enum class ArgKind { Tensor, Scalar, Size };

/// The element types a tensor parameter accepts, as a bit set.
enum Elements : unsigned {
  F32 = 1,
  I32 = 2,
  I64 = 4,
  IntIds = I32 | I64,
  AnyElement = F32 | I32 | I64,
  /// Also a bf16/f16 parameter as it is stored: the weight operands that the
  /// kernels widen themselves (WeightStorage.h).
  StoredNarrow = 8,
};

struct ParamSpec {
  llvm::StringLiteral name;
  ArgKind kind;
  unsigned elements = F32; // for tensors
};

struct Builtin {
  llvm::StringLiteral name;
  /// What MLIRGen builds for it.
  BuiltinKind kind;
  unsigned minArgs;
  llvm::ArrayRef<ParamSpec> positional;
  llvm::ArrayRef<ParamSpec> keywords;
  ShapeRule rule;
  /// The last positional parameter repeats: `reshape(x, d0, d1, ...)`.
  bool variadic = false;
};

constexpr ArgKind T = ArgKind::Tensor, S = ArgKind::Scalar,
                  Size = ArgKind::Size;
const ParamSpec kScalarX[] = {{"x", S}};
const ParamSpec kTensorX[] = {{"x", T}};
const ParamSpec kLinear[] = {
    {"x", T}, {"weight", T, F32 | StoredNarrow}, {"bias", T}};
const ParamSpec kSplitHeads[] = {{"x", T}, {"heads", S}};
const ParamSpec kQKV[] = {{"q", T}, {"k", T}, {"v", T}};
const ParamSpec kAttentionOptions[] = {{"heads", S},  {"kv_heads", S},
                                       {"causal", S}, {"scale", S},
                                       {"mask", T, AnyElement},
                                       {"window", S}, {"alibi", S}};
const ParamSpec kLayerNorm[] = {{"x", T}, {"weight", T}, {"bias", T}};
const ParamSpec kRMSNorm[] = {{"x", T}, {"weight", T}};
const ParamSpec kEps[] = {{"eps", S}};
const ParamSpec kSwiglu[] = {{"gate", T}, {"up", T}};
const ParamSpec kEmbedding[] = {{"table", T, F32 | StoredNarrow},
                                {"ids", T, IntIds}};
const ParamSpec kPositions[] = {{"ids", T, IntIds}};
const ParamSpec kSinusoidal[] = {{"positions", T, I64}, {"features", S}};
const ParamSpec kRope[] = {{"x", T}, {"positions", T, I64}};
const ParamSpec kTheta[] = {{"theta", S}};
const ParamSpec kSlice[] = {{"x", T}, {"start", S}, {"size", S}};
const ParamSpec kPaddingMask[] = {{"scores", T}, {"mask", T, AnyElement}};
const ParamSpec kRepeatKV[] = {{"x", T}, {"times", S}};
const ParamSpec kConcat[] = {{"a", T}, {"b", T}, {"axis", S}};
const ParamSpec kSelect[] = {{"x", T}, {"axis", S}, {"index", S}};
const ParamSpec kPatches[] = {{"image", T}, {"size", S}};
const ParamSpec kPermute[] = {{"x", T}, {"dims", S}};
const ParamSpec kReshape[] = {{"x", T, AnyElement}, {"size", Size}};

using K = BuiltinKind;
const Builtin kBuiltins[] = {
    {"sqrt", K::Sqrt, 1, kScalarX, {}, sqrtRule},
    {"linear", K::Linear, 2, kLinear, {}, linearRule},
    {"transpose", K::Transpose, 1, kTensorX, {}, transposeRule},
    {"softmax", K::Softmax, 1, kTensorX, {}, softmaxRule},
    {"causal_mask", K::CausalMask, 1, kTensorX, {}, causalMaskRule},
    {"padding_mask", K::PaddingMask, 2, kPaddingMask, {}, paddingMaskRule},
    {"repeat_kv", K::RepeatKV, 2, kRepeatKV, {}, repeatKVRule},
    {"split_heads", K::SplitHeads, 2, kSplitHeads, {}, splitHeadsRule},
    {"merge_heads", K::MergeHeads, 1, kTensorX, {}, mergeHeadsRule},
    {"reshape", K::Reshape, 2, kReshape, {}, reshapeRule, /*variadic=*/true},
    {"attention", K::Attention, 3, kQKV, kAttentionOptions, attentionRule},
    {"layernorm", K::LayerNorm, 3, kLayerNorm, kEps, layerNormRule},
    {"rmsnorm", K::RMSNorm, 2, kRMSNorm, kEps, rmsNormRule},
    {"gelu", K::Activation, 1, kTensorX, {}, activationRule},
    {"gelu_tanh", K::Activation, 1, kTensorX, {}, activationRule},
    {"gelu_quick", K::Activation, 1, kTensorX, {}, activationRule},
    {"silu", K::Activation, 1, kTensorX, {}, activationRule},
    {"relu", K::Activation, 1, kTensorX, {}, activationRule},
    {"tanh", K::Activation, 1, kTensorX, {}, activationRule},
    {"exp", K::Activation, 1, kTensorX, {}, activationRule},
    {"sigmoid", K::Activation, 1, kTensorX, {}, activationRule},
    {"swiglu", K::Swiglu, 2, kSwiglu, {}, swigluRule},
    {"embedding", K::Embedding, 2, kEmbedding, {}, embeddingRule},
    {"positions", K::Positions, 1, kPositions, {}, positionsRule},
    {"sinusoidal", K::Sinusoidal, 2, kSinusoidal, {}, sinusoidalRule},
    {"rope", K::Rope, 2, kRope, kTheta, ropeRule},
    {"slice", K::Slice, 3, kSlice, {}, sliceRule},
    {"concat", K::Concat, 3, kConcat, {}, concatRule},
    {"select", K::Select, 3, kSelect, {}, selectRule},
    {"patches", K::Patches, 2, kPatches, {}, patchesRule},
    {"permute", K::Permute, 2, kPermute, {}, permuteRule, /*variadic=*/true},
    {"sum", K::Sum, 1, kTensorX, {}, lastDimReductionRule},
    {"mean", K::Mean, 1, kTensorX, {}, lastDimReductionRule},
    {"max", K::Max, 1, kTensorX, {}, lastDimReductionRule},
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
  if (b.variadic)
    return "at least " + text + " arguments";
  if (max != b.minArgs)
    text += " or " + std::to_string(max);
  text += max == 1 ? " argument" : " arguments";
  return text;
}

/// "an i32 or i64", "an f32, i32 or i64".
std::string elementsText(unsigned elements) {
  llvm::SmallVector<llvm::StringRef> names;
  if (elements & F32)
    names.push_back("f32");
  if (elements & I32)
    names.push_back("i32");
  if (elements & I64)
    names.push_back("i64");
  std::string text = "an "; // every element type name starts with a vowel
  for (size_t i = 0; i < names.size(); ++i) {
    if (i)
      text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

bool allows(unsigned elements, ElementType t) {
  switch (t) {
  case ElementType::F32:
    return elements & F32;
  case ElementType::I32:
    return elements & I32;
  case ElementType::I64:
    return elements & I64;
  }
  return false;
}

/// Checks that a checked argument is the kind of value `param` takes.
bool checkKind(Call &c, const Expr &arg, const ParamSpec &param,
               const Twine &what) {
  if (param.kind == ArgKind::Tensor) {
    if (!arg.tensorType)
      return c.fail(arg.getLoc(), what + " must be a tensor, got " +
                                      sema::describeValue(arg));
    if (!(param.elements & StoredNarrow) &&
        !sema::requireComputable(arg, c.diag))
      return false;
    unsigned elements = param.elements & ~StoredNarrow;
    if (elements == F32)
      return arg.tensorType->elementType == ElementType::F32 ||
             sema::requireF32(arg, c.diag);
    if (!allows(elements, arg.tensorType->elementType))
      return c.fail(arg.getLoc(), "'" + param.name + "' must be " +
                                      elementsText(elements) +
                                      " tensor, got " +
                                      arg.tensorType->str());
    return true;
  }
  if (!arg.scalar)
    return c.fail(arg.getLoc(),
                  what + " must be " +
                      (param.kind == ArgKind::Size
                           ? "a positive integer or a dim name"
                           : "a scalar") +
                      ", got " + sema::describeValue(arg));
  return true;
}

/// The parameter that positional argument `i` binds to, if any.
const ParamSpec *positionalParam(const Builtin &b, size_t i) {
  if (i < b.positional.size())
    return &b.positional[i];
  if (b.variadic)
    return &b.positional.back();
  return nullptr;
}

} // namespace

bool sema::isBuiltin(llvm::StringRef callee) { return lookup(callee); }

bool sema::takesSize(llvm::StringRef callee, size_t i) {
  const Builtin *b = lookup(callee);
  const ParamSpec *param = b ? positionalParam(*b, i) : nullptr;
  return param && param->kind == ArgKind::Size;
}

llvm::SmallVector<llvm::StringRef> sema::builtinNames() {
  return namesOf(kBuiltins);
}

llvm::SmallVector<llvm::StringRef>
sema::builtinPositionalNames(llvm::StringRef callee) {
  const Builtin *b = lookup(callee);
  return b ? namesOf(b->positional) : llvm::SmallVector<llvm::StringRef>();
}

llvm::SmallVector<llvm::StringRef>
sema::builtinKeywordNames(llvm::StringRef callee) {
  const Builtin *b = lookup(callee);
  return b ? namesOf(b->keywords) : llvm::SmallVector<llvm::StringRef>();
}

bool sema::checkBuiltinCall(CallExpr &call, bool argsOk,
                            DiagnosticReporter &diag) {
  const Builtin *builtin = lookup(call.callee);
  assert(builtin && "Sema calls this for builtins only");
  call.builtin = builtin->kind;
  Call c{call, diag};
  bool ok = true;

  size_t numArgs = call.args.size();
  if (numArgs < builtin->minArgs ||
      (!builtin->variadic && numArgs > builtin->positional.size())) {
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
  for (size_t i = 0; i < numArgs; ++i) {
    const Expr &arg = *call.args[i];
    const ParamSpec *param = positionalParam(*builtin, i);
    if (param && (arg.scalar || arg.tensorType) &&
        !checkKind(c, arg, *param, "argument " + Twine(i + 1)))
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
// Call
//===----------------------------------------------------------------------===//

bool Call::fail(llvm::SMLoc loc, const Twine &message) {
  diag.error(loc, expr.callee + ": " + message);
  return false;
}

const Expr *Call::keyword(llvm::StringRef name) const {
  for (const KeywordArg &kw : expr.kwargs)
    if (kw.name == name)
      return kw.value.get();
  return nullptr;
}

bool Call::requireRank(unsigned i, llvm::StringRef what, size_t minRank) {
  if (tensor(i).rank() >= minRank)
    return true;
  return fail(arg(i).getLoc(), what + " must have rank at least " +
                                   Twine(minRank) + ", got " + tensor(i).str());
}

bool Call::requireLayout(unsigned i, llvm::StringRef what, size_t rank,
                         llvm::StringRef layout) {
  if (tensor(i).rank() == rank)
    return true;
  return fail(arg(i).getLoc(), what + " must have rank " + Twine(rank) + " " +
                                   layout + ", got " + tensor(i).str());
}

std::optional<int64_t> Call::positiveInt(const Expr &e, llvm::StringRef what) {
  const Scalar &s = *e.scalar;
  if (s.isInteger && s.asInt() >= 1)
    return s.asInt();
  fail(e.getLoc(), what + " must be a positive integer, got " + formatScalar(s));
  return std::nullopt;
}

std::optional<int64_t> Call::nonNegativeInt(const Expr &e,
                                            llvm::StringRef what) {
  const Scalar &s = *e.scalar;
  if (s.isInteger && s.asInt() >= 0)
    return s.asInt();
  fail(e.getLoc(),
       what + " must be a non-negative integer, got " + formatScalar(s));
  return std::nullopt;
}

bool Call::positiveKeyword(llvm::StringRef name) {
  const Expr *e = keyword(name);
  if (!e)
    return true;
  if (e->scalar->value <= 0)
    return fail(e->getLoc(),
                name + " must be positive, got " + formatScalar(*e->scalar));
  // It becomes an f32 attribute in the IR.
  if (!fitsF32(e->scalar->value))
    return fail(e->getLoc(), name + " " + formatScalar(*e->scalar) +
                                 " does not fit in f32");
  return true;
}

bool Call::sameDim(unsigned a, size_t i, unsigned b, size_t j,
                   llvm::StringRef what) {
  const Dim &x = tensor(a).shape[i], &y = tensor(b).shape[j];
  if (x == y)
    return true;
  return fail(what + " differ: " + tensor(a).str() + " and " +
              tensor(b).str() + " " + versus(x, y));
}
