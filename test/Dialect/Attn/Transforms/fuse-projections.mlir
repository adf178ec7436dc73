// RUN: attnc-opt %s -split-input-file -attnc-fuse-projections | FileCheck %s

// Q, K and V of one input: one linear on a packed weight and bias (new
// arguments, after the members, which stay unused), then one slice each.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x16xf32>
// CHECK-SAME: %[[W:[^:]+]]: tensor<48x16xf32> {attn.kind = "packed", attn.name = "wq+wk+wv", attn.pack_axis = 0 : i64, attn.pack_of = ["wq", "wk", "wv"], attn.shape = [48, 16]}
// CHECK-SAME: %[[B:[^:]+]]: tensor<48xf32> {attn.kind = "packed", attn.name = "bq+bk+bv", attn.pack_axis = 0 : i64, attn.pack_of = ["bq", "bk", "bv"], attn.shape = [48]}
// CHECK: %[[QKV:.+]] = attn.linear %[[X]], %[[W]], %[[B]] layout out_in {{.*}} -> tensor<?x?x48xf32>
// CHECK-NEXT: %[[Q:.+]] = attn.slice %[[QKV]][0, 16]
// CHECK-NEXT: %[[K:.+]] = attn.slice %[[QKV]][16, 16]
// CHECK-NEXT: %[[V:.+]] = attn.slice %[[QKV]][32, 16]
// CHECK-NOT: attn.linear
// CHECK: return %[[Q]], %[[K]], %[[V]]
func.func @qkv(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
               %wq: tensor<16x16xf32> {attn.kind = "param", attn.name = "wq", attn.tensor = "q.weight", attn.shape = [16, 16]},
               %bq: tensor<16xf32> {attn.kind = "param", attn.name = "bq", attn.tensor = "q.bias", attn.shape = [16]},
               %wk: tensor<16x16xf32> {attn.kind = "param", attn.name = "wk", attn.tensor = "k.weight", attn.shape = [16, 16]},
               %bk: tensor<16xf32> {attn.kind = "param", attn.name = "bk", attn.tensor = "k.bias", attn.shape = [16]},
               %wv: tensor<16x16xf32> {attn.kind = "param", attn.name = "wv", attn.tensor = "v.weight", attn.shape = [16, 16]},
               %bv: tensor<16xf32> {attn.kind = "param", attn.name = "bv", attn.tensor = "v.bias", attn.shape = [16]})
    -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>)
    attributes {attn.model = "qkv", attn.dims = ["batch", "seq"]} {
  %q = attn.linear %x, %wq, %bq layout out_in : tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<16xf32> -> tensor<?x?x16xf32>
  %k = attn.linear %x, %wk, %bk layout out_in : tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<16xf32> -> tensor<?x?x16xf32>
  %v = attn.linear %x, %wv, %bv layout out_in : tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<16xf32> -> tensor<?x?x16xf32>
  return %q, %k, %v : tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>
}

// -----

