// RUN: attnc-opt %s -split-input-file -attnc-pack-weights | FileCheck %s

// A weight [out, in] = [100, 16]: panels [ceil(100 / 48), 16, 48]. The
// parameter stays an argument (the embedding of a tied output projection
// still reads it); two linears of one weight share one pack.
// CHECK-LABEL: func.func @tied
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x16xf32>
// CHECK-SAME: %[[W:[^:]+]]: tensor<100x16xf32> {attn.kind = "param"
// CHECK-SAME: %[[P:[^:]+]]: tensor<3x16x48xf32> {attn.kind = "packed", attn.name = "panels(wte)", attn.pack_axis = 0 : i64, attn.pack_of = ["wte"], attn.pack_out_axis = 0 : i64, attn.shape = [3, 16, 48]}
// CHECK: attn.embedding %[[W]]
// CHECK: attn.linear %[[X]], %[[P]] layout panels : tensor<?x16xf32>, tensor<3x16x48xf32> -> tensor<?x100xf32>
// CHECK: attn.linear %[[X]], %[[P]] layout panels
// CHECK-NOT: attn.kind = "packed"
func.func @tied(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]},
                %ids: tensor<?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["seq"]},
                %wte: tensor<100x16xf32> {attn.kind = "param", attn.name = "wte", attn.tensor = "wte", attn.shape = [100, 16]})
    -> (tensor<?x16xf32>, tensor<?x100xf32>, tensor<?x100xf32>)
    attributes {attn.model = "tied", attn.dims = ["seq"]} {
  %e = attn.embedding %wte[%ids] : tensor<100x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
  %y = attn.linear %x, %wte layout out_in : tensor<?x16xf32>, tensor<100x16xf32> -> tensor<?x100xf32>
  %z = attn.linear %x, %wte layout out_in : tensor<?x16xf32>, tensor<100x16xf32> -> tensor<?x100xf32>
  return %e, %y, %z : tensor<?x16xf32>, tensor<?x100xf32>, tensor<?x100xf32>
}

// -----

// Stacked [in, out] weights: the layer's slice of [layers, panels, in, 48];
// a weight packed by attnc-fuse-projections is packed from its members, and
// the concatenation nobody reads any more is removed. The bias is unchanged.
// CHECK-LABEL: func.func @layers
// CHECK-SAME: %[[B:[^:]+]]: tensor<3x56xf32> {attn.kind = "packed", attn.layers = 3 : i64, attn.name = "bq+bk"
// CHECK-NOT: attn.name = "wq+wk"
// CHECK-SAME: %[[P:[^:]+]]: tensor<3x2x16x48xf32> {attn.kind = "packed", attn.layers = 3 : i64, attn.name = "panels(wq+wk)", attn.pack_axis = 2 : i64, attn.pack_of = ["wq", "wk"], attn.pack_out_axis = 2 : i64, attn.shape = [3, 2, 16, 48]}
// CHECK: scf.for %[[L:[^ ]+]] =
// CHECK: %[[BL:.+]] = tensor.extract_slice %[[B]][%[[L]], 0] [1, 56]
// CHECK: %[[PL:.+]] = tensor.extract_slice %[[P]][%[[L]], 0, 0, 0] [1, 2, 16, 48] [1, 1, 1, 1] : tensor<3x2x16x48xf32> to tensor<2x16x48xf32>
// CHECK: attn.linear %{{.+}}, %[[PL]], %[[BL]] layout panels : tensor<?x?x16xf32>, tensor<2x16x48xf32>, tensor<56xf32> -> tensor<?x?x56xf32>
func.func @layers(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
                  %wq: tensor<3x16x40xf32> {attn.kind = "param", attn.name = "wq", attn.tensor = "h.{i}.q", attn.shape = [3, 16, 40], attn.layers = 3 : i64},
                  %wk: tensor<3x16x16xf32> {attn.kind = "param", attn.name = "wk", attn.tensor = "h.{i}.k", attn.shape = [3, 16, 16], attn.layers = 3 : i64},
                  %bq: tensor<3x40xf32> {attn.kind = "param", attn.name = "bq", attn.tensor = "h.{i}.bq", attn.shape = [3, 40], attn.layers = 3 : i64},
                  %bk: tensor<3x16xf32> {attn.kind = "param", attn.name = "bk", attn.tensor = "h.{i}.bk", attn.shape = [3, 16], attn.layers = 3 : i64},
                  %w: tensor<3x16x56xf32> {attn.kind = "packed", attn.name = "wq+wk", attn.pack_of = ["wq", "wk"], attn.pack_axis = 2 : i64, attn.shape = [3, 16, 56], attn.layers = 3 : i64},
                  %b: tensor<3x56xf32> {attn.kind = "packed", attn.name = "bq+bk", attn.pack_of = ["bq", "bk"], attn.pack_axis = 1 : i64, attn.shape = [3, 56], attn.layers = 3 : i64})
    -> tensor<?x?x16xf32> attributes {attn.model = "layers", attn.dims = ["batch", "seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %x) -> (tensor<?x?x16xf32>) {
    %sw = tensor.extract_slice %w[%i, 0, 0] [1, 16, 56] [1, 1, 1] : tensor<3x16x56xf32> to tensor<16x56xf32>
    %sb = tensor.extract_slice %b[%i, 0] [1, 56] [1, 1] : tensor<3x56xf32> to tensor<56xf32>
    %y = attn.linear %acc, %sw, %sb layout in_out : tensor<?x?x16xf32>, tensor<16x56xf32>, tensor<56xf32> -> tensor<?x?x56xf32>
    %r = attn.slice %y[0, 16] : tensor<?x?x56xf32> -> tensor<?x?x16xf32>
    scf.yield %r : tensor<?x?x16xf32>
  }
  return %h : tensor<?x?x16xf32>
}

// -----

// Weights that are no parameters (computed, or a slice of part of one) are
// left as they are.
// CHECK-LABEL: func.func @not_params
// CHECK-NOT: attn.kind = "packed"
// CHECK-NOT: layout panels
func.func @not_params(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]},
                      %w: tensor<16x16xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "w", attn.shape = [16, 16]},
                      %s: tensor<2x32x16xf32> {attn.kind = "param", attn.name = "s", attn.tensor = "s.{i}", attn.shape = [2, 32, 16], attn.layers = 2 : i64})
    -> (tensor<?x16xf32>, tensor<?x16xf32>) attributes {attn.model = "not_params", attn.dims = ["seq"]} {
  %w2 = attn.add %w, %w : tensor<16x16xf32>
  %y = attn.linear %x, %w2 layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %half = tensor.extract_slice %s[1, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<2x32x16xf32> to tensor<16x16xf32>
  %z = attn.linear %x, %half layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  return %y, %z : tensor<?x16xf32>, tensor<?x16xf32>
}
