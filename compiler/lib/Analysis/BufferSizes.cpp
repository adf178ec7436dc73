//===- BufferSizes.cpp - Buffer sizes as polynomials in the dims ----------===//
#include "attnc/Analysis/BufferSizes.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace attnc;

SizeResolver::SizeResolver(func::FuncOp fn) : fn(fn) {}

std::vector<std::string> SizeResolver::getSymbolNames() const {
  std::vector<std::string> names;
  for (const SizeSymbol &s : symbols)
    names.push_back(s.name);
  return names;
}

unsigned SizeResolver::internSymbol(SizeSymbol::Kind kind, unsigned index,
                                    Value value) {
  for (auto [i, s] : llvm::enumerate(symbols))
    if (s.kind == kind && s.index == index)
      return i;
  std::string name;
  if (kind == SizeSymbol::Kind::Dim) {
    auto dims = fn->getAttrOfType<ArrayAttr>(kDimsAttr);
    if (dims && index < dims.size())
      if (auto s = dyn_cast<StringAttr>(dims[index]))
        name = s.getValue().str();
    if (name.empty())
      name = "dim" + std::to_string(index);
  } else {
    if (auto s = fn.getArgAttrOfType<StringAttr>(index, kNameAttr))
      name = s.getValue().str();
    if (name.empty())
      name = "arg" + std::to_string(index);
  }
  symbols.push_back({kind, index, std::move(name), value});
  return symbols.size() - 1;
}

std::optional<unsigned> SizeResolver::asSymbol(Value value) {
  Block &entry = fn.getBody().front();
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (arg.getOwner() != &entry || !arg.getType().isIntOrIndex())
      return std::nullopt;
    return internSymbol(SizeSymbol::Kind::Argument, arg.getArgNumber(), arg);
  }
  // A dim: `llvm.load (getelementptr %dims[i])` in the entry block, where
  // %dims is the function's first argument (ExposeModelABI's entries).
  auto load = value.getDefiningOp<LLVM::LoadOp>();
  if (!load || load->getBlock() != &entry || !load.getType().isInteger(64) ||
      fn.getNumArguments() == 0 ||
      !isa<LLVM::LLVMPointerType>(fn.getArgument(0).getType()))
    return std::nullopt;
  Value address = load.getAddr();
  unsigned index = 0;
  if (auto gep = address.getDefiningOp<LLVM::GEPOp>()) {
    auto raw = gep.getRawConstantIndices();
    if (raw.size() != 1 || raw[0] == LLVM::GEPOp::kDynamicIndex ||
        raw[0] < 0 || !gep.getElemType().isInteger(64))
      return std::nullopt;
    index = raw[0];
    address = gep.getBase();
  }
  if (address != fn.getArgument(0))
    return std::nullopt;
  return internSymbol(SizeSymbol::Kind::Dim, index, value);
}

std::optional<Polynomial> SizeResolver::resolveIndex(Value value) {
  auto it = indexCache.find(value);
  if (it != indexCache.end())
    return it->second;
  std::optional<Polynomial> result = resolveIndexUncached(value);
  indexCache[value] = result;
  return result;
}

std::optional<Polynomial> SizeResolver::resolveIndexUncached(Value value) {
  if (std::optional<unsigned> s = asSymbol(value))
    return Polynomial::symbol(*s);
  APInt constant;
  if (matchPattern(value, m_ConstantInt(&constant)))
    return Polynomial::constant(constant.getSExtValue());
  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto c = dyn_cast<LLVM::ConstantOp>(op)) {
    if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
      return Polynomial::constant(i.getInt());
    return std::nullopt;
  }
  auto binary = [&](auto combine) -> std::optional<Polynomial> {
    std::optional<Polynomial> lhs = resolveIndex(op->getOperand(0));
    if (!lhs)
      return std::nullopt;
    std::optional<Polynomial> rhs = resolveIndex(op->getOperand(1));
    if (!rhs)
      return std::nullopt;
    return combine(*lhs, *rhs);
  };
  if (isa<arith::AddIOp, LLVM::AddOp>(op))
    return binary([](auto &a, auto &b) { return a + b; });
  if (isa<arith::MulIOp, LLVM::MulOp>(op))
    return binary([](auto &a, auto &b) { return a * b; });
  // Sizes are never negative, so sign and zero extension agree.
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
          arith::ExtUIOp>(op))
    return resolveIndex(op->getOperand(0));
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index)
      return std::nullopt;
    return resolveDim(dim.getSource(), *index);
  }
  return std::nullopt;
}

std::optional<Polynomial> SizeResolver::resolveDim(Value memref, int64_t dim) {
  auto key = std::make_pair(memref, dim);
  auto it = dimCache.find(key);
  if (it != dimCache.end())
    return it->second;
  std::optional<Polynomial> result = resolveDimUncached(memref, dim);
  dimCache[key] = result;
  return result;
}

/// The `dim`-th of `sizes` (static or dynamic), as a polynomial.
static std::optional<Polynomial>
mixedSize(SizeResolver &resolver, ArrayRef<OpFoldResult> sizes, int64_t dim) {
  if (dim < 0 || dim >= static_cast<int64_t>(sizes.size()))
    return std::nullopt;
  if (std::optional<int64_t> c = getConstantIntValue(sizes[dim]))
    return Polynomial::constant(*c);
  return resolver.resolveIndex(cast<Value>(sizes[dim]));
}

