//===- Sema.cpp - Name resolution and shape checking ----------------------===//
//
// One pass over the declarations in order. Each expression is checked once,
// bottom-up; a failed subexpression makes its parents fail silently, so one
// mistake gives one error. Scalars are folded as they are checked (the
// language has no run-time scalars); tensor types come from the operator and
// builtin rules in Builtins.cpp. A block's body is checked at its first use,
// when the types of its arguments are known (SemaBlocks.cpp).
//
// This file: the pass over the declarations, overrides, requirements.
//
//===----------------------------------------------------------------------===//

#include "SemaImpl.h"

#include "Builtins.h"

#include "llvm/ADT/APInt.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Casting.h"

#include <cmath>
#include <cstdint>
#include <functional>

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::sema;
using llvm::SMLoc;
using llvm::Twine;

bool Sema::run() {
  unsigned errorsAtStart = diag.errorCount();
  for (const DeclPtr &decl : model.decls)
    if (!llvm::isa<RequireDecl>(decl.get()))
      modelScope.all.try_emplace(decl->name, decl.get());
  collectOverrides();

  unsigned inputs = 0, outputs = 0;
  for (const DeclPtr &decl : model.decls) {
    // A failed requirement explains what goes wrong after it (a division
    // that is not exact, a shape that does not fit); only the constants and
    // the other requirements are checked further.
    if (requirementFailed && !llvm::isa<ConstDecl, RequireDecl>(decl.get()))
      continue;
    if (auto *block = llvm::dyn_cast<BlockDecl>(decl.get())) {
      declareBlock(*block);
      continue;
    }
    inputs += llvm::isa<InputDecl>(decl.get());
    outputs += llvm::isa<OutputDecl>(decl.get());
    checkDecl(*decl);
  }
  if (requirementFailed)
    return false;
  finishBlocks();
  if (inlinedSize >= kMaxInlinedSize)
    error(model.nameLoc, "model '" + model.name +
                             "' is too large once its blocks are inlined "
                             "(more than " +
                             Twine(kMaxInlinedSize) +
                             " operations); use 'repeat' for layers");
  if (inputs == 0)
    error(model.nameLoc, "model '" + model.name + "' has no inputs");
  if (outputs == 0)
    error(model.nameLoc, "model '" + model.name + "' has no outputs");
  return diag.errorCount() == errorsAtStart;
}

void Sema::checkDecl(Decl &decl) {
  switch (decl.getKind()) {
  case Decl::Kind::Const:
    return checkConst(llvm::cast<ConstDecl>(decl));
  case Decl::Kind::Dim:
    return declare(decl);
  case Decl::Kind::Input:
    return checkInput(llvm::cast<InputDecl>(decl));
  case Decl::Kind::Param:
    return checkParam(llvm::cast<ParamDecl>(decl));
  case Decl::Kind::Let:
    return checkValueDecl(decl, *llvm::cast<LetDecl>(decl).value);
  case Decl::Kind::Output:
    return checkValueDecl(decl, *llvm::cast<OutputDecl>(decl).value);
  case Decl::Kind::Require:
    return checkRequire(llvm::cast<RequireDecl>(decl));
  case Decl::Kind::Block:
  case Decl::Kind::BlockArg:
    break;
  }
  llvm_unreachable("blocks are declared by run(), their arguments with them");
}

void Sema::declare(const Decl &decl) {
  auto [it, inserted] = scope->names.try_emplace(decl.name, &decl);
  if (inserted) {
    scope->order.push_back(it->getKey());
    return;
  }
  error(decl.nameLoc, "redefinition of '" + decl.name + "'");
  diag.note(it->second->nameLoc,
            "'" + decl.name + "' previously declared here");
}

//===----------------------------------------------------------------------===//
// Constants and overrides
//===----------------------------------------------------------------------===//

