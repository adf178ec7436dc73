//===- ModelCost.cpp - Parameters and FLOPs of an attn model --------------===//
#include "attnc/Analysis/ModelCost.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace attnc;

namespace {

/// A tensor's dims as polynomials in the model's dims; empty if unknown.
using Shape = SmallVector<Polynomial, 4>;

class CostAnalysis {
public:
  CostAnalysis(func::FuncOp model, ModelCost &cost)
      : model(model), cost(cost) {}
  LogicalResult run();

private:
  unsigned symbolFor(StringRef dim);
  /// The shape of `value`, from the shapes already derived.
  Shape shapeOf(Value value) { return shapes.lookup(value); }
  /// The result shape of `op`: static sizes from its type, dynamic ones by
  /// the op's shape rule (ShapeRule.h).
  Shape deriveShape(Operation *op);
  void visitBlock(Block &block, int64_t repeat);
  void count(Operation *op, int64_t repeat);

  func::FuncOp model;
  ModelCost &cost;
  llvm::DenseMap<Value, Shape> shapes;
};

unsigned CostAnalysis::symbolFor(StringRef dim) {
  auto it = llvm::find(cost.dims, dim.str());
  if (it != cost.dims.end())
    return it - cost.dims.begin();
  cost.dims.push_back(dim.str());
  return cost.dims.size() - 1;
}

Polynomial product(ArrayRef<Polynomial> dims) {
  Polynomial p = Polynomial::constant(1);
  for (const Polynomial &d : dims)
    p = p * d;
  return p;
}

Shape CostAnalysis::deriveShape(Operation *op) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type)
    return {};
  // Every attn op has a rule (AttnDialect.cpp); other ops' results are
  // known where static.
  attn::ShapeRule rule;
  if (auto shaped = dyn_cast<attn::ShapeRuleOpInterface>(op))
    rule = shaped.getShapeRule();
  Shape shape;
  for (auto [d, size] : llvm::enumerate(type.getShape())) {
    // Static sizes are known whatever the rule says.
    if (!ShapedType::isDynamic(size)) {
      shape.push_back(Polynomial::constant(size));
      continue;
    }
    // A dynamic size is the polynomial of the operand dim the rule names.
    auto from = d < rule.size() ? rule[d].operandDim() : std::nullopt;
    if (!from)
      return {};
    Shape operand = shapeOf(op->getOperand(from->first));
    if (from->second >= operand.size())
      return {};
    shape.push_back(operand[from->second]);
  }
  return shape;
}

void CostAnalysis::count(Operation *op, int64_t repeat) {
  auto add = [&](Contraction c, bool sized) {
    if (!sized) {
      ++cost.unsized;
      return;
    }
    c.repeat = repeat;
    cost.contractions.push_back(std::move(c));
  };
  if (auto linear = dyn_cast<attn::LinearOp>(op)) {
    Shape in = shapeOf(linear.getInput());
    Contraction c;
    c.kind = Contraction::Kind::Linear;
    if (!in.empty())
      c.flops = product(in) * (2 * linear.getOutFeatures());
    add(std::move(c), !in.empty());
  } else if (auto matmul = dyn_cast<attn::MatmulOp>(op)) {
    Shape lhs = shapeOf(matmul.getLhs()), out = shapeOf(matmul.getResult());
    Contraction c;
    c.kind = Contraction::Kind::Matmul;
    bool sized = !lhs.empty() && !out.empty();
    if (sized)
      c.flops = product(out) * lhs.back() * 2;
    add(std::move(c), sized);
  } else if (auto attention = dyn_cast<attn::AttentionOp>(op)) {
    Shape q = shapeOf(attention.getQuery()), k = shapeOf(attention.getKey());
    Contraction c;
    c.kind = Contraction::Kind::Attention;
    bool sized = q.size() == 4 && k.size() == 4;
    if (sized) {
      c.heads = q[0] * q[1];
      c.queries = q[2];
      c.keys = k[2];
      c.width = attention.getQuery().getType().getDimSize(3) +
                attention.getValue().getType().getDimSize(3);
      c.causal = attention.getCausal();
      c.window = static_cast<int64_t>(attention.getWindow().value_or(0));
      c.flops = c.heads * c.queries * c.keys * (2 * c.width);
    }
    add(std::move(c), sized);
  }
}

void CostAnalysis::visitBlock(Block &block, int64_t repeat) {
  for (Operation &op : block) {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
      std::optional<int64_t> step = getConstantIntValue(loop.getStep());
      for (auto [init, arg, result] :
           llvm::zip(loop.getInitArgs(), loop.getRegionIterArgs(),
                     loop.getResults())) {
        shapes[arg] = shapeOf(init);
        shapes[result] = shapeOf(init);
      }
      int64_t trips = lb && ub && step && *step > 0
                          ? std::max<int64_t>(0, (*ub - *lb + *step - 1) / *step)
                          : -1;
      if (trips < 0) {
        // Unknown trip count: whatever is inside is not counted.
        loop.getBody()->walk([&](Operation *inner) {
          if (isa<attn::LinearOp, attn::MatmulOp, attn::AttentionOp>(inner))
            ++cost.unsized;
        });
        continue;
      }
      visitBlock(*loop.getBody(), repeat * trips);
      continue;
    }
    if (op.getNumResults() == 1)
      shapes[op.getResult(0)] = deriveShape(&op);
    count(&op, repeat);
  }
}

LogicalResult CostAnalysis::run() {
  if (ArrayAttr dims = getModelDims(model))
    for (Attribute d : dims)
      if (auto name = dyn_cast<StringAttr>(d))
        symbolFor(name.getValue());
  for (BlockArgument arg : model.getArguments()) {
    unsigned i = arg.getArgNumber();
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    ArrayAttr shapeAttr = getArgShape(model, i);
    StringRef kind = getArgKind(model, i);
    if (!type)
      continue;
    if (kind == kParamKind && type.hasStaticShape()) {
      cost.parameters += type.getNumElements();
      cost.weightBytes +=
          type.getNumElements() *
          llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    }
    Shape shape;
    for (auto [d, size] : llvm::enumerate(type.getShape())) {
      if (!ShapedType::isDynamic(size)) {
        shape.push_back(Polynomial::constant(size));
        continue;
      }
      auto name = shapeAttr && d < shapeAttr.size()
                      ? dyn_cast<StringAttr>(shapeAttr[d])
                      : StringAttr();
      if (!name) {
        shape.clear();
        break;
      }
      shape.push_back(Polynomial::symbol(symbolFor(name.getValue())));
    }
    shapes[arg] = shape;
  }
  visitBlock(model.getBody().front(), 1);
  return success();
}

} // namespace

double ModelCost::flops(ArrayRef<int64_t> values,
                        std::optional<Contraction::Kind> kind) const {
  double total = 0;
  for (const Contraction &c : contractions) {
    if (kind && c.kind != *kind)
      continue;
    double once = static_cast<double>(c.flops.evaluate(values));
    if (c.kind == Contraction::Kind::Attention && c.causal)
      once = static_cast<double>(c.heads.evaluate(values)) * 2.0 *
             static_cast<double>(c.width) *
             visibility::causalPairs(c.queries.evaluate(values),
                                     c.keys.evaluate(values), c.window);
    total += once * static_cast<double>(c.repeat);
  }
  return total;
}

FailureOr<ModelCost> attnc::analyzeModelCost(ModuleOp module) {
  FailureOr<func::FuncOp> model = lookupModelFunction(module);
  if (failed(model))
    return failure();
  ModelCost cost;
  if (failed(CostAnalysis(*model, cost).run()))
    return failure();
  return cost;
}
