//===- ExposeModelABI.cpp - The plain C entry points of a model -----------===//
//
// Implements docs/abi.md. The model function (marked `attn.model`) takes its
// inputs and parameters as tensors and returns its outputs; its arguments and
// results carry `attn.kind`, `attn.name`, `attn.tensor` and `attn.shape`
// attributes. This pass adds:
//
//   int32_t     attnc_model_abi_version(void);
//   const char *attnc_model_manifest(void);
//   int32_t     attnc_model_forward(const int64_t *dims, void *const *bufs);
//
// The forward wrapper turns each raw pointer into a memref (an LLVM memref
// descriptor cast to the memref type: there is no memref op that adopts a raw
// pointer), views inputs as tensors, calls the model, and materializes each
// result in its output buffer. The model becomes private so that the inliner
// folds it into the wrapper; bufferization can then write results in place.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/ABI.h"
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"

namespace attnc {
#define GEN_PASS_DEF_EXPOSEMODELABI
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;

namespace {

/// One tensor crossing the ABI: an input, a parameter or an output.
struct AbiTensor {
  std::string name;
  std::string checkpointName; // parameters only
  ArrayAttr shape;            // integers and dim names
  int64_t layers = 0;         // stacked per-layer parameters
  std::optional<double> defaultValue; // optional inputs
  RankedTensorType type;
  int64_t argIndex = -1;      // -1 for outputs
  int64_t resultIndex = -1;
};

StringRef getStringAttr(DictionaryAttr attrs, StringRef name) {
  if (!attrs)
    return {};
  if (auto s = attrs.getAs<StringAttr>(name))
    return s.getValue();
  return {};
}

llvm::json::Array shapeToJson(ArrayAttr shape) {
  llvm::json::Array out;
  for (Attribute a : shape) {
    if (auto i = dyn_cast<IntegerAttr>(a))
      out.push_back(i.getInt());
    else
      out.push_back(cast<StringAttr>(a).getValue().str());
  }
  return out;
}

std::string dtypeOf(RankedTensorType type) {
  Type t = type.getElementType();
  if (t.isF32())
    return "f32";
  if (t.isInteger(32))
    return "i32";
  return "i64";
}

class ModelABIBuilder {
public:
  ModelABIBuilder(ModuleOp module, func::FuncOp model)
      : module(module), model(model), b(module.getContext()) {}

  LogicalResult build();

private:
  LogicalResult collect();
  std::string manifest();
  void buildVersionFunction();
  void buildManifestFunction();
  void buildForwardFunction();
  /// A memref of `type` over the raw pointer `ptr`, with row-major strides.
  Value memrefFromPointer(Location loc, Value ptr, const AbiTensor &t);

