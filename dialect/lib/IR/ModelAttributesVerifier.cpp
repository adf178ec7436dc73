//===- ModelAttributesVerifier.cpp - The dialect checks the contract ------===//
//
// The checks of ModelAttributes.h's attributes, run by the attn dialect's
// attribute verification hooks after every pass.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace attnc;

namespace {

/// One argument or result of a function, and the attributes it carries.
struct Slot {
  mutable FunctionOpInterface fn; // its accessors are not const
  bool isResult;
  unsigned index;

  Type type() const {
    return isResult ? fn.getResultTypes()[index] : fn.getArgumentTypes()[index];
  }
  DictionaryAttr attrs() const {
    return isResult ? fn.getResultAttrDict(index) : fn.getArgAttrDict(index);
  }
  InFlightDiagnostic error(NamedAttribute attr) const {
    return fn.emitError() << (isResult ? "result " : "argument ") << index
                          << ": '" << attr.getName().getValue() << "' ";
  }
};

LogicalResult require(bool ok, const Slot &slot, NamedAttribute attr,
                      StringRef what) {
  if (ok)
    return success();
  return slot.error(attr) << what;
}

constexpr StringLiteral kArgKinds[] = {kInputKind, kParamKind, kPackedKind,
                                       kKVCacheKind, kPositionKind};

bool isStringArray(Attribute attr, bool allowEmpty) {
  auto list = dyn_cast<ArrayAttr>(attr);
  return list && (allowEmpty || !list.empty()) &&
         llvm::all_of(list, llvm::IsaPred<StringAttr>);
}

bool isIntegerAtLeast(Attribute attr, int64_t least) {
  auto integer = dyn_cast<IntegerAttr>(attr);
  return integer && integer.getType().isSignlessInteger() &&
         integer.getInt() >= least;
}

/// attn.shape: one entry per dimension of the type, the type's size where it
/// is static and a name of the function's attn.dims where it is dynamic.
LogicalResult verifyShape(const Slot &slot, NamedAttribute attr) {
  auto shape = dyn_cast<ArrayAttr>(attr.getValue());
  if (!shape || !llvm::all_of(shape, [](Attribute a) {
        return isa<StringAttr>(a) || isIntegerAtLeast(a, 0);
      }))
    return slot.error(attr) << "must be an array of sizes and dim names";
  auto type = dyn_cast<ShapedType>(slot.type());
  if (!type || !type.hasRank())
    return slot.error(attr) << "needs a ranked tensor or memref, not "
                            << slot.type();
  if (static_cast<int64_t>(shape.size()) != type.getRank())
    return slot.error(attr) << "has " << shape.size() << " entries for "
                            << type << " of rank " << type.getRank();
  auto dims = slot.fn->getAttrOfType<ArrayAttr>(kDimsAttr);
  for (auto [i, entry, size] : llvm::enumerate(shape, type.getShape())) {
    auto name = dyn_cast<StringAttr>(entry);
    if (ShapedType::isDynamic(size) != static_cast<bool>(name))
      return slot.error(attr) << "entry " << i << " is " << entry << " where "
                              << type << " has "
                              << (name ? "a static size" : "a dynamic size");
    if (!name && cast<IntegerAttr>(entry).getInt() != size)
      return slot.error(attr) << "entry " << i << " is " << entry << " where "
                              << type << " has " << size;
    if (name && (!dims || !llvm::is_contained(dims.getValue(), name)))
      return slot.error(attr) << "names the dim " << name
                              << ", which the function's '" << kDimsAttr
                              << "' does not declare";
  }
  return success();
}

/// attn.pack_of: the names of parameters of the same function.
LogicalResult verifyPackOf(const Slot &slot, NamedAttribute attr) {
  if (!isStringArray(attr.getValue(), /*allowEmpty=*/false))
    return slot.error(attr) << "must be a non-empty array of strings";
  auto param = StringAttr::get(attr.getValue().getContext(), kParamKind);
  for (Attribute member : cast<ArrayAttr>(attr.getValue())) {
    bool isParam =
        llvm::any_of(llvm::seq(slot.fn.getNumArguments()), [&](unsigned i) {
          DictionaryAttr other = slot.fn.getArgAttrDict(i);
          return other && other.get(kKindAttr) == param &&
                 other.get(kNameAttr) == member;
        });
    if (!isParam)
      return slot.error(attr) << "packs " << member
                              << ", which is not a parameter of the function";
  }
  return success();
}

/// attn.pack_axis and attn.pack_out_axis: axes of the members' shape (one
/// rank below a panel-packed weight's), the output axis one of the last two.
LogicalResult verifyPackAxis(const Slot &slot, NamedAttribute attr) {
  auto type = dyn_cast<ShapedType>(slot.type());
  DictionaryAttr attrs = slot.attrs();
  bool panels = attrs.get(kPackOutAxisAttr) != nullptr;
  bool groups = attrs.get(kPackPairsAttr) || attrs.get(kPackQuadsAttr);
  int64_t memberRank =
      type && type.hasRank() ? type.getRank() - panels - groups : 0;
  int64_t least = attr.getName() == kPackOutAxisAttr ? memberRank - 2 : 0;
  if (!isIntegerAtLeast(attr.getValue(), std::max<int64_t>(least, 0)) ||
      cast<IntegerAttr>(attr.getValue()).getInt() >= memberRank)
    return slot.error(attr) << "must be an integer in [" << std::max<int64_t>(least, 0)
                            << ", " << memberRank << ") for " << slot.type();
  return success();
}

LogicalResult verifySlotAttribute(const Slot &slot, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  if (name == kNameAttr)
    return require(isa<StringAttr>(value), slot, attr, "must be a string");
  if (name == kShapeAttr)
    return verifyShape(slot, attr);
  if (name == kLastPositionAttr) {
    auto type = dyn_cast<RankedTensorType>(slot.type());
    if (!isa<UnitAttr>(value) || !slot.fn->hasAttr(kStepOfAttr) ||
        !slot.isResult || !type || type.getRank() < 2 ||
        type.getDimSize(1) != 1)
      return slot.error(attr)
             << "must be a unit attribute on a result of the step function "
                "whose axis 1 has size 1";
    return success();
  }
  if (slot.isResult)
    return slot.error(attr) << "is not an attribute of a result";
  if (name == kKindAttr) {
    auto kind = dyn_cast<StringAttr>(value);
    if (!kind || !llvm::is_contained(kArgKinds, kind.getValue())) {
      InFlightDiagnostic diag = slot.error(attr) << "must be one of";
      for (StringRef k : kArgKinds)
        diag << " \"" << k << "\"";
      return diag << ", not " << value;
    }
    if (kind.getValue() == kPackedKind &&
        (!slot.attrs().get(kPackOfAttr) || !slot.attrs().get(kPackAxisAttr)))
      return slot.error(attr) << "\"packed\" needs '" << kPackOfAttr
                              << "' and '" << kPackAxisAttr << "'";
    return success();
  }
  if (name == kTensorAttr)
    return require(isa<StringAttr>(value) ||
                       isStringArray(value, /*allowEmpty=*/false),
                   slot, attr, "must be a string or a non-empty array of strings");
  if (name == kLayersAttr)
    return require(isIntegerAtLeast(value, 1), slot, attr, "must be a positive integer");
  if (name == kIndexBoundAttr)
    return require(isIntegerAtLeast(value, 1), slot, attr, "must be a positive integer");
  if (name == kDefaultAttr)
    return require(isa<FloatAttr>(value), slot, attr, "must be a float");
  if (name == kPackOfAttr)
    return verifyPackOf(slot, attr);
  if (name == kPackAxisAttr || name == kPackOutAxisAttr)
    return verifyPackAxis(slot, attr);
  if (name == kPackBlockAttr)
    return require(isIntegerAtLeast(value, 1) &&
                       slot.attrs().get(kPackOutAxisAttr),
                   slot, attr,
                   "must be a positive integer, on panels (with '" +
                       kPackOutAxisAttr.str() + "')");
  if (name == kPackPairsAttr || name == kPackQuadsAttr) {
    // Panels with groups of inputs side by side: bf16 pairs, int8 quads.
    bool pairs = name == kPackPairsAttr;
    auto type = dyn_cast<ShapedType>(slot.type());
    return require(isa<UnitAttr>(value) && slot.attrs().get(kPackOutAxisAttr) &&
                       type && type.hasRank() && type.getRank() >= 4 &&
                       (pairs ? type.getElementType().isBF16()
                              : type.getElementType().isInteger(8)) &&
                       type.getShape().back() == (pairs ? 2 : 4),
                   slot, attr,
                   std::string("must be a unit attribute on ") +
                       (pairs ? "bf16" : "i8") + " panels (with '" +
                       kPackOutAxisAttr.str() + "') whose last size is " +
                       (pairs ? "2" : "4"));
  }
  return slot.error(attr) << "is not an attribute of an argument";
}

FailureOr<Slot> slotOf(Operation *op, NamedAttribute attr, bool isResult,
                       unsigned index) {
  auto fn = dyn_cast<FunctionOpInterface>(op);
  if (!fn)
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' must be on a function's "
                           << (isResult ? "result" : "argument");
  return Slot{fn, isResult, index};
}

} // namespace

