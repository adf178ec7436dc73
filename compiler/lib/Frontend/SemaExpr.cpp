//===- SemaExpr.cpp - Checking expressions --------------------------------===//
//
// Names, calls, operators and conditionals. Builtins and operators get their
// shape rules from Builtins.h; calls of blocks and `repeat` are checked in
// SemaBlocks.cpp.
//
//===----------------------------------------------------------------------===//

#include "SemaImpl.h"

#include "Builtins.h"

#include "llvm/Support/Casting.h"

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::sema;
using llvm::SMLoc;
using llvm::Twine;

bool Sema::check(Expr &e) {
  if (!checkExprKind(e))
    return false;
  // A name's type was checked where it was declared.
  if (e.tensorType && !llvm::isa<IdentExpr>(e))
    return checkTensorSize(e.getLoc(), *e.tensorType);
  return true;
}

bool Sema::checkExprKind(Expr &e) {
  ++inlinedSize;
  switch (e.getKind()) {
  case Expr::Kind::Number: {
    auto &n = llvm::cast<NumberExpr>(e);
    e.scalar = Scalar{n.value, n.isInteger};
    return true;
  }
  case Expr::Kind::Ident:
    return checkIdent(llvm::cast<IdentExpr>(e));
  case Expr::Kind::Call:
    return checkCall(llvm::cast<CallExpr>(e));
  case Expr::Kind::Binary:
    return checkBinary(llvm::cast<BinaryExpr>(e));
  case Expr::Kind::Unary:
    return checkUnary(llvm::cast<UnaryExpr>(e));
  case Expr::Kind::Transpose:
    return checkTranspose(llvm::cast<TransposeExpr>(e));
  case Expr::Kind::Conditional:
    return checkConditional(llvm::cast<ConditionalExpr>(e));
  case Expr::Kind::Repeat:
    return checkRepeat(llvm::cast<RepeatExpr>(e));
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

static bool isBefore(SMLoc a, SMLoc b) {
  return a.getPointer() < b.getPointer();
}

void Sema::reportUnknownName(llvm::StringRef name, SMLoc loc,
                             const Twine &message,
                             llvm::ArrayRef<llvm::StringRef> extraCandidates,
                             bool blocksOnly) {
  auto wanted = [&](const Decl *d) {
    return d && (!blocksOnly || llvm::isa<BlockDecl>(d));
  };
  // A name declared further down in the same scope (not the declaration
  // being checked, as in `let a = a`) is a use before its declaration.
  const Decl *later = scope->all.lookup(name);
  if (wanted(later) && isBefore(loc, later->nameLoc)) {
    error(loc, message);
    diag.note(later->nameLoc, "'" + name + "' is declared here, after its use");
    return;
  }
  if (const BlockDecl *block = scope->block) {
    const Decl *outer = modelScope.all.lookup(name);
    if (!blocksOnly && llvm::isa_and_present<InputDecl, LetDecl, OutputDecl>(outer)) {
      error(loc, message + "; a block sees the model's constants, dims, "
                           "parameters and blocks, not its inputs, lets or "
                           "outputs: pass '" +
                     name + "' to block '" + block->name +
                     "' as an argument");
      diag.note(outer->nameLoc, "'" + name + "' is declared here");
      return;
    }
    if (wanted(outer) && isBefore(block->loc, outer->nameLoc)) {
      error(loc, message);
      diag.note(outer->nameLoc, "'" + name +
                                    "' is declared here, after block '" +
                                    block->name + "'");
      return;
    }
  }
  llvm::SmallVector<llvm::StringRef> candidates(extraCandidates);
  for (const Scope *s = scope; s; s = s->parent)
    for (llvm::StringRef candidate : s->order)
      if (wanted(s->names.lookup(candidate)))
        candidates.push_back(candidate);
  error(loc, message + didYouMean(name, candidates));
}

bool Sema::checkIdent(IdentExpr &e) {
  const Decl *decl = scope->lookup(e.name);
  if (!decl) {
    reportUnknownName(e.name, e.getLoc(),
                      "use of undeclared name '" + e.name + "'", {},
                      /*blocksOnly=*/false);
    return false;
  }
  e.decl = decl;
  if (poisoned.count(decl))
    return false;
  switch (decl->getKind()) {
  case Decl::Kind::Const:
    e.scalar = llvm::cast<ConstDecl>(decl)->resolved;
    return true;
  case Decl::Kind::Dim:
    return error(e.getLoc(), "dimension '" + e.name +
                                 "' can only be used as a whole dimension "
                                 "of a type, not as a value");
  case Decl::Kind::Input:
    e.tensorType = llvm::cast<InputDecl>(decl)->type.resolved;
    return true;
  case Decl::Kind::Param:
    e.tensorType = llvm::cast<ParamDecl>(decl)->type.resolved;
    return true;
  case Decl::Kind::BlockArg:
    e.tensorType = llvm::cast<BlockArgDecl>(decl)->type;
    return e.tensorType.has_value();
  case Decl::Kind::Let:
  case Decl::Kind::Output: {
    const Expr &value = llvm::isa<LetDecl>(decl)
                            ? *llvm::cast<LetDecl>(decl)->value
                            : *llvm::cast<OutputDecl>(decl)->value;
    e.scalar = value.scalar;
    e.tensorType = value.tensorType;
    return true;
  }
  case Decl::Kind::Block:
    return error(e.getLoc(), "'" + e.name + "' is a block, not a value; call "
                                            "it: " +
                                 e.name + "(...)");
  case Decl::Kind::Require:
    break;
  }
  llvm_unreachable("requirements declare no name");
}

bool Sema::checkCall(CallExpr &e) {
  // Check every argument, so that independent mistakes are all reported.
  const Decl *decl = scope->lookup(e.callee);
  bool argsOk = true;
  for (size_t i = 0; i < e.args.size(); ++i) {
    // A dim name given as a size stands for a whole dimension, as in a type.
    auto *ident = llvm::dyn_cast<IdentExpr>(e.args[i].get());
    if (ident && !decl && takesSize(e.callee, i))
      if (const Decl *d = scope->lookup(ident->name))
        if (llvm::isa<DimDecl>(d)) {
          ident->decl = d;
          continue;
        }
    argsOk = check(*e.args[i]) && argsOk;
  }
  for (KeywordArg &kw : e.kwargs)
    argsOk = check(*kw.value) && argsOk;

  if (const auto *block = llvm::dyn_cast_or_null<BlockDecl>(decl))
    return checkBlockCall(e, infoOf(*block), argsOk);
  if (isBuiltin(e.callee))
    return checkBuiltinCall(e, argsOk, diag);
  if (decl) {
    error(e.getLoc(), "'" + e.callee + "' is not a function or a block");
    diag.note(decl->nameLoc, "'" + e.callee + "' is declared here");
    return false;
  }
  reportUnknownName(e.callee, e.getLoc(), "unknown function '" + e.callee + "'",
                    builtinNames(), /*blocksOnly=*/true);
  return false;
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

bool Sema::checkBinary(BinaryExpr &e) {
  bool lhsOk = check(*e.lhs);
  bool rhsOk = check(*e.rhs);
  if (!lhsOk || !rhsOk)
    return false;
  if (e.lhs->scalar && e.rhs->scalar) {
    if (e.op == BinaryExpr::Op::MatMul)
      return error(e.getLoc(), "'@' needs two tensors, got " +
                                   describeValue(*e.lhs) + " and " +
                                   describeValue(*e.rhs));
    return foldBinary(e, *e.lhs->scalar, *e.rhs->scalar, diag);
  }
  if (e.lhs->tensorType && e.rhs->tensorType) {
    switch (e.op) {
    case BinaryExpr::Op::MatMul:
      return checkMatMul(e, diag);
    case BinaryExpr::Op::Add:
    case BinaryExpr::Op::Sub:
    case BinaryExpr::Op::Mul:
    case BinaryExpr::Op::Div:
      return checkElementwise(e, diag);
    default:
      return error(e.getLoc(), "'" + BinaryExpr::spelling(e.op) +
                                   "' is not defined on tensors");
    }
  }
  return checkMixed(e);
}

/// One tensor and one scalar operand: only scaling is defined.
bool Sema::checkMixed(BinaryExpr &e) {
  bool tensorOnLeft = e.lhs->tensorType.has_value();
  Expr &tensor = tensorOnLeft ? *e.lhs : *e.rhs;
  Expr &scalar = tensorOnLeft ? *e.rhs : *e.lhs;
  switch (e.op) {
  case BinaryExpr::Op::Mul:
    break;
  case BinaryExpr::Op::Div:
    if (!tensorOnLeft)
      return error(e.getLoc(), "cannot divide a scalar by a tensor");
    if (scalar.scalar->value == 0)
      return error(e.getLoc(), "division by zero");
    break;
  case BinaryExpr::Op::Add:
    return error(e.getLoc(), "cannot add a scalar to a tensor");
  case BinaryExpr::Op::Sub:
    return error(e.getLoc(), tensorOnLeft
                                 ? "cannot subtract a scalar from a tensor"
                                 : "cannot subtract a tensor from a scalar");
  case BinaryExpr::Op::MatMul:
    return error(e.getLoc(),
                 "'@' needs two tensors, got " + describeValue(scalar));
  default:
    return error(e.getLoc(), "'" + BinaryExpr::spelling(e.op) +
                                 "' is not defined on tensors");
  }
  if (!requireF32(tensor, diag))
    return false;
  // MLIRGen scales by an f32 constant (1 / s for a division).
  bool isDiv = e.op == BinaryExpr::Op::Div;
  double factor = isDiv ? 1.0 / scalar.scalar->value : scalar.scalar->value;
  if (!fitsF32(factor))
    return error(e.getLoc(),
                 "scale factor " + formatScalar(Scalar{factor, false}) +
                     (isDiv ? " (1 / " + formatScalar(*scalar.scalar) + ")"
                            : std::string()) +
                     " does not fit in f32");
  e.tensorType = tensor.tensorType;
  return true;
}

bool Sema::checkUnary(UnaryExpr &e) {
  if (!check(*e.operand))
    return false;
  if (e.operand->scalar)
    return foldNegate(e, *e.operand->scalar, diag);
  if (!requireF32(*e.operand, diag))
    return false;
  e.tensorType = e.operand->tensorType;
  return true;
}

bool Sema::checkTranspose(TransposeExpr &e) {
  if (!check(*e.operand))
    return false;
  if (!e.operand->tensorType)
    return error(e.getLoc(),
                 "'^T' needs a tensor, got " + describeValue(*e.operand));
  return sema::checkTranspose(e, *e.operand, diag);
}

bool Sema::checkConditional(ConditionalExpr &e) {
  if (!check(*e.cond))
    return false;
  if (!e.cond->scalar)
    return error(e.cond->getLoc(),
                 "the condition of '?:' must be a scalar, got " +
                     describeValue(*e.cond));
  // Like `if constexpr`: the branch not taken is not checked at all.
  e.chosen = e.cond->scalar->value != 0 ? e.thenExpr.get() : e.elseExpr.get();
  if (!check(*e.chosen))
    return false;
  e.scalar = e.chosen->scalar;
  e.tensorType = e.chosen->tensorType;
  return true;
}
