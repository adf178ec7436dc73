//===- Builtins.h - Type rules of the attn DSL's operations ----*- C++ -*-===//
//
// Internal to Sema: the table of builtin functions with their signatures
// (Builtins.cpp) and shape rules (TensorRules.cpp, AttentionRule.cpp), the
// shape rules of the tensor operators and the message helpers shared with
// Sema (Operators.cpp), and scalar constant folding (ConstantFolding.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LIB_FRONTEND_BUILTINS_H
#define ATTNC_LIB_FRONTEND_BUILTINS_H

#include "attnc/Frontend/AST.h"
#include "attnc/Frontend/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cfloat>
#include <cmath>
#include <optional>
#include <string>

namespace attnc::sema {

/// "; did you mean 'x'?" for the closest candidate within edit distance 2
/// of `name` (and closer than rewriting all of it; the first one on a tie),
/// or "" when there is none.
std::string didYouMean(llvm::StringRef name,
                       llvm::ArrayRef<llvm::StringRef> candidates);

/// "the scalar 3" or "the tensor f32[batch, 8]" for a checked expression.
std::string describeValue(const ast::Expr &e);

/// Reports `expected an f32 tensor, got i32[...]` at `operand` unless it is
/// an f32 tensor.
bool requireF32(const ast::Expr &operand, DiagnosticReporter &diag);
/// Reports a bf16/f16 parameter (or a name bound to one) where only values
/// held in f32 may go: anything but a linear() weight or an embedding() table.
bool requireComputable(const ast::Expr &operand, DiagnosticReporter &diag);

/// Where the text of an expression begins (operators are located at the
/// operator, a conditional at its '?').
llvm::SMLoc startOf(const ast::Expr &e);

/// "(a vs b)", the dimensions that disagree in a shape message.
std::string versus(const ast::Dim &a, const ast::Dim &b);
/// Index of the first dimension where `a` and `b` differ, if any.
std::optional<size_t> firstDifference(llvm::ArrayRef<ast::Dim> a,
                                      llvm::ArrayRef<ast::Dim> b);
/// The numpy broadcast of two sizes: equal ones, or the other of a 1.
std::optional<ast::Dim> broadcastDim(const ast::Dim &a, const ast::Dim &b);

/// Whether `value` stays finite as an f32: scale factors become f32
/// constants in the IR.
inline bool fitsF32(double value) { return std::fabs(value) <= FLT_MAX; }

/// Whether `callee` names a builtin function.
bool isBuiltin(llvm::StringRef callee);
/// Whether positional argument `i` of builtin `callee` is a dimension size,
/// which may be a dim name (resolved as in a type, not checked as a value).
bool takesSize(llvm::StringRef callee, size_t i);
/// The names of all builtin functions, for suggestions.
llvm::SmallVector<llvm::StringRef> builtinNames();
/// The names of the positional and of the keyword parameters of builtin
/// `callee` (none for a name that is no builtin); the fuzzer's mutator
/// (test/fuzz/AttnMutations.cpp) builds calls from them.
llvm::SmallVector<llvm::StringRef> builtinPositionalNames(llvm::StringRef callee);
llvm::SmallVector<llvm::StringRef> builtinKeywordNames(llvm::StringRef callee);

/// Checks a call of a builtin once its arguments have been checked (`argsOk`
/// is false if one of them failed; then only the errors that do not depend
/// on argument types are reported). Sets the call's type on success.
bool checkBuiltinCall(ast::CallExpr &call, bool argsOk,
                      DiagnosticReporter &diag);

/// Folds a binary operator on two scalars into `e.scalar`, reporting
/// division by zero and overflow at `e`.
bool foldBinary(ast::BinaryExpr &e, const ast::Scalar &a, const ast::Scalar &b,
                DiagnosticReporter &diag);
/// Folds `-a` into `e.scalar`.
bool foldNegate(ast::UnaryExpr &e, const ast::Scalar &a,
                DiagnosticReporter &diag);
/// Parses a -D value: an optionally signed integer or floating-point number,
/// with nothing after it.
std::optional<ast::Scalar> parseNumber(llvm::StringRef text);

/// Type rules of the tensor operators; the operands are checked tensors.
bool checkMatMul(ast::BinaryExpr &e, DiagnosticReporter &diag);
bool checkElementwise(ast::BinaryExpr &e, DiagnosticReporter &diag);
bool checkTranspose(ast::Expr &e, const ast::Expr &operand,
                    DiagnosticReporter &diag);

} // namespace attnc::sema

#endif // ATTNC_LIB_FRONTEND_BUILTINS_H
