// RUN: attnc-opt %s -split-input-file -verify-diagnostics -attnc-expose-attention-probs | FileCheck %s

// At function level: the probabilities of the same q, k, mask and scale
// become a new result, [batch, heads, seq, seq] by the input's dim names.
// CHECK-LABEL: func.func @mha
// CHECK-SAME: -> (tensor<?x?x32xf32> {attn.name = "y", attn.shape = ["batch", "seq", 32]}, tensor<?x4x?x?xf32> {attn.name = "attention.0", attn.shape = ["batch", 4, "seq", "seq"]})
// CHECK: %[[Q:.+]] = attn.split_heads
// CHECK: %[[O:.+]] = attn.attention %[[Q]], %[[Q]], %[[Q]] causal scale 3.535530e-01
// CHECK: %[[P:.+]] = attn.attention_probs %[[Q]], %[[Q]] causal scale 3.535530e-01 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x?xf32>
// CHECK: %[[Y:.+]] = attn.merge_heads %[[O]]
// CHECK: return %[[Y]], %[[P]]
func.func @mha(%x: tensor<?x?x32xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 32]})
    -> (tensor<?x?x32xf32> {attn.name = "y", attn.shape = ["batch", "seq", 32]})
    attributes {attn.model = "mha", attn.dims = ["batch", "seq"]} {
  %q = attn.split_heads %x heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  %o = attn.attention %q, %q, %q causal scale 0.353553 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  %y = attn.merge_heads %o : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// In the layer loop: a [layers, ...] iter_arg that each iteration fills at
// its layer; the mask and grouped-query heads carry over.
// CHECK-LABEL: func.func @layers
// CHECK-SAME: tensor<3x?x4x?x?xf32> {attn.name = "attention.0", attn.shape = [3, "batch", 4, "seq", "seq"]}
// CHECK-DAG: %[[B:.+]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[S:.+]] = tensor.dim %arg0, %c1
// CHECK: %[[INIT:.+]] = tensor.empty(%[[B]], %[[S]], %[[S]]) : tensor<3x?x4x?x?xf32>
// CHECK: %[[LOOP:.+]]:2 = scf.for %[[L:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[H:.+]] = %arg0, %[[ACC:.+]] = %[[INIT]])
// CHECK: %[[Q:.+]] = attn.split_heads %[[H]] heads 4
// CHECK: %[[K:.+]] = attn.split_heads %{{.+}} heads 2
// CHECK: attn.attention %[[Q]], %[[K]], %[[K]] mask %arg1 scale
// CHECK: %[[P:.+]] = attn.attention_probs %[[Q]], %[[K]] mask %arg1 scale 3.535530e-01 : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x?xi64> -> tensor<?x4x?x?xf32>
// CHECK: %[[SLICE:.+]] = tensor.insert_slice %[[P]] into %[[ACC]][%[[L]], 0, 0, 0, 0] [1, %{{.+}}, 4, %{{.+}}, %{{.+}}] [1, 1, 1, 1, 1] : tensor<?x4x?x?xf32> into tensor<3x?x4x?x?xf32>
// CHECK: scf.yield %{{.+}}, %[[SLICE]]
// CHECK: return %[[LOOP]]#0, %[[LOOP]]#1
func.func @layers(%x: tensor<?x?x32xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 32]},
                  %mask: tensor<?x?xi64> {attn.kind = "input", attn.name = "mask", attn.shape = ["batch", "seq"]})
    -> (tensor<?x?x32xf32> {attn.name = "y", attn.shape = ["batch", "seq", 32]})
    attributes {attn.model = "layers", attn.dims = ["batch", "seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%h = %x) -> (tensor<?x?x32xf32>) {
    %q = attn.split_heads %h heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
    %kk = attn.slice %h[0, 16] : tensor<?x?x32xf32> -> tensor<?x?x16xf32>
    %k2 = attn.split_heads %kk heads 2 : tensor<?x?x16xf32> -> tensor<?x2x?x8xf32>
    %o = attn.attention %q, %k2, %k2 mask %mask scale 0.353553 : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x?xi64> -> tensor<?x4x?x8xf32>
    %m = attn.merge_heads %o : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
    %n = attn.add %h, %m : tensor<?x?x32xf32>
    scf.yield %n : tensor<?x?x32xf32>
  }
  return %r : tensor<?x?x32xf32>
}

// -----

