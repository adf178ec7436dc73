//===- Passes.td - Passes that shape the model's ABI -------*- tablegen -*-===//
//
// Passes that change what a compiled model takes or returns (docs/abi.md):
// its parameters' storage, the weights the runtime packs at load, the
// incremental-decoding entry, the attention outputs of a debug build, the
// bounds the runtime checks. The graph optimizations are in
// Transforms/Passes.td.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_ABI_PASSES_TD
#define ATTNC_DIALECT_ATTN_ABI_PASSES_TD

include "mlir/Pass/PassBase.td"

def WeightStorage : Pass<"attnc-weight-storage", "mlir::ModuleOp"> {
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
    `attnc compile --weight-type`; run it before attnc-fuse-projections and
    attnc-pack-weights, which pack in the weight's type.

    ```mlir
    // attnc-opt -attnc-weight-storage=type=bf16
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

def PackWeights : Pass<"attnc-pack-weights", "mlir::ModuleOp"> {
  let summary = "Read linear weights packed into column panels at load";
  let description = [{
    In the model function (marked `attn.model`), every `attn.linear` whose
    weight is a parameter, the current layer's slice of a stacked one, or a
    parameter packed by attnc-fuse-projections, reads instead a new argument
    holding the same weight in the layout of the contraction kernels:
    `[layers?, ceil(out / 48), in, 48]`, column panels of 48 output
    features, zero-padded, each contiguous over the input features (layout
    `panels`). The kernel then packs nothing per call, and a decode step
    (one row) streams each weight once, contiguously.

    The new argument is `attn.kind = "packed"` with `attn.pack_of`,
    `attn.pack_axis` (the members, concatenated as by
    attnc-fuse-projections) and `attn.pack_out_axis` (which axis of the
    concatenation is the output features); the runtime builds it once, at
    load (docs/abi.md, "packed_params"). A weight read by several linears
    is packed once; the parameters stay arguments (an embedding tied to
    the output projection still reads its own, except with int8), and a
    packed argument left unread is removed. Run it before attnc-kv-cache, which copies the
    arguments into the incremental-decoding entry.

    With `weight-type=int8` (`attnc compile --weight-type int8`) the panels
    are `i8`, quantized at load (docs/abi.md, "int8 weights"), and each
    comes with a second packed argument, its f32 scales
    `[layers?, ceil(out / 48), ceil(in / 32), 48]` (`attn.pack_block =
    32`, named `scales(<name>)`), which the linear reads as its `scales`.
    Every `attn.embedding` of a rank-2 parameter table then reads int8
    too: the panels and scales of the linear the table is tied to
    (`[out, in]` = `[V, E]`), else its own panels of width 1 (its rows,
    `rows(<name>)` `[V, E, 1]`, and `row_scales(<name>)`).

    With `round-activations` (`attnc compile --round-activations`) a bf16
    weight is packed in `panel_pairs`,
    `[layers?, ceil(out / 48), ceil(in / 2), 48, 2]` (`attn.pack_pairs`):
    each pair of inputs side by side per column, as AVX512_BF16's
    `vdpbf16ps` reads them; the linear then rounds its input to bf16.
    With both options (`attnc compile --weight-type int8
    --round-activations`) the int8 panels are packed in `panel_quads`,
    `[layers?, ceil(out / 48), ceil(in / 4), 48, 4]` (`attn.pack_quads`,
    the same scales): each quad of inputs side by side per column, as
    `vpdpbusd` reads them; the linear then quantizes its input to int8 per
    block of 32 (docs/abi.md "int8 x int8 products").
  }];
  let options = [
    Option<"weightType", "weight-type", "std::string", /*default=*/"\"\"",
           "int8: pack the linear weights as int8 panels with block scales; "
           "empty: in each weight's own type">,
    Option<"roundActivations", "round-activations", "bool",
           /*default=*/"false",
           "pack bf16 weights in panel_pairs (int8 ones in panel_quads): "
           "their linears round the input to bf16 (quantize it to int8)">
  ];
  let dependentDialects = ["::attnc::attn::AttnDialect",
                           "mlir::tensor::TensorDialect"];
}

def IntroduceKVCache : Pass<"attnc-kv-cache", "mlir::ModuleOp"> {
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

    With `cache-type=bf16` or `f16` the caches hold that type: the new keys
    and values are rounded (`arith.truncf`, to nearest even) as they are
    written, and attention widens them as it reads. A step then reads half
    the bytes of an f32 cache; the forward entry still computes in f32.
  }];
  let options = [
    Option<"cacheType", "cache-type", "std::string", /*default=*/"\"f32\"",
           "The element type of the key/value caches: f32, bf16 or f16">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect", "mlir::tensor::TensorDialect"
  ];
}

def StepLastPosition : Pass<"attnc-step-last-position", "mlir::ModuleOp"> {
  let summary = "The incremental-decoding entry returns the last position only";
  let description = [{
    A caller of the step entry (`attnc-kv-cache`) reads the output of the
    last new token only: the next token's logits, after a prompt of `S`
    tokens as after one. Every result of the step function whose axis 1 is
    the new tokens' dim (the first input's axis 1, as `[batch, seq, ...]`)
    is cut to its last row (`tensor.extract_slice`, axis 1 of size 1,
    `attn.shape` entry `1`, marked `attn.last_position`), and the cut moves
    up through the row-wise ops that produce it (ops with the `RowWise`
    trait, e.g. the logits projection and the final norm, each used once),
    so they compute one row instead of `S`: a prompt's vocabulary
    projection costs what a decode step's does. The forward entry still
    returns every position. The manifest lists the cut outputs
    (`"kv_cache": {"last_position": [...]}`, docs/abi.md).
    ```mlir
    // attnc-opt -attnc-step-last-position
    %n = attn.layernorm %h, %w, %b ... : tensor<?x?x64xf32>, ...
    %l = attn.linear %n, %wte ... -> tensor<?x?x100xf32>
    return %l    // {attn.shape = ["batch", "seq", 100]}
    // becomes
    %s = tensor.extract_slice %h[0, %last, 0] [%b, 1, 64] [1, 1, 1]
    %n = attn.layernorm %s, %w, %b ... : tensor<?x1x64xf32>, ...
    %l = attn.linear %n, %wte ... -> tensor<?x1x100xf32>
    return %l    // {attn.last_position, attn.shape = ["batch", 1, 100]}
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect"];
}
def ExposeAttentionProbs : Pass<"attnc-expose-attention-probs", "mlir::ModuleOp"> {
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
    incremental-decoding entry (`attnc-kv-cache`) is refused: that entry
    returns the model's outputs and has no probabilities to return, so
    debug builds do without it.
  }];
  let dependentDialects = [
    "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"
  ];
}

def BoundEmbeddingIndices : Pass<"attnc-bound-embedding-indices", "mlir::ModuleOp"> {
  let summary = "Record the row count of the tables that inputs index";
  let description = [{
    An integer argument read directly as the ids of an `attn.embedding` gets
    `attn.index_bound`: the row count of the smallest table it indexes. The
    compiled lookup clamps ids into the table; the runtime refuses ids
    outside `[0, bound)` instead (the manifest's `"index_bound"`). It runs
    just before the lowering, while the lookups are still `attn.embedding`.

    ```mlir
    // attnc-opt ids.mlir -attnc-bound-embedding-indices
      %x = attn.embedding %wte[%ids] : tensor<100x16xf32>, tensor<?x?xi64> -> tensor<?x?x16xf32>
    // after: %ids: tensor<?x?xi64> {..., attn.index_bound = 100 : i64}
    ```
  }];
}

#endif // ATTNC_DIALECT_ATTN_ABI_PASSES_TD
