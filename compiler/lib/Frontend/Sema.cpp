//===- Sema.cpp - Name resolution and shape checking ----------------------===//
//
// One pass over the declarations in order. Each expression is checked once,
// bottom-up; a failed subexpression makes its parents fail silently, so one
// mistake gives one error. Scalars are folded as they are checked (the
// language has no run-time scalars); tensor types come from the operator and
// builtin rules in Builtins.cpp.
//
//===----------------------------------------------------------------------===//

#include "attnc/Frontend/Sema.h"

#include "Builtins.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Casting.h"

using namespace attnc;
using namespace attnc::ast;
using llvm::SMLoc;
using llvm::Twine;

namespace {

class Sema {
public:
  Sema(Model &model, llvm::ArrayRef<ConstOverride> overrides,
       DiagnosticReporter &diag)
      : model(model), overrides(overrides), diag(diag) {}

  bool run();

private:
  Model &model;
  llvm::ArrayRef<ConstOverride> overrides;
  DiagnosticReporter &diag;
  unsigned errorsAtStart = 0;

  /// Names declared so far, and the same names in declaration order (for
  /// deterministic suggestions).
  llvm::StringMap<const Decl *> scope;
  llvm::SmallVector<llvm::StringRef> scopeOrder;
  /// The first declaration of every name in the model, to tell a use before
  /// the declaration from a name that does not exist.
  llvm::StringMap<const Decl *> allDecls;
  /// Declarations whose value or type failed to check; uses fail silently.
  llvm::DenseSet<const Decl *> poisoned;
  /// Valid overrides, by constant name.
  llvm::StringMap<std::pair<const ConstOverride *, Scalar>> overrideValues;

  bool error(SMLoc loc, const Twine &message) {
    diag.error(loc, message);
    return false;
  }

  void collectOverrides();
  void declare(const Decl &decl);

  void checkConst(ConstDecl &c);
  void checkTypedDecl(Decl &decl, TypeSpec &type);
  bool resolveType(Decl &owner, TypeSpec &type);
  std::optional<Dim> resolveDim(Expr &dim);
  void checkValueDecl(Decl &decl, Expr &value);

  bool check(Expr &e);
  bool checkIdent(IdentExpr &e);
  bool checkCall(CallExpr &e);
  bool checkBinary(BinaryExpr &e);
  bool checkUnary(UnaryExpr &e);
  bool checkTranspose(TransposeExpr &e);
  bool checkConditional(ConditionalExpr &e);