std::string Sema::describeOverride(const ConstOverride &o) const {
  if (o.origin.empty())
    return "-D " + o.name + "=" + o.value;
  return o.origin + ": '" + o.name + "' = " + o.value;
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
    std::string source =
        o.origin.empty() ? "-D " + o.name : o.origin + ": '" + o.name + "'";
    if (!consts.count(o.name)) {
      error(SMLoc(), source + ": no constant named '" + o.name +
                         "' in model '" + model.name + "'" +
                         didYouMean(o.name, constNames));
      continue;
    }
    std::optional<Scalar> value = parseNumber(o.value);
    if (!value) {
      llvm::StringRef digits = llvm::StringRef(o.value).drop_front(
          llvm::StringRef(o.value).starts_with("-") ? 1 : 0);
      bool integer = !digits.empty() && llvm::all_of(digits, llvm::isDigit);
      error(SMLoc(), describeOverride(o) +
                         (integer ? ": integer out of the 64-bit range"
                                  : ": expected a number"));
      continue;
    }
    // A later override of the same name wins, as with a C compiler's -D.
    overrideValues[o.name] = {&o, *value};
  }
}

void Sema::checkConst(ConstDecl &c) {
  // Only the model's constants can be overridden, and only the first of a
  // name (a second one is a redefinition anyway).
  auto it = overrideValues.find(c.name);
  if (scope == &modelScope && it != overrideValues.end() &&
      !scope->names.count(c.name)) {
    auto [source, value] = it->second;
    // The expression is replaced, not evaluated; only its kind matters: an
    // integer constant takes only integers, a float constant turns an
    // integer value into a float.
    std::optional<bool> isInteger = staticIsInteger(*c.value);
    if (isInteger == true && !value.isInteger) {
      bool tooLarge = std::trunc(value.value) == value.value &&
                      std::fabs(value.value) >= 0x1p63;
      error(SMLoc(), describeOverride(*source) + ": constant '" + c.name +
                         "' is an integer" +
                         (tooLarge ? ", and " + formatScalar(value) +
                                         " is outside the 64-bit range"
                                   : ""));
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
                                 describeValue(*c.value));
    poisoned.insert(&c);
  } else {
    c.resolved = c.value->scalar;
  }
  declare(c);
}

