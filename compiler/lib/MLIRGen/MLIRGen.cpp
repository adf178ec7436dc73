//===- MLIRGen.cpp - Checked AST to the attn dialect ----------------------===//
//
// Sema has resolved every name, folded every scalar and inferred every tensor
// type, so this is a direct walk: one function whose arguments are the
// model's inputs and parameters and whose results are its outputs, and one
// attn op (or a few) per expression node. Blocks called once are inlined;
// `repeat N block(x)` becomes one scf.for over the layers whose per-layer
// parameters are stacked [N, ...] arguments sliced at the loop index, so the
// IR does not grow with N.
//
//===----------------------------------------------------------------------===//
#include "attnc/MLIRGen/MLIRGen.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"
#include "attnc/Frontend/Sema.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/xxhash.h"

#include <cmath>

using namespace mlir;
using namespace attnc;
using llvm::cast;
using llvm::dyn_cast;
using llvm::dyn_cast_or_null;
using llvm::isa;

namespace {

class MLIRGenImpl {
public:
  MLIRGenImpl(MLIRContext &context, const llvm::SourceMgr &sourceMgr)
      : builder(&context), sourceMgr(sourceMgr) {}

  OwningOpRef<ModuleOp> generate(const ast::Model &model);

private:
  Location loc(llvm::SMLoc l);
  RankedTensorType tensorType(const ast::TensorType &t);
  ArrayAttr shapeAttr(ArrayRef<ast::Dim> shape, int64_t layers = 0);

  /// The model function's arguments, in ABI order.
  struct Argument {
    const ast::Decl *decl;
    std::string name; // unique: block parameters are `block.param`
    int64_t layers;   // > 0: stacked per-layer parameter
  };
  SmallVector<Argument> collectArguments(const ast::Model &model);
  /// Gives the bf16/f16 parameters their storage type, or fails with an
  /// error at a use that cannot read it.
  LogicalResult applyStorageTypes(func::FuncOp fn, ArrayRef<Argument> args);
  void annotateFunction(func::FuncOp fn, const ast::Model &model,
                        ArrayRef<Argument> args,
                        ArrayRef<const ast::OutputDecl *> outputs);

  Value gen(const ast::Expr &e);
  Value genCall(const ast::CallExpr &call);
  Value genBinary(const ast::BinaryExpr &bin);
  Value genAttention(const ast::CallExpr &call);
  Value genReshape(const ast::CallExpr &call);
  Value genLinear(const ast::CallExpr &call, Type type);
  Value genActivation(StringRef name, Type type, Value x, Location l);
  Value genRepeat(const ast::RepeatExpr &repeat);
  /// Binds the block's arguments to `args` and emits its body, returning
  /// the value of its `return` expression.
  Value genBlockBody(const ast::BlockDecl &block, ValueRange args);

  static const ast::Expr *keyword(const ast::CallExpr &call, StringRef name) {
    for (const ast::KeywordArg &k : call.kwargs)
      if (k.name == name)
        return k.value.get();
    return nullptr;
  }
  static double scalarOr(const ast::Expr *e, double fallback) {
    return e ? e->scalar->value : fallback;
  }

