// RUN: attnc-opt %s -split-input-file -attnc-kv-cache -attnc-step-last-position | FileCheck %s

// The step returns the last new token's logits: the cut moves up through the
// logits projection and the final norm to the layer's output, so both
// compute one row. The model function keeps every row.
// CHECK-LABEL: func.func @dec(
// CHECK-SAME: -> (tensor<?x?x32xf32> {attn.name = "logits", attn.shape = ["batch", "seq", 32]})
// CHECK: attn.layernorm %{{.+}} : tensor<?x?x16xf32>
// CHECK: attn.linear {{.+}} -> tensor<?x?x32xf32>
// CHECK-LABEL: func.func @dec_step(
// CHECK-SAME: -> (tensor<?x1x32xf32> {attn.last_position, attn.name = "logits", attn.shape = ["batch", 1, 32]})
// CHECK: %[[H:.+]] = attn.merge_heads
// CHECK: %[[B:.+]] = tensor.dim %[[H]], %c0
// CHECK: %[[S:.+]] = tensor.dim %[[H]], %c1
// CHECK: %[[LAST:.+]] = arith.subi %[[S]], %c1
// CHECK: %[[CUT:.+]] = tensor.extract_slice %[[H]][0, %[[LAST]], 0] [%[[B]], 1, 16] [1, 1, 1] : tensor<?x?x16xf32> to tensor<?x1x16xf32>
// CHECK: %[[N:.+]] = attn.layernorm %[[CUT]], {{.+}} : tensor<?x1x16xf32>
// CHECK: %[[L:.+]] = attn.linear %[[N]], {{.+}} -> tensor<?x1x32xf32>
// CHECK-NEXT: return %[[L]] : tensor<?x1x32xf32>
func.func @dec(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
               %g: tensor<16xf32> {attn.kind = "param", attn.name = "g", attn.tensor = "g", attn.shape = [16]},
               %w: tensor<32x16xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "w", attn.shape = [32, 16]})
    -> (tensor<?x?x32xf32> {attn.name = "logits", attn.shape = ["batch", "seq", 32]})
    attributes {attn.model = "dec", attn.dims = ["batch", "seq"]} {
  %q = attn.split_heads %x heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %a = attn.attention %q, %q, %q causal scale 5.000000e-01 : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32> -> tensor<?x4x?x4xf32>
  %h = attn.merge_heads %a : tensor<?x4x?x4xf32> -> tensor<?x?x16xf32>
  %n = attn.layernorm %h, %g, %g eps 1.000000e-05 : tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>
  %l = attn.linear %n, %w layout out_in : tensor<?x?x16xf32>, tensor<32x16xf32> -> tensor<?x?x32xf32>
  return %l : tensor<?x?x32xf32>
}

// -----

// A row-wise op whose result is read elsewhere too stays whole; the cut
// stops below it. An output without the token axis at 1 is not cut.
// CHECK-LABEL: func.func @shared_step(
// CHECK-SAME: -> (tensor<?x1x16xf32> {attn.last_position, attn.name = "y", attn.shape = ["batch", 1, 16]}, tensor<?x16xf32> {attn.name = "pooled", attn.shape = ["batch", 16]})
// CHECK: %[[N:.+]] = attn.layernorm %{{.+}} : tensor<?x?x16xf32>
// CHECK: attn.transpose %[[N]]
// CHECK: %[[CUT:.+]] = tensor.extract_slice %[[N]]
// CHECK: return %[[CUT]]
func.func @shared(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
                  %g: tensor<16xf32> {attn.kind = "param", attn.name = "g", attn.tensor = "g", attn.shape = [16]})
    -> (tensor<?x?x16xf32> {attn.name = "y", attn.shape = ["batch", "seq", 16]},
        tensor<?x16xf32> {attn.name = "pooled", attn.shape = ["batch", 16]})
    attributes {attn.model = "shared", attn.dims = ["batch", "seq"]} {
  %q = attn.split_heads %x heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %a = attn.attention %q, %q, %q causal scale 5.000000e-01 : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32> -> tensor<?x4x?x4xf32>
  %h = attn.merge_heads %a : tensor<?x4x?x4xf32> -> tensor<?x?x16xf32>
  %n = attn.layernorm %h, %g, %g eps 1.000000e-05 : tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>
  %t = attn.transpose %n : tensor<?x?x16xf32> -> tensor<?x16x?xf32>
  %p = attn.sum %t : tensor<?x16x?xf32> -> tensor<?x16xf32>
  return %n, %p : tensor<?x?x16xf32>, tensor<?x16xf32>
}