/// Whether a constant expression yields an integer, judged from its form
/// alone (without evaluating or annotating it): used to check that an
/// override replacing it has the same kind. Unknown when that needs
/// evaluation.
std::optional<bool> Sema::staticIsInteger(const Expr &e) const {
  switch (e.getKind()) {
  case Expr::Kind::Number:
    return llvm::cast<NumberExpr>(e).isInteger;
  case Expr::Kind::Ident: {
    const Decl *decl = scope->lookup(llvm::cast<IdentExpr>(e).name);
    if (const auto *c = llvm::dyn_cast_or_null<ConstDecl>(decl))
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
  case Expr::Kind::Repeat:
    return std::nullopt;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Requirements
//===----------------------------------------------------------------------===//

/// The constants a checked expression reads, each once, in order.
static llvm::SmallVector<const ConstDecl *> constantsIn(const Expr &e) {
  llvm::SmallVector<const ConstDecl *> found;
  std::function<void(const Expr &)> walk = [&](const Expr &e) {
    if (auto *ident = llvm::dyn_cast<IdentExpr>(&e)) {
      if (auto *c = llvm::dyn_cast_or_null<ConstDecl>(ident->decl))
        if (!llvm::is_contained(found, c))
          found.push_back(c);
    } else if (auto *call = llvm::dyn_cast<CallExpr>(&e)) {
      for (const ExprPtr &arg : call->args)
        walk(*arg);
    } else if (auto *bin = llvm::dyn_cast<BinaryExpr>(&e)) {
      walk(*bin->lhs);
      walk(*bin->rhs);
    } else if (auto *un = llvm::dyn_cast<UnaryExpr>(&e)) {
      walk(*un->operand);
    } else if (auto *cond = llvm::dyn_cast<ConditionalExpr>(&e)) {
      walk(*cond->cond);
      if (cond->chosen)
        walk(*cond->chosen);
    }
  };
  walk(e);
  return found;
}

void Sema::checkRequire(RequireDecl &r) {
  if (!check(*r.cond))
    return;
  if (!r.cond->scalar) {
    error(startOf(*r.cond),
          "the condition of 'require' must be a scalar, got " +
              describeValue(*r.cond));
    return;
  }
  if (r.cond->scalar->value != 0)
    return;
  requirementFailed = true;
  error(r.loc, "requirement failed: " + r.message);
  std::string values;
  for (const ConstDecl *c : constantsIn(*r.cond)) {
    if (!values.empty())
      values += ", ";
    values += c->name + " = " + formatScalar(*c->resolved);
  }
  if (!values.empty())
    diag.note(startOf(*r.cond), values);
}

//===----------------------------------------------------------------------===//
// Inputs, parameters, lets, outputs
//===----------------------------------------------------------------------===//

void Sema::checkInput(InputDecl &input) {
  bool typeOk = resolveType(input, input.type);
  if (!typeOk)
    poisoned.insert(&input);
  if (Expr *value = input.defaultValue.get(); value && check(*value)) {
    if (!value->scalar) {
      error(startOf(*value), "the default of input '" + input.name +
                                 "' must be a scalar constant, got " +
                                 describeValue(*value));
    } else if (typeOk && input.type.resolved->elementType != ElementType::F32 &&
               !value->scalar->isInteger) {
      error(startOf(*value),
            "input '" + input.name + "' holds " +
                stringifyElementType(input.type.resolved->elementType) +
                "; its default must be an integer, got " +
                formatScalar(*value->scalar));
    } else if (typeOk &&
               input.type.resolved->elementType == ElementType::I32 &&
               (value->scalar->value < INT32_MIN ||
                value->scalar->value > INT32_MAX)) {
      error(startOf(*value), "the default of input '" + input.name + "', " +
                                 formatScalar(*value->scalar) +
                                 ", does not fit in i32");
    } else {
      input.resolvedDefault = value->scalar;
    }
  }
  declare(input);
}

void Sema::checkParam(ParamDecl &param) {
  param.block = scope->block;
  if (!resolveType(param, param.type))
    poisoned.insert(&param);
  checkTensorName(param);
  declare(param);
}

bool Sema::checkTensorName(ParamDecl &param) {
  if (!param.checkpointName)
    return true;
  TensorSource primary{*param.checkpointName, param.checkpointNameLoc};
  SMLoc primaryIndex;
  bool ok = checkTensorPattern(param, primary, primaryIndex);
  if (primaryIndex.isValid())
    layerIndexLocs.try_emplace(&param, primaryIndex);
  for (auto [n, alternative] : llvm::enumerate(param.alternatives)) {
    SMLoc index;
    if (!checkTensorPattern(param, alternative, index)) {
      ok = false;
      continue;
    }
    const TensorSource *first = &primary;
    for (size_t j = 0; j < n && first->name != alternative.name; ++j)
      first = &param.alternatives[j];
    if (first->name == alternative.name) {
      ok = error(alternative.loc, "parameter '" + param.name +
                                      "' already reads \"" +
                                      alternative.name +
                                      "\"; each alternative must differ");
      diag.note(first->loc, "first named here");
      continue;
    }
    // Stacked or not is decided by the first name; the runtime reads the
    // same shape from whichever source the checkpoint holds.
    if (index.isValid() != primaryIndex.isValid() && primaryIndex.isValid())
      ok = error(alternative.loc,
                 "alternative \"" + alternative.name + "\" of parameter '" +
                     param.name + "' has no '{i}', but \"" + primary.name +
                     "\" does: either every source is per layer or none is");
    else if (index.isValid() != primaryIndex.isValid())
      ok = error(index, "alternative \"" + alternative.name +
                            "\" of parameter '" + param.name +
                            "' has '{i}', but \"" + primary.name +
                            "\" does not: either every source is per layer "
                            "or none is");
  }
  return ok;
}

bool Sema::checkTensorPattern(const ParamDecl &param,
                              const TensorSource &source, SMLoc &layerIndex) {
  llvm::StringRef name = source.name;
  // source.loc is the opening quote.
  auto locAt = [&](size_t i) {
    return SMLoc::getFromPointer(source.loc.getPointer() + 1 + i);
  };
  bool ok = true;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '}') {
      ok = error(locAt(i), "unmatched '}' in tensor name \"" + name + "\"");
      continue;
    }
    if (name[i] != '{')
      continue;
    size_t close = name.find_first_of("{}", i + 1);
    if (close == llvm::StringRef::npos || name[close] != '}') {
      ok = error(locAt(i), "unmatched '{' in tensor name \"" + name + "\"");
      continue;
    }
    llvm::StringRef placeholder = name.slice(i, close + 1);
    if (placeholder != "{i}") {
      ok = error(locAt(i), "unknown placeholder '" + placeholder +
                               "' in tensor name; the only one is '{i}', "
                               "the layer index in a repeated block");
    } else if (!scope->block) {
      ok = error(locAt(i),
                 "'{i}' (the layer index) is only allowed in the parameters "
                 "of a block used by 'repeat'; '" +
                     param.name + "' is a parameter of the model");
    } else if (!layerIndex.isValid()) {
      layerIndex = locAt(i);
    }
    i = close;
  }
  return ok;
}

bool Sema::resolveType(Decl &owner, TypeSpec &type) {
  bool ok = true;
  TensorType resolved;
  auto *param = llvm::dyn_cast<ParamDecl>(&owner);
  bool narrow = type.elementType == "bf16" || type.elementType == "f16";
  if (type.elementType == "f32" || (narrow && param))
    resolved.elementType = ElementType::F32;
  else if (type.elementType == "i32")
    resolved.elementType = ElementType::I32;
  else if (type.elementType == "i64")
    resolved.elementType = ElementType::I64;
  else if (narrow)
    ok = error(type.loc, "only a parameter may be stored as " +
                             type.elementType + "; '" + owner.name +
                             "' is computed in f32");
  else
    ok = error(type.loc, "unknown element type '" + type.elementType +
                             "'; expected f32, i32 or i64 (or, for a "
                             "parameter, bf16 or f16)");
  if (param && narrow) {
    param->storage = type.elementType == "bf16" ? StorageType::BF16
                                                : StorageType::F16;
    resolved.storage = param->storage;
    resolved.storedParam = param;
  }
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
  if (!checkTensorSize(type.loc, resolved))
    return false;
  type.resolved = std::move(resolved);
  return true;
}

bool Sema::checkTensorSize(SMLoc loc, const TensorType &type) {
  llvm::APInt count(64 * (type.rank() + 1), 1);
  for (const Dim &dim : type.shape)
    if (dim.isStatic())
      count *= llvm::APInt(count.getBitWidth(), dim.size);
  if (count.ule(uint64_t(1) << 60))
    return true;
  return error(loc, type.str() + " is too large: its static dimensions hold " +
                        llvm::toString(count, 10, /*Signed=*/false) +
                        " elements, more than 2^60");
}

std::optional<Dim> Sema::resolveDim(Expr &dim) {
  // A dim name stands for a whole dynamic dimension; anything else must fold
  // to a positive integer.
  if (auto *ident = llvm::dyn_cast<IdentExpr>(&dim)) {
    const Decl *decl = scope->lookup(ident->name);
    if (decl && llvm::isa<DimDecl>(decl)) {
      ident->decl = decl;
      return Dim::dynamic(ident->name);
    }
  }
  if (!check(dim))
    return std::nullopt;
  if (dim.scalar && dim.scalar->isInteger && dim.scalar->asInt() >= 1)
    return Dim::fixed(dim.scalar->asInt());
  error(dim.getLoc(), "dimension must be a positive integer, got " +
                          (dim.scalar ? formatScalar(*dim.scalar)
                                      : describeValue(dim)));
  return std::nullopt;
}

void Sema::checkValueDecl(Decl &decl, Expr &value) {
  if (!check(value)) {
    poisoned.insert(&decl);
  } else if (llvm::isa<OutputDecl>(decl) && !value.tensorType) {
    error(decl.nameLoc,
          "output '" + decl.name + "' must be a tensor, got a scalar");
    poisoned.insert(&decl);
  } else if (llvm::isa<OutputDecl>(decl) &&
             !sema::requireComputable(value, diag)) {
    poisoned.insert(&decl);
  }
  declare(decl);
}

bool attnc::checkModel(Model &model, llvm::ArrayRef<ConstOverride> overrides,
                       DiagnosticReporter &diag) {
  return Sema(model, overrides, diag).run();
}
