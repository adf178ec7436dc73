//===- DotEmitter.h - The attn graph as Graphviz DOT ------------*- C++ -*-===//
#ifndef ATTNC_PLOT_DOTEMITTER_H
#define ATTNC_PLOT_DOTEMITTER_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/raw_ostream.h"

namespace attnc {

/// Writes the model function (marked attn.model) of `module` as a Graphviz
/// digraph: a node per attn op labelled with its name, its salient
/// attributes and its result shape (`attention causal\n[?, 12, ?, 64]`);
/// inputs, parameters and outputs as distinct shapes; an edge per value
/// flowing from producer to user; a layer loop as a cluster labelled
/// `repeat N`, with a dashed edge for the state carried to the next layer.
/// Fails (with a diagnostic) if there is no model function.
mlir::LogicalResult emitGraphDot(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_PLOT_DOTEMITTER_H
