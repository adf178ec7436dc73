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

def IntroduceKVCache : Pass<"attn-kv-cache", "mlir::ModuleOp"> {
  let summary = "Add the incremental-decoding entry of a decoder model";
  let description = [{
    For a model (the function marked `attn.model`) whose attention is all
    causal self-attention, adds `@<model>_step`: the same computation on
    the `S` new tokens at positions `[position, position + S)`, given a
    key/value cache. Every causal `attn.attention` writes its new keys and
    values into its cache buffer (a memref argument
    `[layers?, batch, kv_heads, capacity, head_dim]`, stacked over the layer
    loop when inside one) at `position`, and attends over the cached
    `[0, position + S)`; `attn.positions` gets `position` as its offset.
    Prefill is a step at position 0; decoding one token is a step with
    `S = 1`, whose cost is linear in the context. Models with any
    non-causal attention (encoders, cross-attention) are left alone.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect", "mlir::tensor::TensorDialect"
  ];
}

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