LogicalResult attnc::verifyFunctionAttribute(Operation *op,
                                             NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  auto fail = [&](StringRef what) -> LogicalResult {
    return op->emitError() << "'" << name << "' " << what;
  };
  bool known = llvm::is_contained(
      {StringRef(kModelAttr), StringRef(kDimsAttr), StringRef(kConstantsAttr),
       StringRef(kFingerprintAttr), StringRef(kStepOfAttr)},
      name);
  if (!known)
    return fail("is not an attribute of an operation");
  auto fn = dyn_cast<FunctionOpInterface>(op);
  if (!fn)
    return fail("must be on a function");
  if (name == kDimsAttr)
    return isStringArray(value, /*allowEmpty=*/true) ? success() : fail("must be an array of dim names");
  if (name == kConstantsAttr)
    return isa<DictionaryAttr>(value) ? success() : fail("must be a dictionary");
  if (!isa<StringAttr>(value))
    return fail("must be a string");
  return success();
}

LogicalResult attnc::verifyArgumentAttribute(Operation *op, unsigned index,
                                             NamedAttribute attr) {
  FailureOr<Slot> slot = slotOf(op, attr, /*isResult=*/false, index);
  return failed(slot) ? failure() : verifySlotAttribute(*slot, attr);
}

LogicalResult attnc::verifyResultAttribute(Operation *op, unsigned index,
                                           NamedAttribute attr) {
  FailureOr<Slot> slot = slotOf(op, attr, /*isResult=*/true, index);
  return failed(slot) ? failure() : verifySlotAttribute(*slot, attr);
}
