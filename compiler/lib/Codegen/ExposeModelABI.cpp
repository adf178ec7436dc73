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
#include "attnc/Codegen/RawMemRef.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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
  SmallVector<std::string> alternatives; // parameters: `else` names
  ArrayAttr shape;            // integers and dim names
  int64_t layers = 0;         // stacked per-layer parameters
  std::optional<double> defaultValue; // optional inputs
  RankedTensorType type;
  int64_t argIndex = -1;      // -1 for outputs
  int64_t resultIndex = -1;
  ArrayAttr packOf;           // packed parameters: the members' names
  int64_t packAxis = 0;
  int64_t packOutAxis = -1;   // panel packs: the members' output axis
  int64_t packBlock = 0;      // the scales of int8 panels: k per scale
  int64_t indexBound = 0;     // inputs indexing an embedding: its rows
  bool read = true;           // parameters: read by an entry, not only packed
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
  if (t.isBF16())
    return "bf16";
  if (t.isF16())
    return "f16";
  if (t.isInteger(8))
    return "i8";
  if (t.isInteger(32))
    return "i32";
  return "i64";
}

/// A key or value cache argument of the step function.
struct CacheSite {
  MemRefType type; // [layers?, batch, kv_heads, capacity, head_dim]
  int64_t layers;  // 1 when not stacked
};

class ModelABIBuilder {
public:
  ModelABIBuilder(ModuleOp module, func::FuncOp model, func::FuncOp step)
      : module(module), model(model), step(step), b(module.getContext()) {}

  LogicalResult build();

private:
  LogicalResult collect();
  std::string manifest();
  void buildVersionFunction();
  void buildManifestFunction();
  LogicalResult collectCache();
  /// Adds the exported function `symbol` that calls `callee` on the raw
  /// buffers; with a cache (the step function), also on the key/value cache
  /// at `position`, guarded against positions outside the cache.
  void buildEntry(StringRef symbol, func::FuncOp callee, bool withCache);
  /// The i64 sizes of an ABI tensor: constants and dims.
  SmallVector<Value> sizesOf(Location loc, const AbiTensor &t);
  Value i64Constant(Location loc, int64_t v) {
    return b.create<LLVM::ConstantOp>(loc, b.getI64Type(),
                                      b.getI64IntegerAttr(v));
  }

  ModuleOp module;
  func::FuncOp model, step;
  OpBuilder b;
  SmallVector<CacheSite> cacheSites;
  /// The dims giving the cache's batch size and the count of new tokens.
  std::string batchDim, seqDim;
  SmallVector<std::string> dims;
  llvm::StringMap<Value> dimValues;
  SmallVector<AbiTensor> inputs, params, outputs;
  /// Parameters packed from others (attnc-fuse-projections), which the
  /// entries take after the outputs.
  SmallVector<AbiTensor> packs;
};

