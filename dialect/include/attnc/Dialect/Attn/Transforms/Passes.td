//===- Passes.td - Graph passes on the attn dialect --------*- tablegen -*-===//
#ifndef ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseAttention : Pass<"attn-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Recognize spelled-out attention and replace it by attn.attention";
  let description = [{
    Matches, on [B, H, S, D] operands,

      matmul(softmax([causal_mask](scale(matmul(q, transpose(k)), c))), v)

    (the scale and the mask in either order, the scale optional, every
    intermediate used only inside the pattern) and replaces it by one
    `attn.attention %q, %k, %v [causal] scale c`, so that an explicit
    spelling and the `attention(...)` builtin compile to the same code.
    Anything else (a scale of q before the product, a non-positive scale
    after the mask, an intermediate used elsewhere) is left untouched.
  }];
  let dependentDialects = ["::attnc::attn::AttnDialect"];
}

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