  OpBuilder builder;
  const llvm::SourceMgr &sourceMgr;
  /// The value of every declaration in scope: inputs, parameters (inside a
  /// repeat, per-layer ones are the current layer's slice), lets, block
  /// arguments.
  llvm::DenseMap<const ast::Decl *, Value> values;
};

Location MLIRGenImpl::loc(llvm::SMLoc l) {
  if (!l.isValid())
    return builder.getUnknownLoc();
  unsigned buffer = sourceMgr.FindBufferContainingLoc(l);
  if (!buffer)
    return builder.getUnknownLoc();
  auto [line, col] = sourceMgr.getLineAndColumn(l, buffer);
  return FileLineColLoc::get(
      builder.getStringAttr(
          sourceMgr.getMemoryBuffer(buffer)->getBufferIdentifier()),
      line, col);
}

RankedTensorType MLIRGenImpl::tensorType(const ast::TensorType &t) {
  SmallVector<int64_t> shape;
  for (const ast::Dim &d : t.shape)
    shape.push_back(d.isStatic() ? d.size : ShapedType::kDynamic);
  Type element;
  switch (t.elementType) {
  case ast::ElementType::F32:
    element = builder.getF32Type();
    break;
  case ast::ElementType::I32:
    element = builder.getI32Type();
    break;
  case ast::ElementType::I64:
    element = builder.getI64Type();
    break;
  }
  return RankedTensorType::get(shape, element);
}

ArrayAttr MLIRGenImpl::shapeAttr(ArrayRef<ast::Dim> shape, int64_t layers) {
  SmallVector<Attribute> dims;
  if (layers > 0)
    dims.push_back(builder.getI64IntegerAttr(layers));
  for (const ast::Dim &d : shape)
    dims.push_back(d.isStatic() ? Attribute(builder.getI64IntegerAttr(d.size))
                                : Attribute(builder.getStringAttr(d.symbol)));
  return builder.getArrayAttr(dims);
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

Value MLIRGenImpl::gen(const ast::Expr &e) {
  assert(e.tensorType && "MLIRGen reached a scalar or unchecked expression");
  Location l = loc(e.getLoc());
  RankedTensorType type = tensorType(*e.tensorType);
  switch (e.getKind()) {
  case ast::Expr::Kind::Ident:
    return values.lookup(cast<ast::IdentExpr>(e).decl);
  case ast::Expr::Kind::Call:
    return genCall(cast<ast::CallExpr>(e));
  case ast::Expr::Kind::Binary:
    return genBinary(cast<ast::BinaryExpr>(e));
  case ast::Expr::Kind::Unary:
    return builder.create<attn::ScaleOp>(
        l, type, gen(*cast<ast::UnaryExpr>(e).operand),
        builder.getF32FloatAttr(-1.0f));
  case ast::Expr::Kind::Transpose:
    return builder.create<attn::TransposeOp>(
        l, type, gen(*cast<ast::TransposeExpr>(e).operand));
  case ast::Expr::Kind::Conditional:
    return gen(*cast<ast::ConditionalExpr>(e).chosen);
  case ast::Expr::Kind::Repeat:
    return genRepeat(cast<ast::RepeatExpr>(e));
  case ast::Expr::Kind::Number:
    break;
  }
  llvm_unreachable("numbers are scalars");
}

Value MLIRGenImpl::genBinary(const ast::BinaryExpr &bin) {
  Location l = loc(bin.getLoc());
  RankedTensorType type = tensorType(*bin.tensorType);
  using Op = ast::BinaryExpr::Op;
  // Scaling by a compile-time scalar.
  if (bin.lhs->scalar || bin.rhs->scalar) {
    const ast::Expr &tensor = bin.lhs->scalar ? *bin.rhs : *bin.lhs;
    double factor = (bin.lhs->scalar ? bin.lhs : bin.rhs)->scalar->value;
    if (bin.op == Op::Div)
      factor = 1.0 / factor;
    return builder.create<attn::ScaleOp>(
        l, type, gen(tensor),
        builder.getF32FloatAttr(static_cast<float>(factor)));
  }
  Value lhs = gen(*bin.lhs), rhs = gen(*bin.rhs);
  if (bin.op != Op::MatMul) {
    // Operands of other shapes are broadcast (numpy rules, Sema checked).
    Value l0 = lhs;
    if (lhs.getType() != type)
      lhs = builder.create<attn::ExpandOp>(l, type, lhs, rhs);
    if (rhs.getType() != type)
      rhs = builder.create<attn::ExpandOp>(l, type, rhs, l0);
  }
  switch (bin.op) {
  case Op::MatMul:
    return builder.create<attn::MatmulOp>(l, type, lhs, rhs);
  case Op::Add:
    return builder.create<attn::AddOp>(l, type, lhs, rhs);
  case Op::Sub:
    return builder.create<attn::SubOp>(l, type, lhs, rhs);
  case Op::Mul:
    return builder.create<attn::MulOp>(l, type, lhs, rhs);
  case Op::Div:
    return builder.create<attn::DivOp>(l, type, lhs, rhs);
  default:
    llvm_unreachable("Sema accepts no other operator on tensors");
  }
}

Value MLIRGenImpl::genAttention(const ast::CallExpr &call) {
  Location l = loc(call.getLoc());
  Value q = gen(*call.args[0]), k = gen(*call.args[1]), v = gen(*call.args[2]);
  const ast::Expr *mask = keyword(call, "mask");
  bool causal = scalarOr(keyword(call, "causal"), 0) != 0;
  // window = 0 is no window (Mistral's "sliding_window": null).
  auto window = static_cast<int64_t>(scalarOr(keyword(call, "window"), 0));
  bool alibi = scalarOr(keyword(call, "alibi"), 0) != 0;
  bool splitMerge = call.args[0]->tensorType->rank() == 3;

  // The ops' shape rules (ShapeRule.h) give the types of these
  // intermediate values, which no DSL expression names.
  Type f32 = builder.getF32Type();
  auto split = [&](Value x, int64_t heads) -> Value {
    return attn::createWithShapeRule<attn::SplitHeadsOp>(builder, l, f32, x,
                                                         heads);
  };
  if (splitMerge) {
    int64_t heads = keyword(call, "heads")->scalar->asInt();
    int64_t kvHeads =
        static_cast<int64_t>(scalarOr(keyword(call, "kv_heads"), heads));
    q = split(q, heads);
    k = split(k, kvHeads);
    v = split(v, kvHeads);
  }
  auto qType = cast<RankedTensorType>(q.getType());
  double scale = scalarOr(
      keyword(call, "scale"),
      1.0 / std::sqrt(static_cast<double>(qType.getDimSize(3))));
  Value out = attn::createWithShapeRule<attn::AttentionOp>(
      builder, l, f32, q, k, v, mask ? gen(*mask) : Value(),
      causal ? builder.getUnitAttr() : UnitAttr(),
      builder.getF32FloatAttr(static_cast<float>(scale)),
      window ? builder.getI64IntegerAttr(window) : IntegerAttr(),
      alibi ? builder.getUnitAttr() : UnitAttr());
  if (!splitMerge)
    return out;
  return builder.create<attn::MergeHeadsOp>(l, tensorType(*call.tensorType),
                                            out);
}

/// An activation builtin is the attn op of its name (Attn_ActivationOp in
/// AttnOps.td): no line here per activation.
Value MLIRGenImpl::genActivation(StringRef name, Type type, Value x,
                                 Location l) {
  OperationState state(l, ("attn." + name).str());
  state.addOperands(x);
  state.addTypes(type);
  return builder.create(state)->getResult(0);
}

Value MLIRGenImpl::genReshape(const ast::CallExpr &call) {
  // Each dynamic dimension of the result takes its size from an input
  // dimension of the same dim name, each used once (Sema checked that the
  // names agree as a multiset).
  const std::vector<ast::Dim> &from = call.args[0]->tensorType->shape;
  SmallVector<bool> used(from.size(), false);
  SmallVector<int64_t> dims;
  for (const ast::Dim &d : call.tensorType->shape) {
    if (d.isStatic())
      continue;
    for (size_t i = 0; i < from.size(); ++i)
      if (!used[i] && from[i] == d) {
        used[i] = true;
        dims.push_back(static_cast<int64_t>(i));
        break;
      }
  }
  return builder.create<attn::ReshapeOp>(loc(call.getLoc()),
                                         tensorType(*call.tensorType),
                                         gen(*call.args[0]), dims);
}

Value MLIRGenImpl::genLinear(const ast::CallExpr &call, Type type) {
  Location l = loc(call.getLoc());
  attn::WeightLayout layout = attn::WeightLayout::OutIn;
  if (auto *ident = dyn_cast<ast::IdentExpr>(call.args[1].get()))
    if (auto *param = dyn_cast_or_null<ast::ParamDecl>(ident->decl))
      if (param->layout == ast::WeightLayout::InOut)
        layout = attn::WeightLayout::InOut;
  Value bias = call.args.size() > 2 ? gen(*call.args[2]) : Value();
  Value weight = gen(*call.args[1]);
  // A convolution's weight [out, C, kh, kw] read as [out, C * kh * kw].
  if (auto w = cast<RankedTensorType>(weight.getType()); w.getRank() > 2) {
    SmallVector<ReassociationIndices> groups = {{0}, {}};
    for (int64_t i = 1; i < w.getRank(); ++i)
      groups[1].push_back(i);
    weight = builder.create<tensor::CollapseShapeOp>(l, weight, groups);
  }
  return builder.create<attn::LinearOp>(l, type, gen(*call.args[0]), weight,
                                        bias, layout);
}

Value MLIRGenImpl::genCall(const ast::CallExpr &call) {
  if (call.block) {
    SmallVector<Value> args;
    for (const ast::ExprPtr &a : call.args)
      args.push_back(gen(*a));
    return genBlockBody(*call.block, args);
  }
  Location l = loc(call.getLoc());
  RankedTensorType type = tensorType(*call.tensorType);
  auto arg = [&](unsigned i) { return gen(*call.args[i]); };
  auto intArg = [&](unsigned i) { return call.args[i]->scalar->asInt(); };
  auto eps = [&](double fallback) {
    return static_cast<float>(scalarOr(keyword(call, "eps"), fallback));
  };

  using K = ast::BuiltinKind;
  switch (call.builtin) {
  case K::Attention:
    return genAttention(call);
  case K::Linear:
    return genLinear(call, type);
  case K::Transpose:
    return builder.create<attn::TransposeOp>(l, type, arg(0));
  case K::Softmax:
    return builder.create<attn::SoftmaxOp>(l, type, arg(0));
  case K::CausalMask:
    return builder.create<attn::CausalMaskOp>(l, type, arg(0));
  case K::PaddingMask:
    return builder.create<attn::PaddingMaskOp>(l, type, arg(0), arg(1));
  case K::RepeatKV:
    return builder.create<attn::RepeatKVOp>(l, type, arg(0), intArg(1));
  case K::SplitHeads:
    return builder.create<attn::SplitHeadsOp>(l, type, arg(0), intArg(1));
  case K::MergeHeads:
    return builder.create<attn::MergeHeadsOp>(l, type, arg(0));
  case K::Reshape:
    return genReshape(call);
  case K::LayerNorm:
    return builder.create<attn::LayerNormOp>(l, arg(0), arg(1), arg(2),
                                             eps(1e-5));
  case K::RMSNorm:
    return builder.create<attn::RMSNormOp>(l, arg(0), arg(1), eps(1e-6));
  case K::Activation:
    return genActivation(call.callee, type, arg(0), l);
  case K::Swiglu: {
    Value gate = builder.create<attn::SiluOp>(l, type, arg(0));
    return builder.create<attn::MulOp>(l, type, gate, arg(1));
  }
  case K::Embedding:
    return builder.create<attn::EmbeddingOp>(l, type, arg(0), arg(1));
  case K::Positions:
    return builder.create<attn::PositionsOp>(l, type, arg(0), Value());
  case K::Sinusoidal:
    return builder.create<attn::SinusoidalOp>(l, type, arg(0));
  case K::Rope:
    return builder.create<attn::RopeOp>(
        l, arg(0), arg(1),
        static_cast<float>(scalarOr(keyword(call, "theta"), 10000.0)));
  case K::Slice:
    return builder.create<attn::SliceOp>(l, type, arg(0), intArg(1),
                                         intArg(2));
  case K::Concat:
    return builder.create<attn::ConcatOp>(l, type, arg(0), arg(1), intArg(2));
  case K::Select:
    return builder.create<attn::SelectOp>(l, type, arg(0), intArg(1),
                                          intArg(2));
  case K::Permute: {
    SmallVector<int64_t> dims;
    for (size_t i = 1; i < call.args.size(); ++i)
      dims.push_back(intArg(i));
    return builder.create<attn::PermuteOp>(l, type, arg(0), dims);
  }
  case K::Sum:
    return builder.create<attn::SumOp>(l, type, arg(0));
  case K::Mean:
    return builder.create<attn::MeanOp>(l, type, arg(0));
  case K::Max:
    return builder.create<attn::MaxOp>(l, type, arg(0));
  case K::Patches:
    return builder.create<attn::PatchesOp>(l, type, arg(0), intArg(1));
  case K::Sqrt: // a scalar: Sema folded it
  case K::None:
    break;
  }
  llvm_unreachable("Sema accepts no other tensor builtin");
}

Value MLIRGenImpl::genBlockBody(const ast::BlockDecl &block, ValueRange args) {
  for (auto [decl, value] : llvm::zip(block.args, args))
    values[decl.get()] = value;
  for (const ast::DeclPtr &d : block.body)
    if (auto *let = dyn_cast<ast::LetDecl>(d.get()))
      if (let->value->tensorType)
        values[let] = gen(*let->value);
  return gen(*block.result);
}

Value MLIRGenImpl::genRepeat(const ast::RepeatExpr &repeat) {
  Location l = loc(repeat.getLoc());
  const ast::BlockDecl &block = *repeat.decl;
  SmallVector<Value> args;
  for (const ast::ExprPtr &a : repeat.args)
    args.push_back(gen(*a));

  Value lower = builder.create<arith::ConstantIndexOp>(l, 0);
  Value upper = builder.create<arith::ConstantIndexOp>(l, repeat.resolvedCount);
  Value step = builder.create<arith::ConstantIndexOp>(l, 1);
  // Per-layer parameters are bound to their slices inside the loop only.
  llvm::DenseMap<const ast::Decl *, Value> outside = values;
  // Named so that the profile tells layers apart (attnc-profile-regions).
  auto loop = builder.create<scf::ForOp>(
      NameLoc::get(builder.getStringAttr(kLayerLoopLocName), l), lower, upper, step, ValueRange{args[0]},
      [&](OpBuilder &b, Location bodyLoc, Value layer, ValueRange carried) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPoint(b.getInsertionBlock(),
                                  b.getInsertionPoint());
        for (const ast::DeclPtr &d : block.body) {
          auto *param = dyn_cast<ast::ParamDecl>(d.get());
          if (!param || !param->perLayer)
            continue;
          RankedTensorType sliceType = tensorType(*param->type.resolved);
          Value stacked = outside.lookup(param);
          SmallVector<OpFoldResult> offsets{layer}, sizes{builder.getIndexAttr(1)},
              strides(sliceType.getRank() + 1, builder.getIndexAttr(1));
          for (int64_t size : sliceType.getShape()) {
            offsets.push_back(builder.getIndexAttr(0));
            sizes.push_back(builder.getIndexAttr(size));
          }
          values[param] = builder.create<tensor::ExtractSliceOp>(
              bodyLoc, sliceType, stacked, offsets, sizes, strides);
        }
        SmallVector<Value> layerArgs{carried[0]};
        layerArgs.append(args.begin() + 1, args.end());
        Value result = genBlockBody(block, layerArgs);
        builder.create<scf::YieldOp>(bodyLoc, result);
      });
  values = std::move(outside);
  return loop.getResult(0);
}

//===----------------------------------------------------------------------===//
// The model function
//===----------------------------------------------------------------------===//

SmallVector<MLIRGenImpl::Argument>
MLIRGenImpl::collectArguments(const ast::Model &model) {
  SmallVector<Argument> inputs, params;
  for (const ast::DeclPtr &d : model.decls) {
    if (isa<ast::InputDecl>(d.get()))
      inputs.push_back({d.get(), d->name, 0});
    else if (isa<ast::ParamDecl>(d.get()))
      params.push_back({d.get(), d->name, 0});
    else if (auto *block = dyn_cast<ast::BlockDecl>(d.get()); block &&
                                                              block->used)
      for (const ast::DeclPtr &bd : block->body)
        if (auto *param = dyn_cast<ast::ParamDecl>(bd.get()))
          params.push_back({param, block->name + "." + param->name,
                            param->perLayer ? block->repeatCount : 0});
  }
  inputs.append(params.begin(), params.end());
  return inputs;
}

void MLIRGenImpl::annotateFunction(func::FuncOp fn, const ast::Model &model,
                                   ArrayRef<Argument> args,
                                   ArrayRef<const ast::OutputDecl *> outputs) {
  fn->setAttr(kModelAttr, builder.getStringAttr(model.name));

  // Dynamic dims in declaration order, those the inputs determine.
  llvm::StringSet<> inputDims;
  for (const Argument &a : args)
    if (auto *input = dyn_cast<ast::InputDecl>(a.decl))
      for (const ast::Dim &dim : input->type.resolved->shape)
        if (!dim.isStatic())
          inputDims.insert(dim.symbol);
  SmallVector<Attribute> dims;
  SmallVector<NamedAttribute> constants;
  for (const ast::DeclPtr &d : model.decls) {
    if (isa<ast::DimDecl>(d.get()) && inputDims.contains(d->name))
      dims.push_back(builder.getStringAttr(d->name));
    if (auto *c = dyn_cast<ast::ConstDecl>(d.get()))
      constants.push_back(builder.getNamedAttr(
          c->name, c->resolved->isInteger
                       ? Attribute(builder.getI64IntegerAttr(c->resolved->asInt()))
                       : Attribute(builder.getF64FloatAttr(c->resolved->value))));
  }
  fn->setAttr(kDimsAttr, builder.getArrayAttr(dims));
  fn->setAttr(kConstantsAttr, builder.getDictionaryAttr(constants));

  // The fingerprint identifies the model description after overrides: the
  // source text and every constant's final value.
  uint64_t hash = llvm::xxh3_64bits(
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer());
  for (const NamedAttribute &c : constants) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << c.getName().getValue() << "=" << c.getValue();
    hash = llvm::xxh3_64bits(text) ^ (hash * 0x9E3779B97F4A7C15ull);
  }
  fn->setAttr(kFingerprintAttr,
              builder.getStringAttr(llvm::utohexstr(hash, /*LowerCase=*/true)));