// The dialect has verified the form of the contract attributes
// (ModelAttributes.h): a shape matches its type and names only declared
// dims; packs name parameters and have axes in range. What the ABI adds is
// that every argument and result carries them.
LogicalResult ModelABIBuilder::collect() {
  if (ArrayAttr dimsAttr = getModelDims(model))
    for (Attribute d : dimsAttr)
      dims.push_back(cast<StringAttr>(d).getValue().str());
  FunctionType type = model.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    DictionaryAttr attrs = model.getArgAttrDict(i);
    auto tensorType = dyn_cast<RankedTensorType>(type.getInput(i));
    auto shape = attrs ? attrs.getAs<ArrayAttr>(kShapeAttr) : ArrayAttr();
    StringRef kind = getStringAttr(attrs, kKindAttr);
    if (!tensorType || !shape || !attrs.get(kNameAttr) ||
        (kind != kInputKind && kind != kParamKind && kind != kPackedKind))
      return model.emitError("argument ")
             << i << " lacks the attn.kind/attn.name/attn.shape attributes "
             << "of a model argument";
    AbiTensor t{getStringAttr(attrs, kNameAttr).str(),
                getStringAttr(attrs, kTensorAttr).str(), {}, shape, 0,
                std::nullopt, tensorType, i, -1, nullptr, 0};
    if (auto sources = attrs.getAs<ArrayAttr>(kTensorAttr)) {
      t.checkpointName = cast<StringAttr>(sources[0]).getValue().str();
      for (Attribute source : sources.getValue().drop_front())
        t.alternatives.push_back(cast<StringAttr>(source).getValue().str());
    }
    if (auto layers = attrs.getAs<IntegerAttr>(kLayersAttr))
      t.layers = layers.getInt();
    if (auto value = attrs.getAs<FloatAttr>(kDefaultAttr))
      t.defaultValue = value.getValueAsDouble();
    if (auto bound = attrs.getAs<IntegerAttr>(kIndexBoundAttr))
      t.indexBound = bound.getInt();
    if (kind == kPackedKind) {
      t.packOf = attrs.getAs<ArrayAttr>(kPackOfAttr);
      t.packAxis = attrs.getAs<IntegerAttr>(kPackAxisAttr).getInt();
      if (auto outAxis = attrs.getAs<IntegerAttr>(kPackOutAxisAttr))
        t.packOutAxis = outAxis.getInt();
      if (auto block = attrs.getAs<IntegerAttr>(kPackBlockAttr))
        t.packBlock = block.getInt();
      t.layers = 0; // the manifest's packs need no checkpoint template
      packs.push_back(std::move(t));
      continue;
    }
    // A parameter that only feeds packs is never read by the code: the
    // runtime may release its memory once the packs are built.
    t.read = kind != kParamKind || !model.getArgument(i).use_empty() ||
             (step && !step.getArgument(i).use_empty());
    (kind == kInputKind ? inputs : params).push_back(std::move(t));
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    DictionaryAttr attrs = model.getResultAttrDict(i);
    auto tensorType = dyn_cast<RankedTensorType>(type.getResult(i));
    auto shape = attrs ? attrs.getAs<ArrayAttr>(kShapeAttr) : ArrayAttr();
    if (!tensorType || !shape || !attrs.get(kNameAttr))
      return model.emitError("result ")
             << i << " lacks the attn.name/attn.shape attributes of a model "
             << "output";
    outputs.push_back(AbiTensor{getStringAttr(attrs, kNameAttr).str(), "",
                                {}, shape, 0, std::nullopt, tensorType, -1, i,
                                nullptr, 0});
  }
  return success();
}

LogicalResult ModelABIBuilder::collectCache() {
  if (!step)
    return success();
  // The step function's inputs are [batch, seq, ...]: the cache's batch and
  // the number of new tokens are those two dims of the first input.
  if (inputs.empty() || inputs.front().shape.size() < 2 ||
      !isa<StringAttr>(inputs.front().shape[0]) ||
      !isa<StringAttr>(inputs.front().shape[1]))
    return step.emitError("incremental decoding needs a first input of shape "
                          "[batch, seq, ...] with both dims dynamic");
  batchDim = cast<StringAttr>(inputs.front().shape[0]).getValue().str();
  seqDim = cast<StringAttr>(inputs.front().shape[1]).getValue().str();
  for (unsigned i = model.getNumArguments(); i + 1 < step.getNumArguments();
       ++i) {
    auto type = cast<MemRefType>(step.getArgumentTypes()[i]);
    int64_t layers = getArgLayers(step, i);
    cacheSites.push_back({type, layers ? layers : 1});
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
      if (withCheckpoint && !t.alternatives.empty()) {
        llvm::json::Array alternatives;
        for (const std::string &name : t.alternatives)
          alternatives.push_back(name);
        o["tensor_else"] = std::move(alternatives);
      }
      if (t.layers > 0)
        o["layers"] = t.layers;
      if (t.defaultValue)
        o["default"] = *t.defaultValue;
      if (t.indexBound > 0)
        o["index_bound"] = t.indexBound;
      if (!t.read)
        o["read"] = false;
      out.push_back(std::move(o));
    }
    return out;
  };
  llvm::json::Array dimsJson;
  for (const std::string &d : dims)
    dimsJson.push_back(d);
  StringRef name = getModelName(model);
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
  TargetRecord target = getTargetRecord(model);
  if (!target.cpu.empty()) {
    llvm::json::Array features;
    for (const std::string &feature : target.features)
      features.push_back(feature);
    root["target"] = llvm::json::Object{{"cpu", target.cpu},
                                        {"features", std::move(features)}};
  }
  if (!packs.empty()) {
    llvm::json::Array packed = tensors(packs, false);
    for (auto [json, pack] : llvm::zip(packed, packs)) {
      llvm::json::Array of;
      for (Attribute member : pack.packOf)
        of.push_back(cast<StringAttr>(member).getValue().str());
      (*json.getAsObject())["of"] = std::move(of);
      (*json.getAsObject())["axis"] = pack.packAxis;
      if (pack.packOutAxis >= 0) {
        (*json.getAsObject())["layout"] = pack.packBlock ? "scales" : "panels";
        (*json.getAsObject())["out_axis"] = pack.packOutAxis;
      }
      if (pack.packBlock)
        (*json.getAsObject())["block"] = pack.packBlock;
    }
    root["packed_params"] = std::move(packed);
  }
  if (step) {
    // Keys and values of each site, in argument order: K0, V0, K1, V1, ...
    llvm::json::Array sites;
    int64_t floatsPerToken = 0;
    for (unsigned i = 0; i < cacheSites.size(); i += 2) {
      ArrayRef<int64_t> shape = cacheSites[i].type.getShape().take_back(4);
      sites.push_back(llvm::json::Object{{"layers", cacheSites[i].layers},
                                         {"kv_heads", shape[1]},
                                         {"head_dim", shape[3]}});
      floatsPerToken += 2 * cacheSites[i].layers * shape[1] * shape[3];
    }
    root["kv_cache"] = llvm::json::Object{
        {"batch_dim", batchDim},
        {"seq_dim", seqDim},
        {"dtype", "f32"},
        {"floats_per_token", floatsPerToken},
        {"sites", std::move(sites)}};
  }
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
                           LLVM::Linkage::Internal, kManifestGlobal,
                           b.getStringAttr(text));
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  auto fn = b.create<func::FuncOp>(loc, kManifestSymbol,
                                   b.getFunctionType({}, {ptrType}));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(fn.addEntryBlock());
  Value addr = b.create<LLVM::AddressOfOp>(loc, ptrType, kManifestGlobal);
  b.create<func::ReturnOp>(loc, addr);
}

