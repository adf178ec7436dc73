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
  /// Fails, with an error on the op, at an attn op it has no shape rule for.
  LogicalResult run();

private:
  unsigned symbolFor(StringRef dim);
  /// The shape of `value`, from the shapes already derived.
  Shape shapeOf(Value value) { return shapes.lookup(value); }
  /// The result shape of `op`: static sizes from its type, dynamic ones by
  /// the op's shape rule.
  Shape deriveShape(Operation *op);
  void visitBlock(Block &block, int64_t repeat);
  void count(Operation *op, int64_t repeat);

  func::FuncOp model;
  ModelCost &cost;
  llvm::DenseMap<Value, Shape> shapes;
  Operation *unknown = nullptr;
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
  Shape in = op->getNumOperands() ? shapeOf(op->getOperand(0)) : Shape();
  // The rule for each op: where its result dims come from.
  Shape derived;
  auto withLast = [&](Shape s, Polynomial last) {
    if (s.empty())
      return Shape();
    s.back() = std::move(last);
    return s;
  };
  int64_t lastSize = type.getShape().back();
  Polynomial last = Polynomial::constant(lastSize);
  if (isa<attn::LinearOp, attn::SliceOp>(op)) {
    derived = withLast(in, last);
  } else if (auto matmul = dyn_cast<attn::MatmulOp>(op)) {
    Shape rhs = shapeOf(matmul.getRhs());
    if (!rhs.empty())
      derived = withLast(in, rhs.back());
  } else if (isa<attn::TransposeOp>(op)) {
    derived = in;
    if (derived.size() >= 2)
      std::swap(derived[derived.size() - 1], derived[derived.size() - 2]);
  } else if (auto split = dyn_cast<attn::SplitHeadsOp>(op)) {
    if (in.size() == 3)
      derived = {in[0], Polynomial::constant(split.getHeads()), in[1],
                 Polynomial::constant(lastSize)};
  } else if (isa<attn::MergeHeadsOp>(op)) {
    if (in.size() == 4)
      derived = {in[0], in[2], Polynomial::constant(lastSize)};
  } else if (isa<attn::AttentionOp>(op)) {
    derived = withLast(in, last);
  } else if (auto embedding = dyn_cast<attn::EmbeddingOp>(op)) {
    derived = shapeOf(embedding.getIds());
    if (!derived.empty())
      derived.push_back(last);
  } else if (auto positions = dyn_cast<attn::PositionsOp>(op)) {
    derived = shapeOf(positions.getIds());
  } else if (auto sinusoidal = dyn_cast<attn::SinusoidalOp>(op)) {
    derived = shapeOf(sinusoidal.getPositions());
    if (!derived.empty())
      derived.push_back(last);
  } else if (op->hasTrait<attn::OpTrait::ShapeOfFirstOperand>() ||
             isa<attn::RepeatKVOp>(op)) {
    // repeat_kv: [B, H, S, D] -> [B, H * n, S, D], whose head count is
    // static.
    derived = in;
  } else if (auto reshape = dyn_cast<attn::ReshapeOp>(op)) {
    // The k-th dynamic dimension has the size of input dimension dims[k].
    ArrayRef<int64_t> dims = reshape.getDims();
    unsigned k = 0;
    for (int64_t size : type.getShape()) {
      if (!ShapedType::isDynamic(size)) {
        derived.push_back(Polynomial::constant(size));
        continue;
      }
      if (k >= dims.size() || dims[k] < 0 ||
          static_cast<size_t>(dims[k]) >= in.size()) {
        derived.clear();
        break;
      }
      derived.push_back(in[dims[k++]]);
    }
  } else if (auto expand = dyn_cast<attn::ExpandOp>(op)) {
    // Aligned at the last dimension; a 1 of the input takes `like`'s.
    Shape like = shapeOf(expand.getLike());
    int64_t rank = type.getRank();
    auto inType = expand.getInput().getType();
    int64_t inLead = rank - inType.getRank(),
            likeLead = rank - static_cast<int64_t>(like.size());
    if (in.size() == static_cast<size_t>(inType.getRank()))
      for (int64_t d = 0; d < rank; ++d) {
        if (d >= inLead && inType.getDimSize(d - inLead) != 1)
          derived.push_back(in[d - inLead]);
        else if (d >= likeLead)
          derived.push_back(like[d - likeLead]);
        else
          derived.push_back(Polynomial::constant(1));
      }
  } else if (auto concat = dyn_cast<attn::ConcatOp>(op)) {
    Shape rhs = shapeOf(concat.getRhs());
    if (!in.empty() && rhs.size() == in.size())
      for (size_t d = 0; d < in.size(); ++d)
        derived.push_back(concat.getLhs().getType().getDimSize(d) == 1
                              ? rhs[d]
                              : in[d]);
  } else if (auto select = dyn_cast<attn::SelectOp>(op)) {
    derived = in;
    if (!derived.empty())
      derived.erase(derived.begin() + select.getAxis());
  } else if (isa<attn::SumOp, attn::MeanOp, attn::MaxOp>(op)) {
    derived = in;
    if (!derived.empty())
      derived.pop_back();
  } else if (isa<attn::PatchesOp>(op)) {
    if (!in.empty())
      derived = {in[0], Polynomial::constant(type.getDimSize(1)), last};
  } else if (auto probs = dyn_cast<attn::AttentionProbsOp>(op)) {
    Shape keys = shapeOf(probs.getKey());
    if (in.size() == 4 && keys.size() == 4)
      derived = {in[0], in[1], in[2], keys[2]};
  } else if (isa<attn::AttnDialect>(op->getDialect()) && !unknown) {
    unknown = op;
  }
  if (derived.size() != static_cast<size_t>(type.getRank()))
    derived.clear();
  // Static sizes are known whatever the rule says.
  Shape shape;
  for (auto [i, size] : llvm::enumerate(type.getShape())) {
    if (!ShapedType::isDynamic(size))
      shape.push_back(Polynomial::constant(size));
    else if (!derived.empty())
      shape.push_back(derived[i]);
    else
      return {};
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
  if (unknown)
    return unknown->emitError("the cost model has no shape rule for '")
           << unknown->getName() << "'";
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
                                     c.keys.evaluate(values));
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