  bool checkMixed(BinaryExpr &e);
  std::optional<bool> staticIsInteger(const Expr &e) const;
};

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

bool Sema::run() {
  errorsAtStart = diag.errorCount();
  for (const DeclPtr &decl : model.decls)
    allDecls.try_emplace(decl->name, decl.get());
  collectOverrides();

  unsigned inputs = 0, outputs = 0;
  for (const DeclPtr &decl : model.decls) {
    switch (decl->getKind()) {
    case Decl::Kind::Const:
      checkConst(llvm::cast<ConstDecl>(*decl));
      break;
    case Decl::Kind::Dim:
      declare(*decl);
      break;
    case Decl::Kind::Input:
      ++inputs;
      checkTypedDecl(*decl, llvm::cast<InputDecl>(*decl).type);
      break;
    case Decl::Kind::Param:
      checkTypedDecl(*decl, llvm::cast<ParamDecl>(*decl).type);
      break;
    case Decl::Kind::Let:
      checkValueDecl(*decl, *llvm::cast<LetDecl>(*decl).value);
      break;
    case Decl::Kind::Output:
      ++outputs;
      checkValueDecl(*decl, *llvm::cast<OutputDecl>(*decl).value);
      break;
    }
  }
  if (inputs == 0)
    error(model.nameLoc, "model '" + model.name + "' has no inputs");
  if (outputs == 0)
    error(model.nameLoc, "model '" + model.name + "' has no outputs");
  return diag.errorCount() == errorsAtStart;
}

void Sema::collectOverrides() {
  llvm::SmallVector<llvm::StringRef> constNames;
  llvm::StringMap<const ConstDecl *> consts;
  for (const DeclPtr &decl : model.decls) {
    if (const auto *c = llvm::dyn_cast<ConstDecl>(decl.get())) {
      constNames.push_back(c->name);
      consts.try_emplace(c->name, c);
    }
  }
  for (const ConstOverride &o : overrides) {
    std::string flag = "-D " + o.name;
    if (!consts.count(o.name)) {
      error(SMLoc(), flag + ": no constant named '" + o.name + "' in model '" +
                         model.name + "'" +
                         sema::didYouMean(o.name, constNames));
      continue;
    }
    std::optional<Scalar> value = sema::parseNumber(o.value);
    if (!value) {
      error(SMLoc(), flag + "=" + o.value + ": expected a number");
      continue;
    }
    // A later -D of the same name wins, as with a C compiler.
    overrideValues[o.name] = {&o, *value};
  }
}

void Sema::declare(const Decl &decl) {
  auto [it, inserted] = scope.try_emplace(decl.name, &decl);
  if (inserted) {
    scopeOrder.push_back(it->getKey());
    return;
  }
  error(decl.nameLoc, "redefinition of '" + decl.name + "'");
  diag.note(it->second->nameLoc,
            "'" + decl.name + "' previously declared here");
}

void Sema::checkConst(ConstDecl &c) {
  auto it = overrideValues.find(c.name);
  // Only the first constant of a name is overridden; a second one is a
  // redefinition anyway.
  if (it != overrideValues.end() && !scope.count(c.name)) {
    auto [flag, value] = it->second;
    // The expression is replaced, not evaluated; only its kind matters: an
    // integer constant takes only integers, a float constant turns an
    // integer value into a float.
    std::optional<bool> isInteger = staticIsInteger(*c.value);
    if (isInteger == true && !value.isInteger) {
      error(SMLoc(), "-D " + flag->name + "=" + flag->value + ": constant '" +
                         c.name + "' is an integer");
      poisoned.insert(&c);
    } else {
      if (isInteger == false)
        value.isInteger = false;
      c.resolved = value;
      c.overridden = true;
    }
    declare(c);
    return;
  }
  if (!check(*c.value)) {
    poisoned.insert(&c);
  } else if (!c.value->scalar) {
    error(c.value->getLoc(), "constant '" + c.name +
                                 "' must be a scalar, got " +
                                 sema::describeValue(*c.value));
    poisoned.insert(&c);
  } else {
    c.resolved = c.value->scalar;
  }
  declare(c);
}

void Sema::checkTypedDecl(Decl &decl, TypeSpec &type) {
  if (!resolveType(decl, type))
    poisoned.insert(&decl);
  declare(decl);
}

bool Sema::resolveType(Decl &owner, TypeSpec &type) {
  bool ok = true;
  TensorType resolved;
  if (type.elementType == "f32")
    resolved.elementType = ElementType::F32;
  else if (type.elementType == "i32")
    resolved.elementType = ElementType::I32;
  else if (type.elementType == "i64")
    resolved.elementType = ElementType::I64;
  else
    ok = error(type.loc, "unknown element type '" + type.elementType +
                             "'; expected f32, i32 or i64");
  for (ExprPtr &dimExpr : type.dims) {
    std::optional<Dim> dim = resolveDim(*dimExpr);
    if (!dim) {
      ok = false;
      continue;
    }
    resolved.shape.push_back(*dim);
  }
  if (!ok)
    return false;

  auto *param = llvm::dyn_cast<ParamDecl>(&owner);
  if (param) {
    for (size_t i = 0; i < resolved.rank(); ++i)
      if (!resolved.shape[i].isStatic())
        return error(type.dims[i]->getLoc(),
                     "parameter '" + param->name +
                         "' must have a static shape; '" +
                         resolved.shape[i].symbol + "' is dynamic");
    if (param->layout && resolved.rank() != 2)
      return error(param->layoutLoc,
                   "a layout is only allowed on a 2-D parameter; '" +
                       param->name + "' is " + resolved.str());
  }
  type.resolved = std::move(resolved);
  return true;
}

std::optional<Dim> Sema::resolveDim(Expr &dim) {
  // A dim name stands for a whole dynamic dimension; anything else must fold
  // to a positive integer.
  if (auto *ident = llvm::dyn_cast<IdentExpr>(&dim)) {
    auto it = scope.find(ident->name);
    if (it != scope.end() && llvm::isa<DimDecl>(it->second)) {
      ident->decl = it->second;
      return Dim::dynamic(ident->name);
    }
  }
  if (!check(dim))
    return std::nullopt;
  if (dim.scalar && dim.scalar->isInteger && dim.scalar->asInt() >= 1)
    return Dim::fixed(dim.scalar->asInt());
  error(dim.getLoc(), "dimension must be a positive integer, got " +
                          (dim.scalar ? formatScalar(*dim.scalar)
                                      : sema::describeValue(dim)));
  return std::nullopt;
}

void Sema::checkValueDecl(Decl &decl, Expr &value) {
  if (!check(value)) {
    poisoned.insert(&decl);
  } else if (llvm::isa<OutputDecl>(decl) && !value.tensorType) {
    error(decl.nameLoc,
          "output '" + decl.name + "' must be a tensor, got a scalar");
    poisoned.insert(&decl);
  }
  declare(decl);
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

bool Sema::check(Expr &e) {
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
  }
  return false;
}

bool Sema::checkIdent(IdentExpr &e) {
  auto it = scope.find(e.name);
  if (it == scope.end()) {
    auto later = allDecls.find(e.name);
    if (later == allDecls.end()) {
      return error(e.getLoc(), "use of undeclared name '" + e.name + "'" +
                                   sema::didYouMean(e.name, scopeOrder));
    }
    error(e.getLoc(), "use of undeclared name '" + e.name + "'");
    diag.note(later->second->nameLoc,
              "'" + e.name + "' is declared here, after its use");
    return false;
  }
  const Decl *decl = it->second;
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
  case Decl::Kind::Let:
  case Decl::Kind::Output: {
    const Expr &value = llvm::isa<LetDecl>(decl)
                            ? *llvm::cast<LetDecl>(decl)->value
                            : *llvm::cast<OutputDecl>(decl)->value;
    e.scalar = value.scalar;
    e.tensorType = value.tensorType;
    return true;
  }
  }
  return false;
}

