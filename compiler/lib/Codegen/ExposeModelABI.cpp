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
#include "attnc/Codegen/Manifest.h"
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
  bool packPairs = false;     // bf16 panels in pairs of k (panel_pairs)
  bool packQuads = false;     // int8 panels in quads of k (panel_quads)
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

std::string dtypeOf(ShapedType type) {
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
  DictionaryAttr manifest();
  void buildVersionFunction();
  void buildManifestFunction();
  LogicalResult collectCache();
  /// Adds the exported function `symbol` that calls `callee` on the raw
  /// buffers; with a cache (the step function), also on the key/value cache
  /// at `position`, guarded against positions outside the cache.
  void buildEntry(StringRef symbol, func::FuncOp callee, bool withCache);
  /// buildEntry's steps: the function and its attributes; the dims loaded
  /// from `dims`; the callee's tensors and the output buffers from
  /// `buffers` (in the ABI's order: inputs, params, outputs, packs); the
  /// cache views and the position; the call storing its results; the call
  /// guarded against positions outside the cache (status 1).
  func::FuncOp createEntryFunction(StringRef symbol, bool withCache);
  void loadDims(Location loc, Value dimsPtr);
  void bindBuffers(Location loc, Value bufsPtr, MutableArrayRef<Value> args,
                   SmallVectorImpl<Value> &outBuffers);
  void bindCache(Location loc, Block *entry, MutableArrayRef<Value> args);
  void callAndStore(Location loc, func::FuncOp callee, ValueRange args,
                    ValueRange outBuffers);
  Value guardedCallAndStore(Location loc, Block *entry, func::FuncOp callee,
                            ValueRange args, ValueRange outBuffers);
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
  /// The outputs as the step entry returns them: those marked
  /// attn.last_position have one row on axis 1 (attnc-step-last-position).
  SmallVector<AbiTensor> stepOutputs;
  /// The outputs of the entry being built: `outputs` or `stepOutputs`.
  ArrayRef<AbiTensor> entryOutputs;
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
      t.packPairs = attrs.get(kPackPairsAttr) != nullptr;
      t.packQuads = attrs.get(kPackQuadsAttr) != nullptr;
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
    // The manifest gives the cache one dtype.
    if (!cacheSites.empty() &&
        type.getElementType() != cacheSites.front().type.getElementType())
      return step.emitError("the key/value caches of a model must share one "
                            "element type, found ")
             << cacheSites.front().type.getElementType() << " and "
             << type.getElementType();
    int64_t layers = getArgLayers(step, i);
    cacheSites.push_back({type, layers ? layers : 1});
  }
  stepOutputs = outputs;
  for (AbiTensor &t : stepOutputs) {
    if (!step.getResultAttr(t.resultIndex, kLastPositionAttr))
      continue;
    t.type = cast<RankedTensorType>(step.getResultTypes()[t.resultIndex]);
    t.shape = step.getResultAttrOfType<ArrayAttr>(t.resultIndex, kShapeAttr);
  }
  return success();
}

