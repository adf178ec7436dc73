//===- AttnOps.td - The attn dialect and its operations ----*- tablegen -*-===//
//
// Value-semantic (tensor) operations of attention models. Every op works on
// ranked f32 tensors whose dimensions may be dynamic (`?`, e.g. batch and
// sequence length); verifiers check ranks and every pair of static sizes that
// must agree.
//
//===----------------------------------------------------------------------===//

#ifndef ATTNC_DIALECT_ATTN_IR_ATTNOPS_TD
#define ATTNC_DIALECT_ATTN_IR_ATTNOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "attnc/Dialect/Attn/IR/ShapeRuleOpInterface.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def Attn_Dialect : Dialect {
  let name = "attn";
  let summary = "Tensor-level operations of attention models";
  let description = [{
    The `attn` dialect is what the attnc front end emits: projections,
    batched matrix products, masks, softmax, head reshaping, and a fused
    `attn.attention` op. Graph passes rewrite it; `attnc-convert-attn-to-linalg`
    lowers it to linalg on tensors.
  }];
  let cppNamespace = "::attnc::attn";
  // The model/ABI contract attributes (ModelAttributes.h, VectorTarget.h)
  // are checked here once, for every pass.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
}

//===----------------------------------------------------------------------===//
// Enums and base classes
//===----------------------------------------------------------------------===//

def Attn_WeightLayout : I32EnumAttr<"WeightLayout",
    "how a linear weight is stored", [
      I32EnumAttrCase<"OutIn", 0, "out_in">,
      I32EnumAttrCase<"InOut", 1, "in_out">,
      I32EnumAttrCase<"Panels", 2, "panels">,
      I32EnumAttrCase<"PanelPairs", 3, "panel_pairs">,
      I32EnumAttrCase<"PanelQuads", 4, "panel_quads">,
      I32EnumAttrCase<"PanelQuadsF32", 5, "panel_quads_f32">
    ]> {
  let cppNamespace = "::attnc::attn";
}

def Attn_F32Tensor : RankedTensorOf<[F32]>;
def Attn_Tensor : RankedTensorOf<[F32, I32, I64]>;
// A weight as stored: f32, or bf16/f16 that the op widens to f32 as it
// reads each element (attnc-weight-storage, docs/language.md).
def Attn_WeightTensor : RankedTensorOf<[F32, BF16, F16]>;
// Keys and values as an attention reads them: f32, or a KV cache kept in
// bf16/f16 (attnc-kv-cache cache-type) that the op widens as it reads.
def Attn_KeyValueTensor : RankedTensorOf<[F32, BF16, F16]>;
// A linear's weight may also be int8 panels (attnc-pack-weights
// weight-type=int8), read with their block scales.
def Attn_LinearWeightTensor : RankedTensorOf<[F32, BF16, F16, I8]>;
// The block scales of int8 panels: f16 as attnc-pack-weights makes them
// (docs/abi.md), or f32; widened to f32 as they are read.
def Attn_ScalesTensor : RankedTensorOf<[F16, F32]>;

// Op classes (AttnTraits.h): passes ask `op->hasTrait<...>()`.
def Attn_Activation : NativeOpTrait<"Activation"> {
  let cppNamespace = "::attnc::attn::OpTrait";
}
def Attn_RowWise : NativeOpTrait<"RowWise"> {
  let cppNamespace = "::attnc::attn::OpTrait";
}

// Every op has a shape rule (ShapeRuleOpInterface.td; AttnDialect.cpp
// refuses to compile without one): either the result has the shape of
// operand 0, or the op states its own in `getShapeRule` (AttnOps.cpp).
def Attn_ShapeOfFirstOperandTrait : NativeOpTrait<"ShapeOfFirstOperand"> {
  let cppNamespace = "::attnc::attn::OpTrait";
}
def Attn_ShapeOfFirstOperand
    : TraitList<[Attn_ShapeRuleOpInterface, Attn_ShapeOfFirstOperandTrait]>;
def Attn_OwnShapeRule : DeclareOpInterfaceMethods<Attn_ShapeRuleOpInterface>;

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, !listconcat(traits, [Pure])>;