bool Sema::checkCall(CallExpr &e) {
  // Check every argument, so that independent mistakes are all reported.
  bool argsOk = true;
  for (ExprPtr &arg : e.args)
    argsOk = check(*arg) && argsOk;
  for (KeywordArg &kw : e.kwargs)
    argsOk = check(*kw.value) && argsOk;
  return sema::checkBuiltinCall(e, argsOk, diag);
}

bool Sema::checkBinary(BinaryExpr &e) {
  bool lhsOk = check(*e.lhs);
  bool rhsOk = check(*e.rhs);
  if (!lhsOk || !rhsOk)
    return false;
  if (e.lhs->scalar && e.rhs->scalar) {
    if (e.op == BinaryExpr::Op::MatMul)
      return error(e.getLoc(), "'@' needs two tensors, got " +
                                   sema::describeValue(*e.lhs) + " and " +
                                   sema::describeValue(*e.rhs));
    return sema::foldBinary(e, *e.lhs->scalar, *e.rhs->scalar, diag);
  }
  if (e.lhs->tensorType && e.rhs->tensorType) {
    switch (e.op) {
    case BinaryExpr::Op::MatMul:
      return sema::checkMatMul(e, diag);
    case BinaryExpr::Op::Add:
    case BinaryExpr::Op::Sub:
    case BinaryExpr::Op::Mul:
    case BinaryExpr::Op::Div:
      return sema::checkElementwise(e, diag);
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
                 "'@' needs two tensors, got " + sema::describeValue(scalar));
  default:
    return error(e.getLoc(), "'" + BinaryExpr::spelling(e.op) +
                                 "' is not defined on tensors");
  }
  if (!sema::requireF32(tensor, diag))
    return false;
  // MLIRGen scales by an f32 constant (1 / s for a division).
  bool isDiv = e.op == BinaryExpr::Op::Div;
  double factor = isDiv ? 1.0 / scalar.scalar->value : scalar.scalar->value;
  if (!sema::fitsF32(factor))
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
    return sema::foldNegate(e, *e.operand->scalar, diag);
  if (!sema::requireF32(*e.operand, diag))
    return false;
  e.tensorType = e.operand->tensorType;
  return true;
}