  ModuleOp module;
  func::FuncOp model;
  OpBuilder b;
  SmallVector<std::string> dims;
  llvm::StringMap<Value> dimValues;
  SmallVector<AbiTensor> inputs, params, outputs;
};

LogicalResult ModelABIBuilder::collect() {
  if (auto dimsAttr = model->getAttrOfType<ArrayAttr>(kDimsAttr))
    for (Attribute d : dimsAttr)
      dims.push_back(cast<StringAttr>(d).getValue().str());
  FunctionType type = model.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    DictionaryAttr attrs = model.getArgAttrDict(i);
    auto tensorType = dyn_cast<RankedTensorType>(type.getInput(i));
    auto shape = attrs ? attrs.getAs<ArrayAttr>(kShapeAttr) : ArrayAttr();
    StringRef kind = getStringAttr(attrs, kKindAttr);
    if (!tensorType || !shape || (kind != "input" && kind != "param"))
      return model.emitError("argument ")
             << i << " lacks the attn.kind/attn.name/attn.shape attributes "
             << "of a model argument";
    AbiTensor t{getStringAttr(attrs, kNameAttr).str(),
                getStringAttr(attrs, kTensorAttr).str(), shape, 0,
                std::nullopt, tensorType, i, -1};
    if (auto layers = attrs.getAs<IntegerAttr>(kLayersAttr))
      t.layers = layers.getInt();
    if (auto value = attrs.getAs<FloatAttr>(kDefaultAttr))
      t.defaultValue = value.getValueAsDouble();
    (kind == "input" ? inputs : params).push_back(std::move(t));
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    DictionaryAttr attrs = model.getResultAttrDict(i);
    auto tensorType = dyn_cast<RankedTensorType>(type.getResult(i));
    auto shape = attrs ? attrs.getAs<ArrayAttr>(kShapeAttr) : ArrayAttr();
    if (!tensorType || !shape)
      return model.emitError("result ")
             << i << " lacks the attn.name/attn.shape attributes of a model "
             << "output";
    outputs.push_back(AbiTensor{getStringAttr(attrs, kNameAttr).str(), "",
                                shape, 0, std::nullopt, tensorType, -1, i});
  }
  // Every dynamic dimension must be named, and every name declared.
  for (auto *list : {&inputs, &params, &outputs})
    for (const AbiTensor &t : *list) {
      if (t.shape.size() != static_cast<size_t>(t.type.getRank()))
        return model.emitError("attn.shape of '")
               << t.name << "' does not match its type " << t.type;
      for (auto [attr, size] : llvm::zip(t.shape, t.type.getShape())) {
        auto sym = dyn_cast<StringAttr>(attr);
        if (ShapedType::isDynamic(size) != static_cast<bool>(sym) ||
            (sym && !llvm::is_contained(dims, sym.getValue().str())))
          return model.emitError("attn.shape of '")
                 << t.name << "' does not match its type " << t.type
                 << " and the model's attn.dims";
      }
    }
  return success();
}

std::string ModelABIBuilder::manifest() {
  auto tensors = [](ArrayRef<AbiTensor> list, bool withCheckpoint) {
    llvm::json::Array out;
    for (const AbiTensor &t : list) {
      llvm::json::Object o{{"name", t.name},
                           {"dtype", dtypeOf(t.type)},
                           {"shape", shapeToJson(t.shape)}};
      if (withCheckpoint)
        o["tensor"] = t.checkpointName;
      if (t.layers > 0)
        o["layers"] = t.layers;
      if (t.defaultValue)
        o["default"] = *t.defaultValue;
      out.push_back(std::move(o));
    }
    return out;
  };
  llvm::json::Array dimsJson;
  for (const std::string &d : dims)
    dimsJson.push_back(d);
  StringRef name = getStringAttr(model->getAttrDictionary(), kModelAttr);
  llvm::json::Object constants;
  if (auto dict = model->getAttrOfType<DictionaryAttr>(kConstantsAttr))
    for (NamedAttribute c : dict) {
      if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
        constants[c.getName().getValue()] = i.getInt();
      else if (auto f = dyn_cast<FloatAttr>(c.getValue()))
        constants[c.getName().getValue()] = f.getValueAsDouble();
    }
  llvm::json::Object root{{"abi_version", kAbiVersion},
                          {"name", name.str()},
                          {"fingerprint",
                           getStringAttr(model->getAttrDictionary(),
                                         kFingerprintAttr)
                               .str()},
                          {"constants", std::move(constants)},
                          {"dims", std::move(dimsJson)},
                          {"inputs", tensors(inputs, false)},
                          {"params", tensors(params, true)},
                          {"outputs", tensors(outputs, false)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(root));
  return text;
}

void ModelABIBuilder::buildVersionFunction() {
  Location loc = model.getLoc();
  auto fn = b.create<func::FuncOp>(loc, kAbiVersionSymbol,
                                   b.getFunctionType({}, {b.getI32Type()}));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(fn.addEntryBlock());
  Value version = b.create<arith::ConstantIntOp>(loc, kAbiVersion, 32);
  b.create<func::ReturnOp>(loc, version);
}

void ModelABIBuilder::buildManifestFunction() {
  Location loc = model.getLoc();
  std::string text = manifest();
  text.push_back('\0');
  auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
  b.create<LLVM::GlobalOp>(loc, arrayType, /*isConstant=*/true,
                           LLVM::Linkage::Internal, "__attnc_manifest",
                           b.getStringAttr(text));
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  auto fn = b.create<func::FuncOp>(loc, kManifestSymbol,
                                   b.getFunctionType({}, {ptrType}));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(fn.addEntryBlock());
  Value addr = b.create<LLVM::AddressOfOp>(loc, ptrType, "__attnc_manifest");
  b.create<func::ReturnOp>(loc, addr);
}

Value ModelABIBuilder::memrefFromPointer(Location loc, Value ptr,
                                         const AbiTensor &t) {
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  int64_t rank = t.type.getRank();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  SmallVector<Type> fields{ptrType, ptrType, i64};
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  auto constant = [&](int64_t v) -> Value {
    return b.create<LLVM::ConstantOp>(loc, i64, b.getI64IntegerAttr(v));
  };
  Value desc = b.create<LLVM::UndefOp>(loc, descType);
  desc = b.create<LLVM::InsertValueOp>(loc, desc, ptr, ArrayRef<int64_t>{0});
  desc = b.create<LLVM::InsertValueOp>(loc, desc, ptr, ArrayRef<int64_t>{1});
  desc = b.create<LLVM::InsertValueOp>(loc, desc, constant(0),
                                       ArrayRef<int64_t>{2});
  Value stride = constant(1);
  for (int64_t d = rank - 1; d >= 0; --d) {
    Value size;
    if (auto sym = dyn_cast<StringAttr>(t.shape[d]))
      size = dimValues.lookup(sym.getValue());
    else
      size = constant(t.type.getDimSize(d));
    desc = b.create<LLVM::InsertValueOp>(loc, desc, size,
                                         ArrayRef<int64_t>{3, d});
    desc = b.create<LLVM::InsertValueOp>(loc, desc, stride,
                                         ArrayRef<int64_t>{4, d});
    if (d > 0)
      stride = b.create<LLVM::MulOp>(loc, stride, size);
  }
  auto memrefType = MemRefType::get(t.type.getShape(), t.type.getElementType());
  return b.create<UnrealizedConversionCastOp>(loc, memrefType, desc)
      .getResult(0);
}

void ModelABIBuilder::buildForwardFunction() {
  Location loc = model.getLoc();
  MLIRContext *ctx = b.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto fn = b.create<func::FuncOp>(
      loc, kForwardSymbol,
      b.getFunctionType({ptrType, ptrType}, {b.getI32Type()}));
  OpBuilder::InsertionGuard guard(b);
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value dimsPtr = entry->getArgument(0), bufsPtr = entry->getArgument(1);

  for (auto [i, name] : llvm::enumerate(dims)) {
    Value addr = b.create<LLVM::GEPOp>(loc, ptrType, b.getI64Type(), dimsPtr,
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
    dimValues[name] = b.create<LLVM::LoadOp>(loc, b.getI64Type(), addr);
  }
  int32_t slot = 0;
  auto nextBuffer = [&](const AbiTensor &t) {
    Value addr = b.create<LLVM::GEPOp>(loc, ptrType, ptrType, bufsPtr,
                                       ArrayRef<LLVM::GEPArg>{slot++});
    Value ptr = b.create<LLVM::LoadOp>(loc, ptrType, addr);
    return memrefFromPointer(loc, ptr, t);
  };

  SmallVector<Value> args(model.getNumArguments());
  for (auto *list : {&inputs, &params})
    for (const AbiTensor &t : *list) {
      Value m = nextBuffer(t);
      args[t.argIndex] = b.create<bufferization::ToTensorOp>(
          loc, t.type, m, /*restrict=*/true, /*writable=*/false);
    }
  SmallVector<Value> outBuffers;
  for (const AbiTensor &t : outputs)
    outBuffers.push_back(nextBuffer(t));

  auto call = b.create<func::CallOp>(loc, model, args);
  for (auto [t, buffer] : llvm::zip(outputs, outBuffers)) {
    auto materialize = b.create<bufferization::MaterializeInDestinationOp>(
        loc, TypeRange{}, call.getResult(t.resultIndex), buffer);
    materialize.setRestrict(true);
    materialize.setWritable(true);
  }
  Value ok = b.create<arith::ConstantIntOp>(loc, 0, 32);
  b.create<func::ReturnOp>(loc, ok);
}

LogicalResult ModelABIBuilder::build() {
  if (failed(collect()))
    return failure();
  b.setInsertionPointToEnd(module.getBody());
  buildVersionFunction();
  buildManifestFunction();
  buildForwardFunction();
  model.setPrivate();
  return success();
}

struct ExposeModelABIPass
    : attnc::impl::ExposeModelABIBase<ExposeModelABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> models;
    module.walk([&](func::FuncOp fn) {
      if (fn->hasAttr(kModelAttr))
        models.push_back(fn);
    });
    if (models.size() != 1) {
      module.emitError("expected exactly one function marked '")
          << kModelAttr << "', found " << models.size();
      return signalPassFailure();
    }
    for (StringRef reserved :
         {kAbiVersionSymbol, kManifestSymbol, kForwardSymbol})
      if (module.lookupSymbol(reserved)) {
        module.emitError("symbol '") << reserved << "' is reserved for the ABI";
        return signalPassFailure();
      }
    if (failed(ModelABIBuilder(module, models.front()).build()))
      signalPassFailure();
  }
};

} // namespace
