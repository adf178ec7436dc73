//===- Passes.td - Conversions out of the attn dialect -----*- tablegen -*-===//
#ifndef ATTNC_CONVERSION_PASSES_TD
#define ATTNC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"attnc-convert-attn-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower attn ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Every attn op becomes one or a few `linalg.generic` ops on tensors
    (dynamic sizes are taken from the operands with `tensor.dim`):
    projections and products become reductions, softmax becomes a max
    reduction, an exp-and-sum reduction and a division, and head
    split/merge become index maps rather than copies of their own.
    `attn.attention` becomes flash attention: an `scf.forall` over tiles of
    query rows, each walking the keys in blocks with an online softmax in
    the vector dialect, so that the score matrix never exists.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect"
  ];
}

#endif // ATTNC_CONVERSION_PASSES_TD