DictionaryAttr ModelABIBuilder::manifest() {
  auto str = [&](StringRef text) { return b.getStringAttr(text); };
  auto tensors = [&](ArrayRef<AbiTensor> list, bool withCheckpoint) {
    SmallVector<Attribute> out;
    for (const AbiTensor &t : list) {
      SmallVector<Attribute> shape;
      for (Attribute d : t.shape)
        shape.push_back(isa<IntegerAttr>(d) ? b.getI64IntegerAttr(
                                                  cast<IntegerAttr>(d).getInt())
                                            : d);
      NamedAttrList o(ArrayRef<NamedAttribute>{
          b.getNamedAttr("name", str(t.name)),
          b.getNamedAttr("dtype", str(dtypeOf(t.type))),
          b.getNamedAttr("shape", b.getArrayAttr(shape))});
      if (withCheckpoint)
        o.set("tensor", str(t.checkpointName));
      if (withCheckpoint && !t.alternatives.empty())
        o.set("tensor_else", b.getStrArrayAttr(llvm::to_vector_of<StringRef>(
                                 t.alternatives)));
      if (t.layers > 0)
        o.set("layers", b.getI64IntegerAttr(t.layers));
      if (t.defaultValue)
        o.set("default", b.getF64FloatAttr(*t.defaultValue));
      if (t.indexBound > 0)
        o.set("index_bound", b.getI64IntegerAttr(t.indexBound));
      if (!t.read)
        o.set("read", b.getBoolAttr(false));
      out.push_back(o.getDictionary(b.getContext()));
    }
    return out;
  };
  NamedAttrList constants;
  if (auto dict = model->getAttrOfType<DictionaryAttr>(kConstantsAttr))
    for (NamedAttribute c : dict) {
      if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
        constants.set(c.getName(), b.getI64IntegerAttr(i.getInt()));
      else if (auto f = dyn_cast<FloatAttr>(c.getValue()))
        constants.set(c.getName(), b.getF64FloatAttr(f.getValueAsDouble()));
    }
  NamedAttrList root(ArrayRef<NamedAttribute>{
      b.getNamedAttr("abi_version", b.getI64IntegerAttr(kAbiVersion)),
      b.getNamedAttr("name", str(getModelName(model))),
      b.getNamedAttr("fingerprint", str(getStringAttr(model->getAttrDictionary(),
                                                      kFingerprintAttr))),
      b.getNamedAttr("constants", constants.getDictionary(b.getContext())),
      b.getNamedAttr("dims", b.getStrArrayAttr(
                                 llvm::to_vector_of<StringRef>(dims))),
      b.getNamedAttr("inputs", b.getArrayAttr(tensors(inputs, false))),
      b.getNamedAttr("params", b.getArrayAttr(tensors(params, true))),
      b.getNamedAttr("outputs", b.getArrayAttr(tensors(outputs, false)))});
  TargetRecord target = getTargetRecord(model);
  if (!target.cpu.empty())
    root.set("target",
             b.getDictionaryAttr(
                 {b.getNamedAttr("cpu", str(target.cpu)),
                  b.getNamedAttr("features",
                                 b.getStrArrayAttr(llvm::to_vector_of<StringRef>(
                                     target.features)))}));
  if (!packs.empty()) {
    SmallVector<Attribute> packed = tensors(packs, false);
    for (auto [entry, pack] : llvm::zip(packed, packs)) {
      NamedAttrList o(cast<DictionaryAttr>(entry));
      o.set("of", pack.packOf);
      o.set("axis", b.getI64IntegerAttr(pack.packAxis));
      if (pack.packOutAxis >= 0) {
        o.set("layout", str(pack.packBlock   ? "scales"
                            : pack.packPairs ? "pairs"
                            : pack.packQuads ? "quads"
                                             : "panels"));
        o.set("out_axis", b.getI64IntegerAttr(pack.packOutAxis));
      }
      if (pack.packBlock)
        o.set("block", b.getI64IntegerAttr(pack.packBlock));
      entry = o.getDictionary(b.getContext());
    }
    root.set("packed_params", b.getArrayAttr(packed));
  }
  if (step) {
    // Keys and values of each site, in argument order: K0, V0, K1, V1, ...
    SmallVector<Attribute> sites;
    int64_t floatsPerToken = 0;
    for (unsigned i = 0; i < cacheSites.size(); i += 2) {
      ArrayRef<int64_t> shape = cacheSites[i].type.getShape().take_back(4);
      sites.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("layers", b.getI64IntegerAttr(cacheSites[i].layers)),
           b.getNamedAttr("kv_heads", b.getI64IntegerAttr(shape[1])),
           b.getNamedAttr("head_dim", b.getI64IntegerAttr(shape[3]))}));
      floatsPerToken += 2 * cacheSites[i].layers * shape[1] * shape[3];
    }
    NamedAttrList cache(ArrayRef<NamedAttribute>{
        b.getNamedAttr("batch_dim", str(batchDim)),
        b.getNamedAttr("seq_dim", str(seqDim)),
        b.getNamedAttr("dtype", str(dtypeOf(cacheSites.front().type))),
        b.getNamedAttr("floats_per_token", b.getI64IntegerAttr(floatsPerToken)),
        b.getNamedAttr("sites", b.getArrayAttr(sites))});
    SmallVector<Attribute> lastPosition;
    for (const AbiTensor &t : stepOutputs)
      if (step.getResultAttr(t.resultIndex, kLastPositionAttr))
        lastPosition.push_back(str(t.name));
    if (!lastPosition.empty())
      cache.set("last_position", b.getArrayAttr(lastPosition));
    root.set("kv_cache", cache.getDictionary(b.getContext()));
  }
  return root.getDictionary(b.getContext());
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
  // An empty C string until attnc-write-manifest writes the text.
  StringAttr empty = b.getStringAttr(StringRef("\0", 1));
  auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), 1);
  auto global = b.create<LLVM::GlobalOp>(loc, arrayType, /*isConstant=*/true,
                                         LLVM::Linkage::Internal,
                                         kManifestGlobal, empty);
  global->setAttr(kManifestAttr, manifest());
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

func::FuncOp ModelABIBuilder::createEntryFunction(StringRef symbol,
                                                  bool withCache) {
  Location loc = model.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
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
  return fn;
}