// In a layer loop, stacked per-layer weights ([in, out] layout, no bias, of
// different widths as with grouped-query attention) pack into a stacked
// weight sliced at the layer index, concatenated along `out` (axis 2).
// CHECK-LABEL: func.func @layers
// CHECK-SAME: %[[W:[^:]+]]: tensor<3x16x32xf32> {attn.kind = "packed", attn.layers = 3 : i64, attn.name = "blk.wq+blk.wk+blk.wv", attn.pack_axis = 2 : i64, attn.pack_of = ["blk.wq", "blk.wk", "blk.wv"], attn.shape = [3, 16, 32]}
// CHECK: scf.for %[[L:[^ ]+]] =
// CHECK: %[[WL:.+]] = tensor.extract_slice %[[W]][%[[L]], 0, 0] [1, 16, 32] [1, 1, 1]
// CHECK: %[[QKV:.+]] = attn.linear %{{.+}}, %[[WL]] layout in_out {{.*}} -> tensor<?x?x32xf32>
// CHECK: attn.slice %[[QKV]][0, 16]
// CHECK: attn.slice %[[QKV]][16, 8]
// CHECK: attn.slice %[[QKV]][24, 8]
// CHECK-NOT: attn.linear
func.func @layers(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
                  %wq: tensor<3x16x16xf32> {attn.kind = "param", attn.name = "blk.wq", attn.tensor = "h.{i}.q", attn.shape = [3, 16, 16], attn.layers = 3 : i64},
                  %wk: tensor<3x16x8xf32> {attn.kind = "param", attn.name = "blk.wk", attn.tensor = "h.{i}.k", attn.shape = [3, 16, 8], attn.layers = 3 : i64},
                  %wv: tensor<3x16x8xf32> {attn.kind = "param", attn.name = "blk.wv", attn.tensor = "h.{i}.v", attn.shape = [3, 16, 8], attn.layers = 3 : i64})
    -> tensor<?x?x16xf32> attributes {attn.model = "layers", attn.dims = ["batch", "seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %x) -> (tensor<?x?x16xf32>) {
    %sq = tensor.extract_slice %wq[%i, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<3x16x16xf32> to tensor<16x16xf32>
    %sk = tensor.extract_slice %wk[%i, 0, 0] [1, 16, 8] [1, 1, 1] : tensor<3x16x8xf32> to tensor<16x8xf32>
    %sv = tensor.extract_slice %wv[%i, 0, 0] [1, 16, 8] [1, 1, 1] : tensor<3x16x8xf32> to tensor<16x8xf32>
    %q = attn.linear %acc, %sq layout in_out : tensor<?x?x16xf32>, tensor<16x16xf32> -> tensor<?x?x16xf32>
    %q4 = attn.split_heads %q heads 2 : tensor<?x?x16xf32> -> tensor<?x2x?x8xf32>
    %k = attn.linear %acc, %sk layout in_out : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
    %v = attn.linear %acc, %sv layout in_out : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
    %kv = attn.mul %k, %v : tensor<?x?x8xf32>
    %qk = attn.slice %q[0, 8] : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
    %o = attn.add %qk, %kv : tensor<?x?x8xf32>
    %r = attn.merge_heads %q4 : tensor<?x2x?x8xf32> -> tensor<?x?x16xf32>
    scf.yield %r : tensor<?x?x16xf32>
  }
  return %h : tensor<?x?x16xf32>
}

// -----

// Near misses: linears of different inputs, a weight also used elsewhere
// (tied), biases on some members only, different layouts, and a function
// that is not the model stay as they are.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: attn.kind = "packed"
// CHECK-COUNT-8: attn.linear
// CHECK-NOT: attn.slice
func.func @near_misses(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]},
                       %y: tensor<?x16xf32> {attn.kind = "input", attn.name = "y", attn.shape = ["seq", 16]},
                       %w1: tensor<16x16xf32> {attn.kind = "param", attn.name = "w1", attn.tensor = "w1", attn.shape = [16, 16]},
                       %w2: tensor<16x16xf32> {attn.kind = "param", attn.name = "w2", attn.tensor = "w2", attn.shape = [16, 16]},
                       %tied: tensor<16x16xf32> {attn.kind = "param", attn.name = "tied", attn.tensor = "tied", attn.shape = [16, 16]},
                       %w3: tensor<16x16xf32> {attn.kind = "param", attn.name = "w3", attn.tensor = "w3", attn.shape = [16, 16]},
                       %w4: tensor<16x16xf32> {attn.kind = "param", attn.name = "w4", attn.tensor = "w4", attn.shape = [16, 16]},
                       %b4: tensor<16xf32> {attn.kind = "param", attn.name = "b4", attn.tensor = "b4", attn.shape = [16]},
                       %w5: tensor<16x16xf32> {attn.kind = "param", attn.name = "w5", attn.tensor = "w5", attn.shape = [16, 16]},
                       %w6: tensor<16x16xf32> {attn.kind = "param", attn.name = "w6", attn.tensor = "w6", attn.shape = [16, 16]})
    -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>)
    attributes {attn.model = "near_misses", attn.dims = ["seq"]} {
  %a = attn.linear %x, %w1 layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %b = attn.linear %y, %w2 layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %c = attn.linear %y, %tied layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %d = attn.linear %c, %tied layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %e = attn.linear %d, %w3 layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %f = attn.linear %d, %w4, %b4 layout out_in : tensor<?x16xf32>, tensor<16x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %g = attn.linear %e, %w5 layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %h = attn.linear %e, %w6 layout in_out : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  return %a, %b, %c, %d, %e, %f, %g, %h : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}

// CHECK-LABEL: func.func @not_a_model
// CHECK-COUNT-2: attn.linear
func.func @not_a_model(%x: tensor<?x16xf32>,
                       %w1: tensor<16x16xf32> {attn.kind = "param", attn.name = "w1"},
                       %w2: tensor<16x16xf32> {attn.kind = "param", attn.name = "w2"})
    -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %a = attn.linear %x, %w1 layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %b = attn.linear %x, %w2 layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  return %a, %b : tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// The gate and up products of a gated unit (SwiGLU, GEGLU) stay apart so
