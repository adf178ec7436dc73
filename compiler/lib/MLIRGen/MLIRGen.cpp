//===- MLIRGen.cpp - Checked AST to the attn dialect ----------------------===//
//
// Sema has resolved every name, folded every scalar and inferred every tensor
// type, so this is a direct walk: one function whose arguments are the
// model's inputs and parameters and whose results are its outputs, and one
// attn op (or a few, for `attention(...)` on [batch, seq, width] tensors) per
// expression node.
//
//===----------------------------------------------------------------------===//
#include "attnc/MLIRGen/MLIRGen.h"
#include "attnc/Codegen/ABI.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/ScopedHashTable.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>

using namespace mlir;
using namespace attnc;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

class MLIRGenImpl {
public:
  MLIRGenImpl(MLIRContext &context, const llvm::SourceMgr &sourceMgr)
      : builder(&context), sourceMgr(sourceMgr) {}

  OwningOpRef<ModuleOp> generate(const ast::Model &model);

private:
  Location loc(llvm::SMLoc l) {
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

  RankedTensorType tensorType(const ast::TensorType &t) {
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

  ArrayAttr shapeAttr(const ast::TensorType &t) {
    SmallVector<Attribute> dims;
    for (const ast::Dim &d : t.shape)
      dims.push_back(d.isStatic() ? Attribute(builder.getI64IntegerAttr(d.size))
                                  : Attribute(builder.getStringAttr(d.symbol)));
    return builder.getArrayAttr(dims);
  }

  Value gen(const ast::Expr &e);
  Value genCall(const ast::CallExpr &call);
  Value genBinary(const ast::BinaryExpr &bin);
  Value genAttention(const ast::CallExpr &call);

  static const ast::Expr *keyword(const ast::CallExpr &call, StringRef name) {
    for (const ast::KeywordArg &k : call.kwargs)
      if (k.name == name)
        return k.value.get();
    return nullptr;
  }

  OpBuilder builder;
  const llvm::SourceMgr &sourceMgr;
  llvm::StringMap<Value> values;
};

Value MLIRGenImpl::gen(const ast::Expr &e) {
  assert(e.tensorType && "MLIRGen reached a scalar or unchecked expression");
  Location l = loc(e.getLoc());
  RankedTensorType type = tensorType(*e.tensorType);
  switch (e.getKind()) {
  case ast::Expr::Kind::Ident:
    return values.lookup(cast<ast::IdentExpr>(e).name);
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
  const ast::Expr *causal = keyword(call, "causal");
  const ast::Expr *scale = keyword(call, "scale");
  bool isCausal = causal && causal->scalar->value != 0;
  bool splitMerge = call.args[0]->tensorType->rank() == 3;

  auto split = [&](Value x, int64_t heads) -> Value {
    auto t = cast<RankedTensorType>(x.getType());
    auto resultType = RankedTensorType::get(
        {t.getDimSize(0), heads, t.getDimSize(1), t.getDimSize(2) / heads},
        t.getElementType());
    return builder.create<attn::SplitHeadsOp>(l, resultType, x, heads);
  };
  if (splitMerge) {
    int64_t heads = keyword(call, "heads")->scalar->asInt();
    q = split(q, heads);
    k = split(k, heads);
    v = split(v, heads);
  }
  auto qType = cast<RankedTensorType>(q.getType());
  auto vType = cast<RankedTensorType>(v.getType());
  int64_t headDim = qType.getDimSize(3);
  double factor = scale ? scale->scalar->value
                        : 1.0 / std::sqrt(static_cast<double>(headDim));
  auto outType = RankedTensorType::get(
      {qType.getDimSize(0), qType.getDimSize(1), qType.getDimSize(2),
       vType.getDimSize(3)},
      qType.getElementType());
  Value out = builder.create<attn::AttentionOp>(
      l, outType, q, k, v, isCausal, static_cast<float>(factor));
  if (!splitMerge)
    return out;
  return builder.create<attn::MergeHeadsOp>(l, tensorType(*call.tensorType),
                                            out);
}

Value MLIRGenImpl::genCall(const ast::CallExpr &call) {
  Location l = loc(call.getLoc());
  RankedTensorType type = tensorType(*call.tensorType);
  StringRef callee = call.callee;
  if (callee == "attention")
    return genAttention(call);
  if (callee == "linear") {
    attn::WeightLayout layout = attn::WeightLayout::OutIn;
    if (auto *ident = dyn_cast<ast::IdentExpr>(call.args[1].get()))
      if (auto *param = dyn_cast_or_null<ast::ParamDecl>(ident->decl))
        if (param->layout == ast::WeightLayout::InOut)
          layout = attn::WeightLayout::InOut;
    Value bias = call.args.size() > 2 ? gen(*call.args[2]) : Value();
    return builder.create<attn::LinearOp>(l, type, gen(*call.args[0]),
                                          gen(*call.args[1]), bias, layout);
  }
  if (callee == "transpose")
    return builder.create<attn::TransposeOp>(l, type, gen(*call.args[0]));
  if (callee == "softmax")
    return builder.create<attn::SoftmaxOp>(l, type, gen(*call.args[0]));
  if (callee == "causal_mask")
    return builder.create<attn::CausalMaskOp>(l, type, gen(*call.args[0]));
  if (callee == "split_heads")
    return builder.create<attn::SplitHeadsOp>(
        l, type, gen(*call.args[0]), call.args[1]->scalar->asInt());
  if (callee == "merge_heads")
    return builder.create<attn::MergeHeadsOp>(l, type, gen(*call.args[0]));
  llvm_unreachable("Sema accepts no other tensor builtin");
}

OwningOpRef<ModuleOp> MLIRGenImpl::generate(const ast::Model &model) {
  Location modelLoc = loc(model.loc);
  OwningOpRef<ModuleOp> module = ModuleOp::create(modelLoc);

  // Arguments: inputs and parameters in declaration order.
  SmallVector<const ast::Decl *> args;
  SmallVector<const ast::OutputDecl *> outputs;
  llvm::StringSet<> usedDims;
  for (const ast::DeclPtr &d : model.decls) {
    if (auto *input = dyn_cast<ast::InputDecl>(d.get())) {
      args.push_back(input);
      for (const ast::Dim &dim : input->type.resolved->shape)
        if (!dim.isStatic())
          usedDims.insert(dim.symbol);
    } else if (isa<ast::ParamDecl>(d.get())) {
      args.push_back(d.get());
    } else if (auto *output = dyn_cast<ast::OutputDecl>(d.get())) {
      outputs.push_back(output);
    }
  }
  auto typeOf = [](const ast::Decl *d) -> const ast::TensorType & {
    if (auto *input = dyn_cast<ast::InputDecl>(d))
      return *input->type.resolved;
    return *cast<ast::ParamDecl>(d)->type.resolved;
  };
  SmallVector<Type> argTypes, resultTypes;
  for (const ast::Decl *d : args)
    argTypes.push_back(tensorType(typeOf(d)));
  for (const ast::OutputDecl *o : outputs)
    resultTypes.push_back(tensorType(*o->value->tensorType));

  builder.setInsertionPointToEnd(module->getBody());
  auto fn = builder.create<func::FuncOp>(
      modelLoc, model.name, builder.getFunctionType(argTypes, resultTypes));
  fn->setAttr(kModelAttr, builder.getStringAttr(model.name));
  SmallVector<Attribute> dims;
  for (const ast::DeclPtr &d : model.decls)
    if (isa<ast::DimDecl>(d.get()) && usedDims.contains(d->name))
      dims.push_back(builder.getStringAttr(d->name));
  fn->setAttr(kDimsAttr, builder.getArrayAttr(dims));

  Block *entry = fn.addEntryBlock();
  for (auto [i, d] : llvm::enumerate(args)) {
    bool isInput = isa<ast::InputDecl>(d);
    fn.setArgAttr(i, kKindAttr,
                  builder.getStringAttr(isInput ? "input" : "param"));
    fn.setArgAttr(i, kNameAttr, builder.getStringAttr(d->name));
    fn.setArgAttr(i, kShapeAttr, shapeAttr(typeOf(d)));
    if (auto *param = dyn_cast<ast::ParamDecl>(d))
      fn.setArgAttr(i, kTensorAttr, builder.getStringAttr(param->tensorName()));
    values[d->name] = entry->getArgument(i);
  }
  for (auto [i, o] : llvm::enumerate(outputs)) {
    fn.setResultAttr(i, kNameAttr, builder.getStringAttr(o->name));
    fn.setResultAttr(i, kShapeAttr, shapeAttr(*o->value->tensorType));
  }

  builder.setInsertionPointToStart(entry);
  SmallVector<Value> results;
  for (const ast::DeclPtr &d : model.decls) {
    if (auto *let = dyn_cast<ast::LetDecl>(d.get())) {
      // Scalar lets are folded by Sema and never reach the IR.
      if (let->value->tensorType)
        values[let->name] = gen(*let->value);
    } else if (auto *output = dyn_cast<ast::OutputDecl>(d.get())) {
      Value v = gen(*output->value);
      values[output->name] = v;
      results.push_back(v);
    }
  }
  builder.create<func::ReturnOp>(loc(model.loc), results);

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
  context.getOrLoadDialect<attn::AttnDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  return MLIRGenImpl(context, sourceMgr).generate(model);
}