/// The size at [3, dim] of an LLVM memref descriptor built by insertvalue.
static Value descriptorSize(Value descriptor, int64_t dim) {
  while (auto insert = descriptor.getDefiningOp<LLVM::InsertValueOp>()) {
    ArrayRef<int64_t> position = insert.getPosition();
    if (position.size() == 2 && position[0] == 3 && position[1] == dim)
      return insert.getValue();
    descriptor = insert.getContainer();
  }
  return nullptr;
}

std::optional<Polynomial> SizeResolver::resolveDimUncached(Value memref,
                                                           int64_t dim) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!type || dim < 0 || dim >= type.getRank())
    return std::nullopt;
  if (!type.isDynamicDim(dim))
    return Polynomial::constant(type.getDimSize(dim));

  if (auto arg = dyn_cast<BlockArgument>(memref)) {
    // A loop-carried buffer keeps its shape if every iteration yields one of
    // the same size: assume it is the initial size, then check the yield.
    auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
    auto key = std::make_pair(memref, dim);
    if (!loop || arg.getArgNumber() == 0 || failedLoopDims.contains(key))
      return std::nullopt;
    unsigned k = arg.getArgNumber() - 1;
    std::optional<Polynomial> initial =
        resolveDim(loop.getInitArgs()[k], dim);
    if (!initial)
      return std::nullopt;
    dimCache[key] = initial;
    std::optional<Polynomial> yielded =
        resolveDim(loop.getYieldedValues()[k], dim);
    if (yielded && *yielded == *initial)
      return initial;
    // Sizes cached under the assumption may be wrong: start over, knowing
    // better (the failures only grow, so this ends).
    failedLoopDims.insert(key);
    dimCache.clear();
    indexCache.clear();
    return std::nullopt;
  }

  Operation *op = memref.getDefiningOp();
  if (auto result = dyn_cast<OpResult>(memref)) {
    if (auto loop = dyn_cast<scf::ForOp>(op))
      return resolveDim(loop.getRegionIterArgs()[result.getResultNumber()],
                        dim);
    if (auto branch = dyn_cast<scf::IfOp>(op)) {
      if (branch.getElseRegion().empty())
        return std::nullopt;
      unsigned k = result.getResultNumber();
      std::optional<Polynomial> thenSize =
          resolveDim(branch.thenYield().getOperand(k), dim);
      std::optional<Polynomial> elseSize =
          resolveDim(branch.elseYield().getOperand(k), dim);
      if (!thenSize || !elseSize || *thenSize != *elseSize)
        return std::nullopt;
      return thenSize;
    }
  }
  if (auto alloc = dyn_cast_or_null<memref::AllocOp>(op))
    return resolveIndex(alloc.getDynamicSizes()[type.getDynamicDimIndex(dim)]);
  if (auto alloca = dyn_cast_or_null<memref::AllocaOp>(op))
    return resolveIndex(
        alloca.getDynamicSizes()[type.getDynamicDimIndex(dim)]);
  if (auto view = dyn_cast_or_null<memref::ViewOp>(op))
    return resolveIndex(view.getSizes()[type.getDynamicDimIndex(dim)]);
  if (auto cast = dyn_cast_or_null<memref::CastOp>(op))
    return resolveDim(cast.getSource(), dim);
  if (auto subview = dyn_cast_or_null<memref::SubViewOp>(op)) {
    // Rank-reducing subviews drop unit dims: map `dim` back.
    llvm::SmallBitVector dropped = subview.getDroppedDims();
    SmallVector<OpFoldResult> sizes = subview.getMixedSizes();
    int64_t kept = -1;
    for (int64_t i = 0; i < static_cast<int64_t>(sizes.size()); ++i)
      if (!dropped.test(i) && ++kept == dim)
        return mixedSize(*this, sizes, i);
    return std::nullopt;
  }
  if (auto reinterpret = dyn_cast_or_null<memref::ReinterpretCastOp>(op))
    return mixedSize(*this, reinterpret.getMixedSizes(), dim);
  if (auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(op)) {
    ArrayRef<int64_t> shape = expand.getStaticOutputShape();
    if (!ShapedType::isDynamic(shape[dim]))
      return Polynomial::constant(shape[dim]);
    int64_t position = llvm::count_if(shape.take_front(dim),
                                      ShapedType::isDynamic);
    return resolveIndex(expand.getOutputShape()[position]);
  }
  if (auto collapse = dyn_cast_or_null<memref::CollapseShapeOp>(op)) {
    Polynomial product = Polynomial::constant(1);
    for (int64_t source : collapse.getReassociationIndices()[dim]) {
      std::optional<Polynomial> size = resolveDim(collapse.getSrc(), source);
      if (!size)
        return std::nullopt;
      product = product * *size;
    }
    return product;
  }
  // A memref over a raw pointer (ExposeModelABI): the size it was given.
  if (auto cast = dyn_cast_or_null<UnrealizedConversionCastOp>(op)) {
    if (cast->getNumOperands() != 1 ||
        !isa<LLVM::LLVMStructType>(cast->getOperand(0).getType()))
      return std::nullopt;
    if (Value size = descriptorSize(cast->getOperand(0), dim))
      return resolveIndex(size);
  }
  return std::nullopt;
}
