//===- DotEmitter.cpp - The attn graph as Graphviz DOT --------------------===//
#include "attnc/Plot/DotEmitter.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"

#include <set>

using namespace mlir;
using namespace attnc;

namespace {

std::string shapeOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return "";
  std::string text = "[";
  for (auto [i, size] : llvm::enumerate(shaped.getShape())) {
    text += i ? ", " : "";
    text += ShapedType::isDynamic(size) ? "?" : std::to_string(size);
  }
  text += "]";
  Type element = shaped.getElementType();
  if (!element.isF32()) {
    std::string name;
    llvm::raw_string_ostream os(name);
    os << element;
    text += " " + name;
  }
  return text;
}

std::string escape(StringRef text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

std::string formatFloat(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", value);
  return text;
}

/// "attention causal", "split_heads 12", "slice [768, 768]", "scale 0.125".
std::string describe(Operation *op) {
  std::string name = op->getName().getStringRef().str();
  if (!isa<attn::AttnDialect>(op->getDialect()))
    return name;
  name = op->getName().stripDialect().str();
  if (auto attention = dyn_cast<attn::AttentionOp>(op)) {
    if (attention.getCausal())
      name += " causal";
    if (attention.getMask())
      name += " masked";
  } else if (auto split = dyn_cast<attn::SplitHeadsOp>(op)) {
    name += " " + std::to_string(split.getHeads());
  } else if (auto slice = dyn_cast<attn::SliceOp>(op)) {
    name += " [" + std::to_string(slice.getOffset()) + ", " +
            std::to_string(slice.getSize()) + "]";
  } else if (auto scale = dyn_cast<attn::ScaleOp>(op)) {
    name += " " + formatFloat(scale.getFactor().convertToDouble());
  }
  return name;
}

class DotWriter {
public:
  DotWriter(func::FuncOp model, llvm::raw_ostream &os) : model(model), os(os) {}
  void write();

private:
  std::string newNode(StringRef label, StringRef attributes, int depth);
  void writeBlock(Block &block, int depth);
  void writeLoop(scf::ForOp loop, int depth);
  void addEdges(Operation *op, const std::string &to);
  void indent(int depth) { os.indent(2 * depth); }

  func::FuncOp model;
  llvm::raw_ostream &os;
  unsigned nextId = 0, nextCluster = 0;
  /// The node that produces each value; a layer's slice of a stacked
  /// parameter and a loop's iter_args and results map to their source.
  llvm::DenseMap<Value, std::string> nodeOf;
  /// The nodes that read each loop-carried value.
  llvm::DenseMap<Value, SmallVector<std::string>> readersOf;
  using Edge = std::pair<std::string, std::string>;
  llvm::SetVector<Edge, std::vector<Edge>, std::set<Edge>> edges, backEdges;
};

std::string DotWriter::newNode(StringRef label, StringRef attributes,
                               int depth) {
  std::string id = "n" + std::to_string(nextId++);
  indent(depth);
  os << id << " [label=\"" << escape(label) << "\"";
  if (!attributes.empty())
    os << ", " << attributes;
  os << "];\n";
  return id;
}

void DotWriter::addEdges(Operation *op, const std::string &to) {
  for (Value operand : op->getOperands()) {
    auto it = nodeOf.find(operand);
    if (it == nodeOf.end())
      continue;
    edges.insert({it->second, to});
    if (readersOf.count(operand))
      readersOf[operand].push_back(to);
  }
}

void DotWriter::writeLoop(scf::ForOp loop, int depth) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  std::string count = lb && ub && step && *step > 0
                          ? std::to_string((*ub - *lb + *step - 1) / *step)
                          : "?";
  indent(depth);
  os << "subgraph cluster_" << nextCluster++ << " {\n";
  indent(depth + 1);
  os << "label=\"repeat " << count << "\"; style=dashed;\n";
  for (auto [init, arg] :
       llvm::zip(loop.getInitArgs(), loop.getRegionIterArgs())) {
    readersOf[arg] = {};
    if (auto it = nodeOf.find(init); it != nodeOf.end())
      nodeOf[arg] = it->second;
  }
  writeBlock(*loop.getBody(), depth + 1);
  indent(depth);
  os << "}\n";
  for (auto [yielded, arg, result] :
       llvm::zip(loop.getYieldedValues(), loop.getRegionIterArgs(),
                 loop.getResults())) {
    auto it = nodeOf.find(yielded);
    if (it == nodeOf.end())
      continue;
    nodeOf[result] = it->second;
    for (const std::string &reader : readersOf[arg])
      backEdges.insert({it->second, reader});
  }
}

void DotWriter::writeBlock(Block &block, int depth) {
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::ConstantLike>() || isa<scf::YieldOp>(op))
      continue;
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      writeLoop(loop, depth);
      continue;
    }
    // A layer's slice of a stacked parameter is the parameter.
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op);
        slice && nodeOf.count(slice.getSource()) &&
        isa<BlockArgument>(slice.getSource())) {
      nodeOf[slice.getResult()] = nodeOf[slice.getSource()];
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
        StringRef name = getResultName(model, i);
        std::string label = "output " +
                            (!name.empty() ? name.str()
                                           : "#" + std::to_string(i)) +
                            "\n" + shapeOf(value.getType());
        std::string id =
            newNode(label, "shape=house, style=filled, fillcolor=\"#dbeafe\"",
                    depth);
        if (auto it = nodeOf.find(value); it != nodeOf.end())
          edges.insert({it->second, id});
      }
      continue;
    }
    std::string label = describe(&op);
    if (op.getNumResults() > 0)
      label += "\n" + shapeOf(op.getResult(0).getType());
    std::string id = newNode(label, "", depth);
    addEdges(&op, id);
    for (Value result : op.getResults())
      nodeOf[result] = id;
  }
}

void DotWriter::write() {
  os << "digraph \"" << escape(model.getSymName()) << "\" {\n";
  os << "  graph [fontname=\"Helvetica\"];\n";
  os << "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  os << "  edge [fontname=\"Helvetica\"];\n";
  for (BlockArgument arg : model.getArguments()) {
    unsigned i = arg.getArgNumber();
    StringRef kind = getArgKind(model, i);
    StringRef name = getArgName(model, i);
    bool isParam = kind == kParamKind;
    bool isPacked = kind == kPackedKind;
    // Parameters packed into another one are not read any more.
    if ((isParam || isPacked) && arg.use_empty())
      continue;
    std::string label = (isPacked  ? "packed "
                         : isParam ? "param "
                                   : "input ") +
                        (!name.empty() ? name.str()
                                       : "#" + std::to_string(i)) +
                        "\n" + shapeOf(arg.getType());
    nodeOf[arg] = newNode(
        label,
        isPacked  ? "shape=cylinder, style=filled, fillcolor=\"#fde68a\""
        : isParam ? "shape=cylinder, style=filled, fillcolor=\"#fef9c3\""
                  : "shape=invhouse, style=filled, fillcolor=\"#dcfce7\"",
        1);
  }
  writeBlock(model.getBody().front(), 1);
  for (auto &[from, to] : edges)
    os << "  " << from << " -> " << to << ";\n";
  for (auto &[from, to] : backEdges)
    os << "  " << from << " -> " << to
       << " [style=dashed, constraint=false, label=\"next layer\"];\n";
  os << "}\n";
}

} // namespace

LogicalResult attnc::emitGraphDot(ModuleOp module, llvm::raw_ostream &os) {
  FailureOr<func::FuncOp> model = lookupModelFunction(module);
  if (failed(model))
    return failure();
  DotWriter(*model, os).write();
  return success();
}
