//===- Operators.cpp - Type rules of the tensor operators -----------------===//
//
// `+ - * /` on two tensors, `@` and `^T`, and the message helpers that Sema
// and the builtin rules share.
//
//===----------------------------------------------------------------------===//

#include "Builtins.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Casting.h"

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

bool sema::requireComputable(const Expr &operand, DiagnosticReporter &diag) {
  if (!operand.tensorType || operand.tensorType->storage == StorageType::F32)
    return true;
  const TensorType &t = *operand.tensorType;
  diag.error(operand.getLoc(),
             "parameter '" + t.storedParam->name + "' is stored as " +
                 stringifyStorageType(t.storage) +
                 ", which only a linear() weight or an embedding() table "
                 "may read; declare it f32");
  return false;
}

bool sema::requireF32(const Expr &operand, DiagnosticReporter &diag) {
  if (!requireComputable(operand, diag))
    return false;
  if (operand.tensorType && operand.tensorType->elementType == ElementType::F32)
    return true;
  diag.error(operand.getLoc(),
             "expected an f32 tensor, got " + (operand.tensorType
                                                   ? operand.tensorType->str()
                                                   : describeValue(operand)));
  return false;
}

SMLoc sema::startOf(const Expr &e) {
  if (auto *bin = llvm::dyn_cast<BinaryExpr>(&e))
    return startOf(*bin->lhs);
  if (auto *cond = llvm::dyn_cast<ConditionalExpr>(&e))
    return startOf(*cond->cond);
  if (auto *t = llvm::dyn_cast<TransposeExpr>(&e))
    return startOf(*t->operand);
  return e.getLoc();
}

std::string sema::versus(const Dim &a, const Dim &b) {
  return "(" + a.str() + " vs " + b.str() + ")";
}

std::optional<size_t> sema::firstDifference(llvm::ArrayRef<Dim> a,
                                            llvm::ArrayRef<Dim> b) {
  for (size_t i = 0, e = std::min(a.size(), b.size()); i < e; ++i)
    if (a[i] != b[i])
      return i;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

std::optional<Dim> sema::broadcastDim(const Dim &a, const Dim &b) {
  if (a == b || b == Dim::fixed(1))
    return a;
  if (a == Dim::fixed(1))
    return b;
  return std::nullopt;
}

bool sema::checkElementwise(BinaryExpr &e, DiagnosticReporter &diag) {
  bool ok = requireF32(*e.lhs, diag);
  ok = requireF32(*e.rhs, diag) && ok;
  if (!ok)
    return false;
  // numpy's rules: shapes aligned at the last dimension, sizes equal or 1.
  const TensorType &a = *e.lhs->tensorType, &b = *e.rhs->tensorType;
  size_t rank = std::max(a.rank(), b.rank());
  TensorType type{a.elementType, std::vector<Dim>(rank, Dim::fixed(1))};
  for (size_t i = 0; i < rank; ++i) {
    const Dim one = Dim::fixed(1);
    const Dim &x = i + a.rank() < rank ? one : a.shape[i + a.rank() - rank];
    const Dim &y = i + b.rank() < rank ? one : b.shape[i + b.rank() - rank];
    std::optional<Dim> d = broadcastDim(x, y);
    if (!d) {
      diag.error(e.getLoc(), "'" + BinaryExpr::spelling(e.op) +
                                 "' needs operands whose shapes broadcast: " +
                                 a.str() + " " + BinaryExpr::spelling(e.op) +
                                 " " + b.str() + " " + sema::versus(x, y));
      return false;
    }
    type.shape[i] = *d;
  }
  e.tensorType = std::move(type);
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
  if (auto i = sema::firstDifference(aShape.drop_back(2), bShape.drop_back(2))) {
    diag.error(e.getLoc(), "matmul: batch dimensions differ: " + both +
                               sema::versus(a.shape[*i], b.shape[*i]));
    return false;
  }
  if (a.shape[rank - 1] != b.shape[rank - 2]) {
    diag.error(e.getLoc(), "matmul: inner dimensions differ: " + both +
                               sema::versus(a.shape[rank - 1], b.shape[rank - 2]));
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