  for (auto [i, a] : llvm::enumerate(args)) {
    if (auto *input = dyn_cast<ast::InputDecl>(a.decl)) {
      fn.setArgAttr(i, kKindAttr, builder.getStringAttr(kInputKind));
      fn.setArgAttr(i, kShapeAttr, shapeAttr(input->type.resolved->shape));
      if (input->resolvedDefault)
        fn.setArgAttr(i, kDefaultAttr,
                      builder.getF64FloatAttr(input->resolvedDefault->value));
    } else {
      auto *param = cast<ast::ParamDecl>(a.decl);
      fn.setArgAttr(i, kKindAttr, builder.getStringAttr(kParamKind));
      if (param->alternatives.empty()) {
        fn.setArgAttr(i, kTensorAttr,
                      builder.getStringAttr(param->tensorName()));
      } else {
        SmallVector<Attribute> sources;
        for (const std::string &source : param->tensorSources())
          sources.push_back(builder.getStringAttr(source));
        fn.setArgAttr(i, kTensorAttr, builder.getArrayAttr(sources));
      }
      fn.setArgAttr(i, kShapeAttr,
                    shapeAttr(param->type.resolved->shape, a.layers));
      if (a.layers > 0)
        fn.setArgAttr(i, kLayersAttr, builder.getI64IntegerAttr(a.layers));
    }
    fn.setArgAttr(i, kNameAttr, builder.getStringAttr(a.name));
  }
  for (auto [i, o] : llvm::enumerate(outputs)) {
    fn.setResultAttr(i, kNameAttr, builder.getStringAttr(o->name));
    fn.setResultAttr(i, kShapeAttr, shapeAttr(o->value->tensorType->shape));
  }
}