SmallVector<Value> ModelABIBuilder::sizesOf(Location loc, const AbiTensor &t) {
  SmallVector<Value> sizes;
  for (auto [attr, size] : llvm::zip(t.shape, t.type.getShape())) {
    if (auto sym = dyn_cast<StringAttr>(attr))
      sizes.push_back(dimValues.lookup(sym.getValue()));
    else
      sizes.push_back(i64Constant(loc, size));
  }
  return sizes;
}

void ModelABIBuilder::buildEntry(StringRef symbol, func::FuncOp callee,
                                 bool withCache) {
  Location loc = model.getLoc();
  MLIRContext *ctx = b.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i64 = b.getI64Type();
  SmallVector<Type> argTypes{ptrType, ptrType};
  if (withCache)
    argTypes.append({ptrType, i64, i64});
  auto fn = b.create<func::FuncOp>(
      loc, symbol, b.getFunctionType(argTypes, {b.getI32Type()}));
  // What attnc-plan-memory needs to name the dims in its arena formula and
  // to find the arena: the buffer after the outputs.
  fn->setAttr(kDimsAttr, model->getAttr(kDimsAttr));
  fn->setAttr(kArenaSlotAttr,
              b.getI64IntegerAttr(inputs.size() + params.size() +
                                  outputs.size() + packs.size()));
  if (withCache) {
    fn.setArgAttr(3, kNameAttr, b.getStringAttr("capacity"));
    fn.setArgAttr(4, kNameAttr, b.getStringAttr("position"));
  }
  OpBuilder::InsertionGuard guard(b);
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value dimsPtr = entry->getArgument(0), bufsPtr = entry->getArgument(1);

  dimValues.clear();
  for (auto [i, name] : llvm::enumerate(dims)) {
    Value addr = b.create<LLVM::GEPOp>(loc, ptrType, i64, dimsPtr,
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
    dimValues[name] = b.create<LLVM::LoadOp>(loc, i64, addr);
  }
  int32_t slot = 0;
  auto nextBuffer = [&](const AbiTensor &t) {
    Value addr = b.create<LLVM::GEPOp>(loc, ptrType, ptrType, bufsPtr,
                                       ArrayRef<LLVM::GEPArg>{slot++});
    Value ptr = b.create<LLVM::LoadOp>(loc, ptrType, addr);
    auto type = MemRefType::get(t.type.getShape(), t.type.getElementType());
    return memrefFromPointer(b, loc, ptr, type, sizesOf(loc, t));
  };

  SmallVector<Value> args(callee.getNumArguments());
  for (auto *list : {&inputs, &params})
    for (const AbiTensor &t : *list) {
      Value m = nextBuffer(t);
      args[t.argIndex] = b.create<bufferization::ToTensorOp>(
          loc, t.type, m, /*restrict=*/true, /*writable=*/false);
    }
  SmallVector<Value> outBuffers;
  for (const AbiTensor &t : outputs)
    outBuffers.push_back(nextBuffer(t));
  for (const AbiTensor &t : packs)
    args[t.argIndex] = b.create<bufferization::ToTensorOp>(
        loc, t.type, nextBuffer(t), /*restrict=*/true, /*writable=*/false);

  auto callAndStore = [&](OpBuilder &) {
    auto call = b.create<func::CallOp>(loc, callee, args);
    for (auto [t, buffer] : llvm::zip(outputs, outBuffers)) {
      auto materialize = b.create<bufferization::MaterializeInDestinationOp>(
          loc, TypeRange{}, call.getResult(t.resultIndex), buffer);
      materialize.setRestrict(true);
      materialize.setWritable(true);
    }
  };
  if (!withCache) {
    callAndStore(b);
    b.create<func::ReturnOp>(loc, b.create<arith::ConstantIntOp>(loc, 0, 32)
                                      .getResult());
    return;
  }

  // The caches lie one after the other in the cache buffer, each
  // [layers, batch, kv_heads, capacity, head_dim].
  Value cachePtr = entry->getArgument(2), capacity = entry->getArgument(3);
  Value position = entry->getArgument(4);
  Value batch = dimValues.lookup(batchDim), count = dimValues.lookup(seqDim);
  Value offset = i64Constant(loc, 0);
  unsigned first = model.getNumArguments();
  for (auto [i, site] : llvm::enumerate(cacheSites)) {
    ArrayRef<int64_t> shape = site.type.getShape();
    SmallVector<Value> sizes;
    if (site.type.getRank() == 5)
      sizes.push_back(i64Constant(loc, site.layers));
    sizes.append({batch, i64Constant(loc, shape[shape.size() - 3]), capacity,
                  i64Constant(loc, shape.back())});
    Value ptr = b.create<LLVM::GEPOp>(loc, ptrType, b.getF32Type(), cachePtr,
                                      ValueRange{offset});
    args[first + i] = memrefFromPointer(b, loc, ptr, site.type, sizes);
    Value elements = sizes.front();
    for (Value size : ArrayRef<Value>(sizes).drop_front())
      elements = b.create<LLVM::MulOp>(loc, elements, size);
    offset = b.create<LLVM::AddOp>(loc, offset, elements);
  }
  args.back() = b.create<arith::IndexCastOp>(loc, b.getIndexType(), position);

  // 0 <= position and position + count <= capacity, or status 1.
  Value zero = i64Constant(loc, 0);
  Value end = b.create<LLVM::AddOp>(loc, position, count);
  Value inRange = b.create<LLVM::AndOp>(
      loc, b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::sge, position, zero),
      b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::sle, end, capacity));
  auto guarded = b.create<scf::IfOp>(
      loc, inRange,
      [&](OpBuilder &thenBuilder, Location l) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPoint(thenBuilder.getInsertionBlock(),
                            thenBuilder.getInsertionPoint());
        callAndStore(b);
        b.create<scf::YieldOp>(
            l, b.create<arith::ConstantIntOp>(l, 0, 32).getResult());
      },
      [&](OpBuilder &elseBuilder, Location l) {
        elseBuilder.create<scf::YieldOp>(
            l, elseBuilder.create<arith::ConstantIntOp>(l, 1, 32).getResult());
      });
  b.create<func::ReturnOp>(loc, guarded.getResult(0));
}

LogicalResult ModelABIBuilder::build() {
  if (failed(collect()) || failed(collectCache()))
    return failure();
  b.setInsertionPointToEnd(module.getBody());
  buildVersionFunction();
  buildManifestFunction();
  buildEntry(kForwardSymbol, model, /*withCache=*/false);
  model.setPrivate();
  if (step) {
    buildEntry(kStepSymbol, step, /*withCache=*/true);
    step.setPrivate();
  }
  return success();
}

struct ExposeModelABIPass
    : attnc::impl::ExposeModelABIBase<ExposeModelABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> model = lookupModelFunction(module);
    FailureOr<func::FuncOp> step = lookupStepFunction(module);
    if (failed(model) || failed(step))
      return signalPassFailure();
    for (StringRef reserved :
         {kAbiVersionSymbol, kManifestSymbol, kForwardSymbol, kStepSymbol})
      if (module.lookupSymbol(reserved)) {
        module.emitError("symbol '") << reserved << "' is reserved for the ABI";
        return signalPassFailure();
      }
    if (failed(ModelABIBuilder(module, *model, *step).build()))
      signalPassFailure();
  }
};

} // namespace
