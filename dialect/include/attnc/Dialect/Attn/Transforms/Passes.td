//===- Passes.td - Graph optimizations on the attn dialect -*- tablegen -*-===//
//
// Rewrites that keep the model's ABI: what the compiled model takes and
// returns does not change (the ABI-shaping passes are in ABI/Passes.td).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseAttention : Pass<"attnc-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Recognize spelled-out attention and replace it by attn.attention";
  let description = [{
    Matches, on [B, H, S, D] operands,

      matmul(softmax(masks(scale(matmul(q, transpose(k)), c))), v)

    where `masks` is at most one `causal_mask` and one `padding_mask`, in
    any order, with scales (multiplied together, including the softmax's
    own) before or after them; every intermediate used only inside the
    pattern. It becomes one `attn.attention %q, %k, %v [mask %m] [causal]
    scale c`, so that an explicit spelling and the `attention(...)` builtin
    compile to the same code. Keys and values spelled out with
    `attn.repeat_kv` (grouped-query attention as Hugging Face writes it)
    are read unrepeated. Anything else (a scale of q before the product, a
    non-positive scale after a mask, two masks of a kind, an intermediate
    used elsewhere) is left untouched.
  }];
  let dependentDialects = ["::attnc::attn::AttnDialect"];
}

def FuseProjections : Pass<"attnc-fuse-projections", "mlir::ModuleOp"> {
  let summary = "Merge linear projections of one input into one wide linear";
  let description = [{
    In the model function (marked `attn.model`), `attn.linear` ops that read
    the same input, with weights (and biases, all or none) of the same
    layout that are parameters used nowhere else, become one linear whose
    weight is the parameters packed side by side, followed by one
    `attn.slice` per original result: the Q, K and V projections of a
    self-attention become one matrix product that reads the input once.
    Inside a layer loop the parameters are stacked per layer and so is the
    packed one. The two products of a gated unit (`mul(silu(gate), up)`,
    with any activation) stay apart, so that the activation and the
    multiply fuse into the second product as its epilogue.

    The packed weight is a new argument (`attn.kind = "packed"`,
    `attn.pack_of` the member parameters' names, `attn.pack_axis` the axis
    they are concatenated along); the members stay arguments, unused, so
    that the checkpoint's view of the model does not change: the runtime
    builds the packed buffer from them once, at load (docs/abi.md,
    "packed_params").
  }];
  let dependentDialects = ["::attnc::attn::AttnDialect",
                           "mlir::tensor::TensorDialect"];
}

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