LogicalResult MLIRGenImpl::applyStorageTypes(func::FuncOp fn,
                                             ArrayRef<Argument> args) {
  bool ok = true;
  for (auto [i, a] : llvm::enumerate(args)) {
    auto *param = dyn_cast<ast::ParamDecl>(a.decl);
    if (!param || param->storage == ast::StorageType::F32)
      continue;
    BlockArgument arg = fn.getArgument(i);
    StringRef storage = ast::stringifyStorageType(param->storage);
    // Sema (TensorType::storage) admits a narrow parameter only where
    // these uses arise.
    if (Operation *user = firstNonWeightUser(arg)) {
      user->emitError() << "internal error: parameter '" << param->name
                        << "' is stored as " << storage
                        << " but read other than as a weight";
      ok = false;
      continue;
    }
    setWeightStorage(fn, arg, *parseWeightType(fn.getContext(), storage));
  }
  return success(ok);
}

OwningOpRef<ModuleOp> MLIRGenImpl::generate(const ast::Model &model) {
  Location modelLoc = loc(model.loc);
  OwningOpRef<ModuleOp> module = ModuleOp::create(modelLoc);

  SmallVector<Argument> args = collectArguments(model);
  SmallVector<const ast::OutputDecl *> outputs;
  for (const ast::DeclPtr &d : model.decls)
    if (auto *output = dyn_cast<ast::OutputDecl>(d.get()))
      outputs.push_back(output);

  SmallVector<Type> argTypes, resultTypes;
  for (const Argument &a : args) {
    const ast::TensorType &t =
        isa<ast::InputDecl>(a.decl)
            ? *cast<ast::InputDecl>(a.decl)->type.resolved
            : *cast<ast::ParamDecl>(a.decl)->type.resolved;
    RankedTensorType type = tensorType(t);
    if (a.layers > 0) {
      SmallVector<int64_t> stacked{a.layers};
      llvm::append_range(stacked, type.getShape());
      type = RankedTensorType::get(stacked, type.getElementType());
    }
    argTypes.push_back(type);
  }
  for (const ast::OutputDecl *o : outputs)
    resultTypes.push_back(tensorType(*o->value->tensorType));

  builder.setInsertionPointToEnd(module->getBody());
  auto fn = builder.create<func::FuncOp>(
      modelLoc, model.name, builder.getFunctionType(argTypes, resultTypes));
  annotateFunction(fn, model, args, outputs);

  Block *entry = fn.addEntryBlock();
  for (auto [i, a] : llvm::enumerate(args)) {
    // Located at its `input` or `param` declaration, like every op.
    entry->getArgument(i).setLoc(loc(a.decl->nameLoc));
    values[a.decl] = entry->getArgument(i);
  }

  builder.setInsertionPointToStart(entry);
  SmallVector<Value> results;
  for (const ast::DeclPtr &d : model.decls) {
    if (auto *let = dyn_cast<ast::LetDecl>(d.get())) {
      // Scalar lets are folded by Sema and never reach the IR.
      if (let->value->tensorType)
        values[let] = gen(*let->value);
    } else if (auto *output = dyn_cast<ast::OutputDecl>(d.get())) {
      Value v = gen(*output->value);
      values[output] = v;
      results.push_back(v);
    }
  }
  builder.create<func::ReturnOp>(loc(model.loc), results);
  if (failed(applyStorageTypes(fn, args)))
    return nullptr;

  if (failed(verify(*module))) {
    module->emitError("internal error: the generated attn IR does not verify");
    return nullptr;
  }
  return module;
}

} // namespace

OwningOpRef<ModuleOp> attnc::mlirGen(MLIRContext &context,
                                     const ast::Model &model,
                                     const llvm::SourceMgr &sourceMgr) {
  context.loadDialect<attn::AttnDialect, arith::ArithDialect,
                      func::FuncDialect, scf::SCFDialect,
                      tensor::TensorDialect>();
  return MLIRGenImpl(context, sourceMgr).generate(model);
}
