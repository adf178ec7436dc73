//===- BuiltinRules.h - Shape rules of the builtin functions ---*- C++ -*-===//
//
// Internal to the builtin table (Builtins.cpp): one shape rule per builtin.
// A rule runs once the generic checks passed: the arity is right, every
// keyword is known and given once, every argument is a scalar or a tensor as
// the builtin's signature says, with an allowed element type.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LIB_FRONTEND_BUILTINRULES_H
#define ATTNC_LIB_FRONTEND_BUILTINRULES_H

#include "Builtins.h"

#include "llvm/ADT/Twine.h"

#include <optional>

namespace attnc::sema {

/// One call being checked, with the builtin's name prefixed to messages.
struct Call {
  ast::CallExpr &expr;
  DiagnosticReporter &diag;

  bool fail(llvm::SMLoc loc, const llvm::Twine &message);
  bool fail(const llvm::Twine &message) { return fail(expr.getLoc(), message); }

  const ast::Expr &arg(unsigned i) const { return *expr.args[i]; }
  const ast::TensorType &tensor(unsigned i) const { return *arg(i).tensorType; }
  const ast::Expr *keyword(llvm::StringRef name) const;

  bool requireRank(unsigned i, llvm::StringRef what, size_t minRank);
  /// Reports unless argument `i` has exactly `rank` dimensions, laid out as
  /// `layout` says: "<what> must have rank 4 [batch, heads, seq, head_dim]".
  bool requireLayout(unsigned i, llvm::StringRef what, size_t rank,
                     llvm::StringRef layout);
  /// A scalar that must be a positive integer, such as `heads`.
  std::optional<int64_t> positiveInt(const ast::Expr &e, llvm::StringRef what);
  /// A scalar that must be a non-negative integer, such as a slice start.
  std::optional<int64_t> nonNegativeInt(const ast::Expr &e,
                                        llvm::StringRef what);
  /// An optional keyword that must be a positive number, such as `eps`.
  bool positiveKeyword(llvm::StringRef name);
  /// Reports unless dimension `i` of argument `a` equals dimension `j` of
  /// argument `b`.
  bool sameDim(unsigned a, size_t i, unsigned b, size_t j,
               llvm::StringRef what);
  bool result(ast::TensorType type) {
    expr.tensorType = std::move(type);
    return true;
  }
};

using ShapeRule = bool (*)(Call &);

// TensorRules.cpp
bool sqrtRule(Call &c);
bool linearRule(Call &c);
bool transposeRule(Call &c);
bool softmaxRule(Call &c);
bool activationRule(Call &c);
/// sum, mean, max: [..., n] -> [...].
bool lastDimReductionRule(Call &c);
bool causalMaskRule(Call &c);
bool paddingMaskRule(Call &c);
bool repeatKVRule(Call &c);
bool splitHeadsRule(Call &c);
bool mergeHeadsRule(Call &c);
bool reshapeRule(Call &c);
bool layerNormRule(Call &c);
bool rmsNormRule(Call &c);
bool swigluRule(Call &c);
bool embeddingRule(Call &c);
bool positionsRule(Call &c);
bool sinusoidalRule(Call &c);
bool ropeRule(Call &c);
bool sliceRule(Call &c);

// ImageRules.cpp
bool concatRule(Call &c);
/// permute(x, d0, d1, ...): every dimension of x listed once.
bool permuteRule(Call &c);
bool selectRule(Call &c);
bool patchesRule(Call &c);

// AttentionRule.cpp
bool attentionRule(Call &c);

} // namespace attnc::sema

#endif // ATTNC_LIB_FRONTEND_BUILTINRULES_H