// Cross-attention: the keys come from the encoder's loop over `src`, whose
// length is the dim src_seq; the queries are the target's tgt_seq.
// CHECK-LABEL: func.func @cross
// CHECK-SAME: {attn.name = "attention.0", attn.shape = [2, "batch", 2, "src_seq", "src_seq"]}
// CHECK-SAME: {attn.name = "attention.1", attn.shape = ["batch", 2, "tgt_seq", "src_seq"]}
// CHECK: scf.for
// CHECK: attn.attention_probs
// CHECK: scf.yield
// CHECK: %[[P:.+]] = attn.attention_probs {{.*}} -> tensor<?x2x?x?xf32>
// CHECK: return %{{.+}}, %{{.+}}#1, %[[P]]
func.func @cross(%src: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "src", attn.shape = ["batch", "src_seq", 16]},
                 %tgt: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "tgt", attn.shape = ["batch", "tgt_seq", 16]})
    -> (tensor<?x?x16xf32> {attn.name = "y", attn.shape = ["batch", "tgt_seq", 16]})
    attributes {attn.model = "cross", attn.dims = ["batch", "src_seq", "tgt_seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %memory = scf.for %i = %c0 to %c2 step %c1 iter_args(%h = %src) -> (tensor<?x?x16xf32>) {
    %s = attn.split_heads %h heads 2 : tensor<?x?x16xf32> -> tensor<?x2x?x8xf32>
    %o = attn.attention %s, %s, %s scale 1.0 : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x2x?x8xf32>
    %m = attn.merge_heads %o : tensor<?x2x?x8xf32> -> tensor<?x?x16xf32>
    scf.yield %m : tensor<?x?x16xf32>
  }
  %q = attn.split_heads %tgt heads 2 : tensor<?x?x16xf32> -> tensor<?x2x?x8xf32>
  %k = attn.split_heads %memory heads 2 : tensor<?x?x16xf32> -> tensor<?x2x?x8xf32>
  %o = attn.attention %q, %k, %k scale 1.0 : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x2x?x8xf32>
  %y = attn.merge_heads %o : tensor<?x2x?x8xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Not a model (no attn.model): left alone.
// CHECK-LABEL: func.func @not_a_model
// CHECK-NOT: attn.attention_probs
func.func @not_a_model(%q: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %o = attn.attention %q, %q, %q scale 1.0 : tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

// A loop whose iterations change the sequence length gives no name to it.
func.func @changing_length(%x: tensor<?x?x8xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 8]})
    -> (tensor<?x?x8xf32> {attn.name = "y", attn.shape = ["batch", "seq", 8]})
    attributes {attn.model = "m", attn.dims = ["batch", "seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%h = %x) -> (tensor<?x?x8xf32>) {
    %s = attn.split_heads %h heads 1 : tensor<?x?x8xf32> -> tensor<?x1x?x8xf32>
    // expected-error @+1 {{cannot tell which of the model's dims gives dimension 2 of this attention's probabilities}}
    %o = attn.attention %s, %s, %s scale 1.0 : tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32> -> tensor<?x1x?x8xf32>
    %m = attn.merge_heads %o : tensor<?x1x?x8xf32> -> tensor<?x?x8xf32>
    %t = attn.transpose %m : tensor<?x?x8xf32> -> tensor<?x8x?xf32>
    %u = tensor.cast %t : tensor<?x8x?xf32> to tensor<?x?x?xf32>
    %v = tensor.cast %u : tensor<?x?x?xf32> to tensor<?x?x8xf32>
    scf.yield %v : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// A loop that does not start at layer 0.
func.func @offset_loop(%x: tensor<?x?x8xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 8]})
    -> (tensor<?x?x8xf32> {attn.name = "y", attn.shape = ["batch", "seq", 8]})
    attributes {attn.model = "m", attn.dims = ["batch", "seq"]} {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %i = %c1 to %c3 step %c1 iter_args(%h = %x) -> (tensor<?x?x8xf32>) {
    %s = attn.split_heads %h heads 1 : tensor<?x?x8xf32> -> tensor<?x1x?x8xf32>
    // expected-error @+1 {{cannot expose the probabilities of an attention that is neither at function level nor directly in a layer loop}}
    %o = attn.attention %s, %s, %s scale 1.0 : tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32> -> tensor<?x1x?x8xf32>
    %m = attn.merge_heads %o : tensor<?x1x?x8xf32> -> tensor<?x?x8xf32>
    scf.yield %m : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// The incremental entry cannot return probabilities: refused.
// expected-error @+1 {{the model already has an incremental-decoding entry (attnc-kv-cache)}}
module {
  func.func @dec(%x: tensor<?x?x8xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 8]})
      -> (tensor<?x?x8xf32> {attn.name = "y", attn.shape = ["batch", "seq", 8]})
      attributes {attn.model = "dec", attn.dims = ["batch", "seq"]} {
    return %x : tensor<?x?x8xf32>
  }
  func.func @dec_step(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> attributes {attn.step_of = "dec"} {
    return %x : tensor<?x?x8xf32>
  }
}

// -----

// Through attn.reshape, each dynamic size is the input dimension its dims
// entry names: here [seq, 4, batch, 8].
// CHECK-LABEL: func.func @reshaped
// CHECK-SAME: tensor<?x4x?x?xf32> {attn.name = "attention.0", attn.shape = ["seq", 4, "batch", "batch"]}
// CHECK: %[[Q:.+]] = attn.reshape
// CHECK: attn.attention_probs %[[Q]], %[[Q]]
func.func @reshaped(%x: tensor<?x?x32xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 32]})
    -> (tensor<?x4x?x8xf32> {attn.name = "y", attn.shape = ["seq", 4, "batch", 8]})
    attributes {attn.model = "reshaped", attn.dims = ["batch", "seq"]} {
  %q = attn.reshape %x dims [1, 0] : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  %o = attn.attention %q, %q, %q scale 0.353553 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}