bool Sema::checkTranspose(TransposeExpr &e) {
  if (!check(*e.operand))
    return false;
  if (!e.operand->tensorType)
    return error(e.getLoc(),
                 "'^T' needs a tensor, got " + sema::describeValue(*e.operand));
  return sema::checkTranspose(e, *e.operand, diag);
}

bool Sema::checkConditional(ConditionalExpr &e) {
  if (!check(*e.cond))
    return false;
  if (!e.cond->scalar)
    return error(e.cond->getLoc(),
                 "the condition of '?:' must be a scalar, got " +
                     sema::describeValue(*e.cond));
  // Like `if constexpr`: the branch not taken is not checked at all.
  e.chosen = e.cond->scalar->value != 0 ? e.thenExpr.get() : e.elseExpr.get();
  if (!check(*e.chosen))
    return false;
  e.scalar = e.chosen->scalar;
  e.tensorType = e.chosen->tensorType;
  return true;
}

/// Whether a constant expression yields an integer, judged from its form
/// alone (without evaluating or annotating it): used to check that a -D
/// value replacing it has the same kind. Unknown when that needs evaluation.
std::optional<bool> Sema::staticIsInteger(const Expr &e) const {
  switch (e.getKind()) {
  case Expr::Kind::Number:
    return llvm::cast<NumberExpr>(e).isInteger;
  case Expr::Kind::Ident: {
    auto it = scope.find(llvm::cast<IdentExpr>(e).name);
    if (it == scope.end())
      return std::nullopt;
    if (const auto *c = llvm::dyn_cast<ConstDecl>(it->second))
      if (c->resolved)
        return c->resolved->isInteger;
    return std::nullopt;
  }
  case Expr::Kind::Unary:
    return staticIsInteger(*llvm::cast<UnaryExpr>(e).operand);
  case Expr::Kind::Binary: {
    const auto &b = llvm::cast<BinaryExpr>(e);
    switch (b.op) {
    case BinaryExpr::Op::Eq:
    case BinaryExpr::Op::Ne:
    case BinaryExpr::Op::Lt:
    case BinaryExpr::Op::Le:
    case BinaryExpr::Op::Gt:
    case BinaryExpr::Op::Ge:
      return true;
    default:
      break;
    }
    std::optional<bool> l = staticIsInteger(*b.lhs);
    std::optional<bool> r = staticIsInteger(*b.rhs);
    if (l == false || r == false)
      return false;
    if (l && r)
      return true;
    return std::nullopt;
  }
  case Expr::Kind::Call:
    if (llvm::cast<CallExpr>(e).callee == "sqrt")
      return false;
    return std::nullopt;
  case Expr::Kind::Conditional: {
    const auto &c = llvm::cast<ConditionalExpr>(e);
    std::optional<bool> t = staticIsInteger(*c.thenExpr);
    if (t && t == staticIsInteger(*c.elseExpr))
      return t;
    return std::nullopt;
  }
  case Expr::Kind::Transpose:
    return std::nullopt;
  }
  return std::nullopt;
}

} // namespace

bool attnc::checkModel(Model &model, llvm::ArrayRef<ConstOverride> overrides,
                       DiagnosticReporter &diag) {
  return Sema(model, overrides, diag).run();
}