//===----------------------------------------------------------------------===//
// Projections and products
//===----------------------------------------------------------------------===//

def Attn_LinearOp : Attn_Op<"linear", [Attn_OwnShapeRule, Attn_RowWise,
                                       AttrSizedOperandSegments]> {
  let summary = "affine projection of the last dimension: x W^T + b";
  let description = [{
    Projects the last dimension of `input` (`[..., in]`) to `out` features with
    a 2-D weight and an optional 1-D bias `[out]`. The weight is read in the
    layout it is stored in: `out_in` (`[out, in]`, as `torch.nn.Linear` stores
    it) or `in_out` (`[in, out]`, as GPT-2's `Conv1D` stores it), so
    checkpoints need no conversion. A weight packed at load by
    attnc-pack-weights is 3-D, `panels` (`[ceil(out / W), in, W]`: column
    panels of W output features, zero-padded, each contiguous over `in`, W
    three vectors of the module's target: 48 for AVX-512, 24 for AVX2);
    its output feature count is then the result's. A bf16 or f16 weight
    (and its panels) is widened to f32 element by element as it is read;
    products and sums are f32. An `i8` weight is int8 panels (attnc-pack-weights
    `weight-type=int8`, docs/abi.md "int8 weights") and comes with `scales`,
    f16 (or f32) panels `[ceil(out / W), ceil(in / 32), W]`: element `k` of
    output feature `n` is read as `w[n, k] * scales[n, k floordiv 32]`, the
    scale widened to f32.
    A bf16 weight in `panel_pairs` (attnc-pack-weights
    `round-activations`, `attnc compile --round-activations`) is 4-D,
    `[ceil(out / W), ceil(in / 2), W, 2]`: the panels with each pair of
    inputs (k, k + 1) side by side per column, a zero for an odd `in`'s
    last; the input is then rounded to bf16 (to nearest even) before the
    products, which are summed in f32 (the operands of AVX512_BF16's
    `vdpbf16ps`). An `i8` weight in `panel_quads` (attnc-pack-weights
    `weight-type=int8 round-activations`, `attnc compile --weight-type int8
    --round-activations`) is 4-D, `[ceil(out / W), ceil(in / 4), W, 4]`:
    the int8 panels with each quad of inputs side by side per column (the
    operand of `vpdpbusd`), zeros past `in`, with the same `scales`; the
    input is then quantized to int8 per block of 32 inputs and each block's
    products summed exactly in integers (docs/abi.md "int8 x int8
    products"). In `panel_quads_f32` (attnc-pack-weights `weight-type=int8`
    alone) the same quads are read with an f32 input: each weight widened
    and scaled as in `panels` (the quads let the kernels widen 4 k of 16
    columns from one load with shifts and masks, docs/passes.md).

    ```mlir
    %y = attn.linear %x, %w, %b layout out_in
        : tensor<?x?x256xf32>, tensor<768x256xf32>, tensor<768xf32> -> tensor<?x?x768xf32>
    %z = attn.linear %x, %q scales %s layout panels
        : tensor<?x?x256xf32>, tensor<16x256x48xi8> scales tensor<16x8x48xf16> -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, Attn_LinearWeightTensor:$weight,
                       Optional<Attn_ScalesTensor>:$scales,
                       Optional<Attn_F32Tensor>:$bias,
                       Attn_WeightLayout:$weight_layout);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`scales` $scales^)? (`,` $bias^)? `layout` $weight_layout
    attr-dict `:` type($input) `,` type($weight) (`scales` type($scales)^)?
    (`,` type($bias)^)? `->` type($result)
  }];
  let builders = [
    // Without scales: an f32, bf16 or f16 weight.
    OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$input,
                   "mlir::Value":$weight, "mlir::Value":$bias,
                   "::attnc::attn::WeightLayout":$weight_layout), [{
      build($_builder, $_state, result, input, weight, mlir::Value(), bias,
            weight_layout);
    }]>
  ];
  let extraClassDeclaration = [{
    /// Number of input and output features, from the weight's shape.
    int64_t getInFeatures();
    int64_t getOutFeatures();
  }];
  let hasVerifier = 1;
}

def Attn_MatmulOp : Attn_Op<"matmul", [Attn_OwnShapeRule]> {
  let summary = "batched matrix product";
  let description = [{
    `lhs` is `[..., M, K]`, `rhs` is `[..., K, N]` with the same leading
    (batch) dimensions; the result is `[..., M, N]`.

    ```mlir
    %s = attn.matmul %q, %kt : tensor<?x8x?x32xf32>, tensor<?x8x32x?xf32> -> tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$lhs, Attn_F32Tensor:$rhs);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_TransposeOp : Attn_Op<"transpose", [Attn_OwnShapeRule]> {
  let summary = "swap the last two dimensions";
  let description = [{
    ```mlir
    %kt = attn.transpose %k : tensor<?x8x?x32xf32> -> tensor<?x8x32x?xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def Attn_ScaleOp : Attn_Op<"scale", [SameOperandsAndResultType, Attn_RowWise,
                                     Attn_ShapeOfFirstOperand]> {
  let summary = "multiply every element by a compile-time constant";
  let description = [{
    ```mlir
    %s = attn.scale %x by 1.250000e-01 : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, F32Attr:$factor);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input `by` $factor attr-dict `:` type($result)";
  let hasFolder = 1;
}

class Attn_ElementwiseBinaryOp<string mnemonic, string what>
    : Attn_Op<mnemonic, [SameOperandsAndResultType, Commutative,
                         Attn_ShapeOfFirstOperand]> {
  let summary = "elementwise " # what # " of two tensors of the same shape";
  let description = [{
    Both operands and the result have one type; dynamic dimensions must
    agree at run time.

    ```mlir
    %r = attn.}] # mnemonic # [{ %a, %b : tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$lhs, Attn_F32Tensor:$rhs);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Attn_AddOp : Attn_ElementwiseBinaryOp<"add", "sum">;
def Attn_MulOp : Attn_ElementwiseBinaryOp<"mul", "product">;

class Attn_NonCommutativeBinaryOp<string mnemonic, string what>
    : Attn_Op<mnemonic, [SameOperandsAndResultType, Attn_ShapeOfFirstOperand]> {
  let summary = "elementwise " # what # " of two tensors of the same shape";
  let description = [{
    ```mlir
    %r = attn.}] # mnemonic # [{ %a, %b : tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$lhs, Attn_F32Tensor:$rhs);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Attn_SubOp : Attn_NonCommutativeBinaryOp<"sub", "difference">;
def Attn_DivOp : Attn_NonCommutativeBinaryOp<"div", "quotient">;

//===----------------------------------------------------------------------===//
// Attention building blocks
//===----------------------------------------------------------------------===//

def Attn_CausalMaskOp : Attn_Op<"causal_mask", [SameOperandsAndResultType,
                                               Attn_ShapeOfFirstOperand]> {
  let summary = "set scores of future keys to -inf";
  let description = [{
    The last two dimensions are `[queries, keys]`. Query `i` may see key `j`
    only if `j <= i + (keys - queries)`: queries are the last positions of
    the key sequence, which is what a KV cache needs and, for
    self-attention (`keys == queries`), the usual lower triangle. Other
    entries become `-inf`, so a following softmax gives them weight 0.

    ```mlir
    %m = attn.causal_mask %s : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_PaddingMaskOp : Attn_Op<"padding_mask",
                                 [AllTypesMatch<["input", "result"]>,
                                  Attn_ShapeOfFirstOperand]> {
  let summary = "lower the scores of padded keys";
  let description = [{
    `scores` is `[B, H, Sq, Sk]`, `mask` is `[B, Sk]` (integer or f32),
    nonzero for keys that may be attended to (Hugging Face's
    `attention_mask`). Scores of keys whose mask is 0 become the lowest
    finite float (`-inf` stays `-inf`), as Hugging Face's additive mask
    makes them: a following softmax gives them weight 0, and a row of only
    padding averages its keys instead of becoming NaN.

    ```mlir
    %m = attn.padding_mask %s, %mask : tensor<?x8x?x?xf32>, tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, AnyRankedTensor:$mask);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $mask attr-dict `:` type($result) `,` type($mask)
  }];
  let hasVerifier = 1;
}

def Attn_SoftmaxOp : Attn_Op<"softmax", [SameOperandsAndResultType,
                                         Attn_ShapeOfFirstOperand]> {
  let summary = "numerically stable softmax over the last dimension";
  let description = [{
    `exp(s x - max(s x)) / sum(exp(s x - max(s x)))` along the last
    dimension, with `s` the optional `scale` (1 when absent): the
    canonicalizer folds a single-use `attn.scale` producing the input into
    it, so that the lowering multiplies while it reads.

    ```mlir
    %p = attn.softmax %s : tensor<?x8x?x?xf32>
    %q = attn.softmax %t scale 1.250000e-01 : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input,
                       DefaultValuedAttr<F32Attr, "1.0">:$scale);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input (`scale` $scale^)? attr-dict `:` type($result)";
  let builders = [
    OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$input), [{
      build($_builder, $_state, result, input,
            $_builder.getF32FloatAttr(1.0f));
    }]>
  ];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Attn_SplitHeadsOp : Attn_Op<"split_heads", [Attn_OwnShapeRule]> {
  let summary = "[B, S, H*D] -> [B, H, S, D]";
  let description = [{
    Splits the feature dimension into `heads` contiguous groups of `D`
    features and moves the head dimension before the sequence dimension.

    ```mlir
    %q = attn.split_heads %x heads 8 : tensor<?x?x256xf32> -> tensor<?x8x?x32xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, ConfinedAttr<I64Attr, [IntPositive]>:$heads);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `heads` $heads attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Attn_RepeatKVOp : Attn_Op<"repeat_kv", [Attn_OwnShapeRule]> {
  let summary = "[B, G, S, D] -> [B, G*n, S, D], each head n times";
  let description = [{
    Hugging Face's `repeat_kv`: head `h` of the result is head `h / n` of the
    input, so that `G` key/value heads serve `G * n` query heads
    (grouped-query attention spelled out). Attention fusion reads the
    unrepeated heads instead.

    ```mlir
    %k4 = attn.repeat_kv %k times 4 : tensor<?x2x?x64xf32> -> tensor<?x8x?x64xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, ConfinedAttr<I64Attr, [IntPositive]>:$times);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `times` $times attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Attn_MergeHeadsOp : Attn_Op<"merge_heads", [Attn_OwnShapeRule]> {
  let summary = "[B, H, S, D] -> [B, S, H*D]";
  let description = [{
    The inverse of `attn.split_heads`.

    ```mlir
    %y = attn.merge_heads %o : tensor<?x8x?x32xf32> -> tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Attn_ReshapeOp : Attn_Op<"reshape", [Attn_OwnShapeRule]> {
  let summary = "the same elements, in row-major order, under another shape";
  let description = [{
    Reads the input in row-major order and writes the result in row-major
    order: `torch.reshape` on a contiguous tensor. The static sizes of input
    and result hold the same number of elements, and every dynamic dimension
    of the result has the size of one dynamic dimension of the input, each
    used once: `dims` lists, for each dynamic dimension of the result in
    order, the input dimension it takes its size from. (Dynamic sizes are
    known only at run time, so nothing else could make the counts agree.)

    ```mlir
    %y = attn.reshape %x dims [0, 1] : tensor<?x?x24xf32> -> tensor<?x?x4x6xf32>
    %t = attn.reshape %x dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x24xf32>
    ```
  }];
  let arguments = (ins Attn_Tensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Attn_Tensor:$result);
  let assemblyFormat = [{
    $input `dims` $dims attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Attn_AttentionOp : Attn_Op<"attention", [Attn_OwnShapeRule]> {
  let summary = "fused scaled dot-product attention";
  let description = [{
    `softmax(mask(scale * query @ key^T)) @ value` over the last two
    dimensions: `query` is `[B, H, Sq, D]`, `key` and `value` are
    `[B, G, Sk, D]` where `G` divides `H` (grouped-query attention: query
    head `h` reads key/value head `h / (H / G)`); the result is
    `[B, H, Sq, Dv]`. With `causal`, query `i` sees keys
    `j <= i + (Sk - Sq)`; `window W` (needs `causal`) also drops keys
    `j <= i + (Sk - Sq) - W`, so a query sees the last W keys up to its own
    position; `alibi` adds `slope(h) * j` to the scaled scores of head `h`
    (BLOOM's slopes; KeyVisibility.h). `key` and `value` may be bf16 or
    f16 (both the same; a KV cache kept narrower, attnc-kv-cache), widened
    to f32 as they are read. The optional `mask` (`[B, Sk]`, integer or f32) is
    nonzero for keys that may be attended to (a padding mask; dropped keys
    score the lowest finite float, as in `attn.padding_mask`). The op never
    needs the `[Sq, Sk]` score matrix to exist: lowerings are free to compute
    it block by block.

    ```mlir
    %o = attn.attention %q, %k, %v causal scale 1.767767e-01
        : tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32> -> tensor<?x8x?x32xf32>
    %w = attn.attention %q, %k, %v causal window 4096 alibi scale 1.767767e-01
        : tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32> -> tensor<?x8x?x32xf32>
    %p = attn.attention %q, %k, %v mask %m scale 1.250000e-01
        : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x?xi64> -> tensor<?x8x?x64xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$query, Attn_KeyValueTensor:$key,
                       Attn_KeyValueTensor:$value,
                       Optional<AnyRankedTensor>:$mask,
                       UnitAttr:$causal, F32Attr:$scale,
                       OptionalAttr<I64Attr>:$window, UnitAttr:$alibi);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? (`causal` $causal^)?
    (`window` $window^)? (`alibi` $alibi^)? `scale` $scale attr-dict `:`
    type($query) `,` type($key) `,` type($value) (`,` type($mask)^)?
    `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$query,
                   "mlir::Value":$key, "mlir::Value":$value,
                   "bool":$causal, "float":$scale), [{
      build($_builder, $_state, result, query, key, value, mlir::Value(),
            causal ? $_builder.getUnitAttr() : mlir::UnitAttr(),
            $_builder.getF32FloatAttr(scale), mlir::IntegerAttr(),
            mlir::UnitAttr());
    }]>
  ];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Attn_AttentionProbsOp : Attn_Op<"attention_probs", [Attn_OwnShapeRule]> {
  let summary = "the attention probabilities of an attn.attention";
  let description = [{
    `softmax(mask(scale * query @ key^T))`: the `[B, H, Sq, Sk]` weights that
    an `attn.attention` with the same query, key, mask, `causal`, `window`,
    `alibi` and `scale`
    gives each key, with the same grouped-query heads (query head `h` reads
    key head `h / (H / G)`) and the same masks. Masked entries are exactly
    0 and every row that sees at least one key sums to 1. Debug builds
    (`attnc-expose-attention-probs`) return these as extra model outputs.

    ```mlir
    %p = attn.attention_probs %q, %k causal scale 1.767767e-01
        : tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32> -> tensor<?x8x?x?xf32>
    %w = attn.attention_probs %q, %k mask %m scale 1.250000e-01
        : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x?xi64> -> tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$query, Attn_F32Tensor:$key,
                       Optional<AnyRankedTensor>:$mask,
                       UnitAttr:$causal, F32Attr:$scale,
                       OptionalAttr<I64Attr>:$window, UnitAttr:$alibi);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $query `,` $key (`mask` $mask^)? (`causal` $causal^)?
    (`window` $window^)? (`alibi` $alibi^)? `scale` $scale
    attr-dict `:` type($query) `,` type($key) (`,` type($mask)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization and activations
//===----------------------------------------------------------------------===//

def Attn_LayerNormOp : Attn_Op<"layernorm", [AllTypesMatch<["input", "result"]>,
                                             Attn_RowWise,
                                             Attn_ShapeOfFirstOperand]> {
  let summary = "layer normalization over the last dimension";
  let description = [{
    `(x - mean) / sqrt(var + eps) * weight + bias`, with the mean and the
    (biased) variance of the last dimension, as `torch.nn.LayerNorm`.

    ```mlir
    %y = attn.layernorm %x, %w, %b eps 9.99999974E-6
        : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, Attn_WeightTensor:$weight,
                       Attn_F32Tensor:$bias, F32Attr:$epsilon);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `eps` $epsilon attr-dict `:`
    type($input) `,` type($weight) `,` type($bias)
  }];
  let builders = [
    OpBuilder<(ins "mlir::Value":$input, "mlir::Value":$weight,
                   "mlir::Value":$bias, "float":$epsilon), [{
      build($_builder, $_state, input.getType(), input, weight, bias,
            $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
  let hasVerifier = 1;
}

def Attn_RMSNormOp : Attn_Op<"rmsnorm", [AllTypesMatch<["input", "result"]>,
                                         Attn_RowWise,
                                         Attn_ShapeOfFirstOperand]> {
  let summary = "root-mean-square normalization over the last dimension";
  let description = [{
    `x / sqrt(mean(x^2) + eps) * weight`, as LLaMA's `LlamaRMSNorm`.

    ```mlir
    %y = attn.rmsnorm %x, %w eps 9.99999997E-7 : tensor<?x?x4096xf32>, tensor<4096xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, Attn_WeightTensor:$weight,
                       F32Attr:$epsilon);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `eps` $epsilon attr-dict `:` type($input) `,` type($weight)
  }];
  let builders = [
    OpBuilder<(ins "mlir::Value":$input, "mlir::Value":$weight,
                   "float":$epsilon), [{
      build($_builder, $_state, input.getType(), input, weight,
            $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
  let hasVerifier = 1;
}

// An activation is this one line; the builtin table row, the lowering's
// scalar body and a test complete it (docs/architecture.md).
class Attn_ActivationOp<string mnemonic, string formula>
    : Attn_Op<mnemonic, [SameOperandsAndResultType, Attn_Activation,
                         Attn_RowWise, Attn_ShapeOfFirstOperand]> {
  let summary = "elementwise " # formula;
  let description = [{
    Applies `}] # formula # [{` to every element.

    ```mlir
    %y = attn.}] # mnemonic # [{ %x : tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Attn_GeluOp : Attn_ActivationOp<"gelu", "0.5 x (1 + erf(x / sqrt(2)))">;
def Attn_GeluTanhOp : Attn_ActivationOp<"gelu_tanh",
    "0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))">;
def Attn_GeluQuickOp : Attn_ActivationOp<"gelu_quick", "x sigmoid(1.702 x)">;
def Attn_SiluOp : Attn_ActivationOp<"silu", "x / (1 + exp(-x))">;
def Attn_ReluOp : Attn_ActivationOp<"relu", "max(x, 0)">;
def Attn_TanhOp : Attn_ActivationOp<"tanh", "tanh(x)">;
def Attn_ExpOp : Attn_ActivationOp<"exp", "exp(x)">;
def Attn_SigmoidOp : Attn_ActivationOp<"sigmoid", "1 / (1 + exp(-x))">;

//===----------------------------------------------------------------------===//
// Tokens and positions
//===----------------------------------------------------------------------===//

def Attn_IntTensor : RankedTensorOf<[I32, I64]>;

def Attn_EmbeddingOp : Attn_Op<"embedding", [Attn_OwnShapeRule]> {
  let summary = "look up rows of a table by integer ids";
  let description = [{
    `table` is `[V, E]`, `ids` any integer tensor; the result is
    `ids.shape + [E]`. Ids outside `[0, V)` are clamped to the nearest row,
    so that no input can read outside the table; the runtime rejects such
    ids before running. A bf16 or f16 table gives its rows widened to f32.

    An `i8` table is int8 panels (attnc-pack-weights `weight-type=int8`,
    docs/abi.md "int8 weights"): `[ceil(V / W), E, W]` with `scales`
    `[ceil(V / W), ceil(E / 32), W]` and `rows` = V, row `id` being lane
    `id mod W` of panel `id floordiv W`. Its element `e` is read as
    `q * scales[.., e floordiv 32, ..]` in f32 (the scales f16 or f32). W is
    the panel width of a linear's panels when the table is tied to that
    linear (the logits projection), or 1 for a table packed for the lookup
    alone (its rows).

    ```mlir
    %x = attn.embedding %wte[%ids] : tensor<50257x768xf32>, tensor<?x?xi64> -> tensor<?x?x768xf32>
    %y = attn.embedding %p[%ids] scales %s rows 100
        : tensor<3x40x48xi8>, tensor<?xi64> scales tensor<3x2x48xf16> -> tensor<?x40xf32>
    ```
  }];
  let arguments = (ins Attn_LinearWeightTensor:$table, Attn_IntTensor:$ids,
                       Optional<Attn_ScalesTensor>:$scales,
                       OptionalAttr<I64Attr>:$rows);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` (`scales` $scales^)? (`rows` $rows^)? attr-dict `:`
    type($table) `,` type($ids) (`scales` type($scales)^)? `->` type($result)
  }];
  let builders = [
    // A float table [V, E].
    OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$table,
                   "mlir::Value":$ids), [{
      build($_builder, $_state, result, table, ids, mlir::Value(),
            mlir::IntegerAttr());
    }]>
  ];
  let extraClassDeclaration = [{
    /// V, the rows ids index (dynamic for a dynamic float table).
    int64_t getRowCount();
  }];
  let hasVerifier = 1;
}

def Attn_PositionsOp : Attn_Op<"positions", [Attn_ShapeOfFirstOperand]> {
  let summary = "the position of every token: offset, offset + 1, ...";
  let description = [{
    For `ids` of shape `[B, S]`, an i64 tensor `[B, S]` holding
    `offset + s` at `[b, s]`. The offset (0 when absent) is the number of
    tokens already in the KV cache when decoding incrementally.

    ```mlir
    %p = attn.positions %ids : tensor<?x?xi64> -> tensor<?x?xi64>
    %q = attn.positions %ids offset %n : tensor<?x?xi64> -> tensor<?x?xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$ids, Optional<Index>:$offset);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $ids (`offset` $offset^)? attr-dict `:` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_SinusoidalOp : Attn_Op<"sinusoidal", [Attn_OwnShapeRule]> {
  let summary = "fixed sinusoidal position encoding";
  let description = [{
    For positions `[B, S]`, a `[B, S, N]` tensor with
    `sin(p / 10000^(2i / N))` in feature `2i` and `cos(...)` in feature
    `2i + 1`, as in "Attention Is All You Need".

    ```mlir
    %e = attn.sinusoidal %pos : tensor<?x?xi64> -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I64]>:$positions);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$positions attr-dict `:` type($positions) `->` type($result)";
  let hasVerifier = 1;
}

def Attn_RopeOp : Attn_Op<"rope", [AllTypesMatch<["input", "result"]>,
                                   Attn_ShapeOfFirstOperand]> {
  let summary = "rotary position embedding (Hugging Face rotate_half form)";
  let description = [{
    For `input` `[B, H, S, D]` and positions `[B, S]`, with
    `f_j = theta^(-2j / D)` and `a = p * f_(d mod D/2)`:
    `out[d] = x[d] cos(a) - x[d + D/2] sin(a)` for `d < D/2` and
    `out[d] = x[d] cos(a) + x[d - D/2] sin(a)` otherwise, in f32 as
    `transformers`' `apply_rotary_pos_emb` computes it.

    ```mlir
    %q2 = attn.rope %q, %pos theta 1.000000e+04 : tensor<?x32x?x128xf32>, tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, RankedTensorOf<[I64]>:$positions,
                       F32Attr:$theta);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $positions `theta` $theta attr-dict `:` type($input) `,` type($positions)
  }];
  let builders = [
    OpBuilder<(ins "mlir::Value":$input, "mlir::Value":$positions,
                   "float":$theta), [{
      build($_builder, $_state, input.getType(), input, positions,
            $_builder.getF32FloatAttr(theta));
    }]>
  ];
  let hasVerifier = 1;
}

def Attn_SliceOp : Attn_Op<"slice", [Attn_OwnShapeRule]> {
  let summary = "a contiguous range of the last dimension";
  let description = [{
    `result[..., j] = input[..., offset + j]` for `j < size`.

    ```mlir
    %q = attn.slice %qkv[0, 768] : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$offset,
                       ConfinedAttr<I64Attr, [IntPositive]>:$size);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `[` $offset `,` $size `]` attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Images and broadcasting
//===----------------------------------------------------------------------===//

def Attn_ExpandOp : Attn_Op<"expand", [Attn_OwnShapeRule]> {
  let summary = "broadcast size-1 dimensions to another tensor's (numpy rules)";
  let description = [{
    The result's shape is the broadcast of `input`'s and `like`'s shapes,
    aligned at the last dimension: in each position the sizes are equal, or
    one of them is 1 and the other is taken. Its elements are `input`'s, read
    at index 0 where `input` has size 1 (or no dimension). `like` only gives
    the sizes; MLIRGen puts this op before an elementwise op whose operands
    differ in shape.

    ```mlir
    %p = attn.expand %pos like %x : tensor<1x197x768xf32>, tensor<?x197x768xf32> -> tensor<?x197x768xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, Attn_F32Tensor:$like);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `like` $like attr-dict `:` type($input) `,` type($like) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_ConcatOp : Attn_Op<"concat", [Attn_OwnShapeRule]> {
  let summary = "two tensors one after the other along an axis";
  let description = [{
    `lhs` and `rhs` have one rank and static sizes along `axis`; the result's
    size there is their sum. The other dimensions broadcast as in
    `attn.expand` (equal, or one of them 1), so that a learned `[1, 1, d]`
    token is put in front of every sequence of a batch.

    ```mlir
    %x = attn.concat %cls, %p axis 1 : tensor<1x1x768xf32>, tensor<?x196x768xf32> -> tensor<?x197x768xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$lhs, Attn_F32Tensor:$rhs,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `axis` $axis attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_SelectOp : Attn_Op<"select", [Attn_OwnShapeRule]> {
  let summary = "one index of one axis, that axis dropped (torch.select)";
  let description = [{
    `result[i..., j...] = input[i..., index, j...]` with `index` on `axis`,
    whose size is static. A ViT's classifier reads token 0 this way.

    ```mlir
    %c = attn.select %h[1, 0] : tensor<?x197x768xf32> -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$index);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `[` $axis `,` $index `]` attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_PermuteOp : Attn_Op<"permute", [Attn_OwnShapeRule]> {
  let summary = "a permutation of the dimensions (torch.permute)";
  let description = [{
    `dims` lists every dimension of `input` once; dimension `i` of the
    result is dimension `dims[i]` of the input:
    `result[i_0, ..., i_n] = input[j]` with `j[dims[k]] = i_k`.

    ```mlir
    %y = attn.permute %x dims [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `dims` $dims attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_PatchesOp : Attn_Op<"patches", [Attn_OwnShapeRule]> {
  let summary = "non-overlapping p x p patches of images, flattened";
  let description = [{
    `input` is `[B, C, H, W]` (static C, H and W, H and W multiples of
    `size`); the result is `[B, (H/p) (W/p), C p p]`: patch `(i, j)` is row
    `i (W/p) + j`, its features in `(c, kh, kw)` order,
    `result[b, i (W/p) + j, (c p + kh) p + kw] = input[b, c, i p + kh, j p + kw]`.
    A linear layer over it with a convolution's weight `[out, C, p, p]`
    read as `[out, C p p]` is the stride-p convolution of a ViT's patch
    embedding, as one matrix product.

    ```mlir
    %p = attn.patches %img size 16 : tensor<?x3x224x224xf32> -> tensor<?x196x768xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input,
                       ConfinedAttr<I64Attr, [IntPositive]>:$size);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = [{
    $input `size` $size attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

// sum, mean and max over the last dimension: one class, one verifier.
class Attn_LastDimReductionOp<string mnemonic, string what>
    : Attn_Op<mnemonic, [Attn_OwnShapeRule]> {
  let summary = what # " over the last dimension";
  let description = [{
    `[..., n] -> [...]` (rank at least 2): the }] # what # [{ of each row, as
    `torch.}] # mnemonic # [{(x, -1)` (for max, the values).

    ```mlir
    %r = attn.}] # mnemonic # [{ %x : tensor<?x197x768xf32> -> tensor<?x197xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Attn_SumOp : Attn_LastDimReductionOp<"sum", "sum">;
def Attn_MeanOp : Attn_LastDimReductionOp<"mean", "mean">;
def Attn_MaxOp : Attn_LastDimReductionOp<"max", "maximum">;

#endif // ATTNC_DIALECT_ATTN_IR_ATTNOPS_TD