// that the activation and the multiply fuse into them as epilogues; the
// Q and K projections of the same input still fuse.
// CHECK-LABEL: func.func @gated_units
// CHECK-SAME: attn.name = "wq+wk"
// CHECK-NOT: attn.pack_of = ["wg"
// CHECK: attn.linear %{{.+}}, %{{.+}} layout out_in {{.*}} -> tensor<?x32xf32>
// CHECK: %[[G:.+]] = attn.linear %{{.+}}, %{{.+}} layout out_in {{.*}} -> tensor<?x64xf32>
// CHECK: %[[U:.+]] = attn.linear %{{.+}}, %{{.+}} layout out_in {{.*}} -> tensor<?x64xf32>
// CHECK: %[[S:.+]] = attn.silu %[[G]]
// CHECK: attn.mul %[[S]], %[[U]]
// CHECK: %[[G2:.+]] = attn.linear %{{.+}}, %{{.+}} layout out_in {{.*}} -> tensor<?x64xf32>
// CHECK: %[[U2:.+]] = attn.linear %{{.+}}, %{{.+}} layout out_in {{.*}} -> tensor<?x64xf32>
// CHECK: %[[A:.+]] = attn.gelu_tanh %[[G2]]
// CHECK: attn.mul %[[U2]], %[[A]]
func.func @gated_units(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]},
                       %wq: tensor<16x16xf32> {attn.kind = "param", attn.name = "wq", attn.tensor = "wq", attn.shape = [16, 16]},
                       %wk: tensor<16x16xf32> {attn.kind = "param", attn.name = "wk", attn.tensor = "wk", attn.shape = [16, 16]},
                       %wg: tensor<64x16xf32> {attn.kind = "param", attn.name = "wg", attn.tensor = "wg", attn.shape = [64, 16]},
                       %wu: tensor<64x16xf32> {attn.kind = "param", attn.name = "wu", attn.tensor = "wu", attn.shape = [64, 16]},
                       %wg2: tensor<64x16xf32> {attn.kind = "param", attn.name = "wg2", attn.tensor = "wg2", attn.shape = [64, 16]},
                       %wu2: tensor<64x16xf32> {attn.kind = "param", attn.name = "wu2", attn.tensor = "wu2", attn.shape = [64, 16]})
    -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
    attributes {attn.model = "gated_units", attn.dims = ["seq"]} {
  %q = attn.linear %x, %wq layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %k = attn.linear %x, %wk layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %g = attn.linear %x, %wg layout out_in : tensor<?x16xf32>, tensor<64x16xf32> -> tensor<?x64xf32>
  %u = attn.linear %x, %wu layout out_in : tensor<?x16xf32>, tensor<64x16xf32> -> tensor<?x64xf32>
  %s = attn.silu %g : tensor<?x64xf32>
  %m = attn.mul %s, %u : tensor<?x64xf32>
  %g2 = attn.linear %x, %wg2 layout out_in : tensor<?x16xf32>, tensor<64x16xf32> -> tensor<?x64xf32>
  %u2 = attn.linear %x, %wu2 layout out_in : tensor<?x16xf32>, tensor<64x16xf32> -> tensor<?x64xf32>
  %a = attn.gelu_tanh %g2 : tensor<?x64xf32>
  %m2 = attn.mul %u2, %a : tensor<?x64xf32>
  return %q, %k, %m, %m2 : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A single layer (repeat 1) has no loop: its parameters are stacked with one
// layer and sliced at 0; they fuse as in a loop.
// CHECK-LABEL: func.func @single_layer
// CHECK-SAME: %[[W:[^:]+]]: tensor<1x16x32xf32> {attn.kind = "packed", attn.layers = 1 : i64, attn.name = "blk.wq+blk.wk", attn.pack_axis = 2 : i64
// CHECK: %[[WL:.+]] = tensor.extract_slice %[[W]][0, 0, 0] [1, 16, 32] [1, 1, 1]
// CHECK: %[[QK:.+]] = attn.linear %{{.+}}, %[[WL]] layout in_out {{.*}} -> tensor<?x32xf32>
// CHECK: attn.slice %[[QK]][0, 16]
// CHECK: attn.slice %[[QK]][16, 16]
// CHECK-NOT: attn.linear
func.func @single_layer(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]},
                        %wq: tensor<1x16x16xf32> {attn.kind = "param", attn.name = "blk.wq", attn.tensor = "h.{i}.q", attn.shape = [1, 16, 16], attn.layers = 1 : i64},
                        %wk: tensor<1x16x16xf32> {attn.kind = "param", attn.name = "blk.wk", attn.tensor = "h.{i}.k", attn.shape = [1, 16, 16], attn.layers = 1 : i64})
    -> (tensor<?x16xf32>, tensor<?x16xf32>) attributes {attn.model = "single_layer", attn.dims = ["seq"]} {
  %sq = tensor.extract_slice %wq[0, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<1x16x16xf32> to tensor<16x16xf32>
  %sk = tensor.extract_slice %wk[0, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<1x16x16xf32> to tensor<16x16xf32>
  %q = attn.linear %x, %sq layout in_out : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %k = attn.linear %x, %sk layout in_out : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  return %q, %k : tensor<?x16xf32>, tensor<?x16xf32>
}