void ModelABIBuilder::loadDims(Location loc, Value dimsPtr) {
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  Type i64 = b.getI64Type();
  dimValues.clear();
  for (auto [i, name] : llvm::enumerate(dims)) {
    Value addr = b.create<LLVM::GEPOp>(loc, ptrType, i64, dimsPtr,
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
    dimValues[name] = b.create<LLVM::LoadOp>(loc, i64, addr);
  }
}

void ModelABIBuilder::bindBuffers(Location loc, Value bufsPtr,
                                  MutableArrayRef<Value> args,
                                  SmallVectorImpl<Value> &outBuffers) {
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  int32_t slot = 0;
  auto nextBuffer = [&](const AbiTensor &t) {
    Value addr = b.create<LLVM::GEPOp>(loc, ptrType, ptrType, bufsPtr,
                                       ArrayRef<LLVM::GEPArg>{slot++});
    Value ptr = b.create<LLVM::LoadOp>(loc, ptrType, addr);
    auto type = MemRefType::get(t.type.getShape(), t.type.getElementType());
    return memrefFromPointer(b, loc, ptr, type, sizesOf(loc, t));
  };
  auto readOnlyTensor = [&](const AbiTensor &t, Value memref) -> Value {
    return b.create<bufferization::ToTensorOp>(
        loc, t.type, memref, /*restrict=*/true, /*writable=*/false);
  };
  for (auto *list : {&inputs, &params})
    for (const AbiTensor &t : *list)
      args[t.argIndex] = readOnlyTensor(t, nextBuffer(t));
  for (const AbiTensor &t : entryOutputs)
    outBuffers.push_back(nextBuffer(t));
  for (const AbiTensor &t : packs)
    args[t.argIndex] = readOnlyTensor(t, nextBuffer(t));
}

void ModelABIBuilder::bindCache(Location loc, Block *entry,
                                MutableArrayRef<Value> args) {
  // The caches lie one after the other in the cache buffer, each
  // [layers, batch, kv_heads, capacity, head_dim] of the cache's dtype.
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  Value cachePtr = entry->getArgument(2), capacity = entry->getArgument(3);
  Value batch = dimValues.lookup(batchDim);
  Value offset = i64Constant(loc, 0);
  unsigned first = model.getNumArguments();
  for (auto [i, site] : llvm::enumerate(cacheSites)) {
    ArrayRef<int64_t> shape = site.type.getShape();
    SmallVector<Value> sizes;
    if (site.type.getRank() == 5)
      sizes.push_back(i64Constant(loc, site.layers));
    sizes.append({batch, i64Constant(loc, shape[shape.size() - 3]), capacity,
                  i64Constant(loc, shape.back())});
    Value ptr = b.create<LLVM::GEPOp>(loc, ptrType, b.getI8Type(), cachePtr,
                                      ValueRange{offset});
    args[first + i] = memrefFromPointer(b, loc, ptr, site.type, sizes);
    Value bytes = i64Constant(loc, site.type.getElementTypeBitWidth() / 8);
    for (Value size : sizes)
      bytes = b.create<LLVM::MulOp>(loc, bytes, size);
    offset = b.create<LLVM::AddOp>(loc, offset, bytes);
  }
  args.back() = b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                             entry->getArgument(4));
}

void ModelABIBuilder::callAndStore(Location loc, func::FuncOp callee,
                                   ValueRange args, ValueRange outBuffers) {
  auto call = b.create<func::CallOp>(loc, callee, args);
  for (auto [t, buffer] : llvm::zip(entryOutputs, outBuffers)) {
    auto materialize = b.create<bufferization::MaterializeInDestinationOp>(
        loc, TypeRange{}, call.getResult(t.resultIndex), buffer);
    materialize.setRestrict(true);
    materialize.setWritable(true);
  }
}

Value ModelABIBuilder::guardedCallAndStore(Location loc, Block *entry,
                                           func::FuncOp callee,
                                           ValueRange args,
                                           ValueRange outBuffers) {
  Value capacity = entry->getArgument(3), position = entry->getArgument(4);
  Value count = dimValues.lookup(seqDim);
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
        callAndStore(loc, callee, args, outBuffers);
        b.create<scf::YieldOp>(
            l, b.create<arith::ConstantIntOp>(l, 0, 32).getResult());
      },
      [&](OpBuilder &elseBuilder, Location l) {
        elseBuilder.create<scf::YieldOp>(
            l, elseBuilder.create<arith::ConstantIntOp>(l, 1, 32).getResult());
      });
  return guarded.getResult(0);
}

void ModelABIBuilder::buildEntry(StringRef symbol, func::FuncOp callee,
                                 bool withCache) {
  Location loc = model.getLoc();
  func::FuncOp fn = createEntryFunction(symbol, withCache);
  entryOutputs = withCache ? ArrayRef<AbiTensor>(stepOutputs) : outputs;
  OpBuilder::InsertionGuard guard(b);
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  loadDims(loc, entry->getArgument(0));
  SmallVector<Value> args(callee.getNumArguments()), outBuffers;
  bindBuffers(loc, entry->getArgument(1), args, outBuffers);
  if (!withCache) {
    callAndStore(loc, callee, args, outBuffers);
    b.create<func::ReturnOp>(loc, b.create<arith::ConstantIntOp>(loc, 0, 32)
                                      .getResult());
    return;
  }
  bindCache(loc, entry, args);
  b.create<func::ReturnOp>(
      loc, guardedCallAndStore(loc, entry, callee, args, outBuffers));
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
