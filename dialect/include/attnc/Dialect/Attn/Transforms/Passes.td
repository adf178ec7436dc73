//===- Passes.td - Graph passes on the attn dialect --------*- tablegen -*-===//
#ifndef ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def WeightStorage : Pass<"attn-weight-storage", "mlir::ModuleOp"> {
  let summary = "Store every matrix weight in one element type";
  let description = [{
    In the model function (marked `attn.model`), every floating-point
    parameter of rank 2 or more that is read only as the weight of an
    `attn.linear` or the table of an `attn.embedding` (a stacked one
    through its layer slices) becomes an argument of element type `type`
    (`f32`, `bf16` or `f16`), whatever the source declared: the linear
    layers, embeddings and the logits projection at once. Norm weights,
    biases and parameters read by any other op keep their type. The ops
    widen a narrower weight to f32 as they read it; the runtime rounds the
    checkpoint to the stored type once, at load (docs/abi.md). This is
    `attnc compile --weight-type`; run it before attn-fuse-projections and
    attn-pack-weights, which pack in the weight's type.

    ```mlir
    // attnc-opt -attn-weight-storage=type=bf16
    func.func @m(%x: tensor<?x768xf32>, %w: tensor<3072x768xf32> {attn.kind = "param"})
    // becomes
    func.func @m(%x: tensor<?x768xf32>, %w: tensor<3072x768xbf16> {attn.kind = "param"})
    ```
  }];
  let options = [
    Option<"type", "type", "std::string", /*default=*/"\"bf16\"",
           "The element type of the stored weights: f32, bf16 or f16">
  ];
  let dependentDialects = ["::attnc::attn::AttnDialect",
                           "mlir::tensor::TensorDialect"];
}

def FuseAttention : Pass<"attn-fuse-attention", "mlir::func::FuncOp"> {
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

def FuseProjections : Pass<"attn-fuse-projections", "mlir::ModuleOp"> {
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

def PackWeights : Pass<"attn-pack-weights", "mlir::ModuleOp"> {
  let summary = "Read linear weights packed into column panels at load";
  let description = [{
    In the model function (marked `attn.model`), every `attn.linear` whose
    weight is a parameter, the current layer's slice of a stacked one, or a
    parameter packed by attn-fuse-projections, reads instead a new argument
    holding the same weight in the layout of the contraction kernels:
    `[layers?, ceil(out / 48), in, 48]`, column panels of 48 output
    features, zero-padded, each contiguous over the input features (layout
    `panels`). The kernel then packs nothing per call, and a decode step
    (one row) streams each weight once, contiguously.

    The new argument is `attn.kind = "packed"` with `attn.pack_of`,
    `attn.pack_axis` (the members, concatenated as by
    attn-fuse-projections) and `attn.pack_out_axis` (which axis of the
    concatenation is the output features); the runtime builds it once, at
    load (docs/abi.md, "packed_params"). A weight read by several linears
    is packed once; the parameters stay arguments (an embedding tied to
    the output projection still reads its own), and a packed argument
    left unread is removed. Run it before attn-kv-cache, which copies the
    arguments into the incremental-decoding entry.
  }];
  let dependentDialects = ["::attnc::attn::AttnDialect",
                           "mlir::tensor::TensorDialect"];
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

def ExposeAttentionProbs : Pass<"attn-expose-attention-probs", "mlir::ModuleOp"> {
  let summary = "Return every attention's probabilities as extra model outputs";
  let description = [{
    The debug build (`attnc compile --debug-attention`). For every
    `attn.attention` of the model function (the one marked `attn.model`),
    in program order, adds an `attn.attention_probs` of the same query,
    key, mask, causal flag and scale, and returns it as a new result named
    `attention.<n>` (a name no `.attn` output can have), with `attn.name` and
    `attn.shape` so that the manifest lists it as an output:
    `[B, H, Sq, Sk]` at function level, `[layers, B, H, Sq, Sk]` inside the
    layer loop (an scf.for from 0 to `layers`, whose new iter_arg collects
    each layer's probabilities with tensor.insert_slice). The dims of
    `attn.shape` are the model's dims the sizes come from (e.g. the key
    length of cross-attention is the source's `src_seq`), found by following
    each dimension back to a model argument. A module that already has an
    incremental-decoding entry (`attn-kv-cache`) is refused: that entry
    returns the model's outputs and has no probabilities to return, so
    debug builds do without it.
  }];
  let dependentDialects = [
    "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"
  ];
}

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
