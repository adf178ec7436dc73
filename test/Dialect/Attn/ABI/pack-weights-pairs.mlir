// RUN: attnc-opt %s -split-input-file -attnc-pack-weights=round-activations | FileCheck %s

// round-activations: a bf16 weight is packed with pairs of input features
// side by side, [panels, ceil(in / 2), 48, 2] (in = 41 is odd: 21 pairs),
// read in layout panel_pairs. The parameter stays as it is (the embedding
// reads it).
// CHECK-LABEL: func.func @tied
// CHECK-SAME: %[[W:[^:]+]]: tensor<100x41xbf16> {attn.kind = "param"
// CHECK-SAME: %[[P:[^:]+]]: tensor<3x21x48x2xbf16> {attn.kind = "packed", attn.name = "panels(wte)", attn.pack_axis = 0 : i64, attn.pack_of = ["wte"], attn.pack_out_axis = 0 : i64, attn.pack_pairs, attn.shape = [3, 21, 48, 2]}
// CHECK: attn.embedding %[[W]]
// CHECK: attn.linear %{{.+}}, %[[P]] layout panel_pairs : tensor<?x41xf32>, tensor<3x21x48x2xbf16> -> tensor<?x100xf32>
func.func @tied(%x: tensor<?x41xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 41]},
                %ids: tensor<?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["seq"]},
                %wte: tensor<100x41xbf16> {attn.kind = "param", attn.name = "wte", attn.tensor = "wte", attn.shape = [100, 41]})
    -> (tensor<?x41xf32>, tensor<?x100xf32>)
    attributes {attn.model = "tied", attn.dims = ["seq"]} {
  %e = attn.embedding %wte[%ids] : tensor<100x41xbf16>, tensor<?xi64> -> tensor<?x41xf32>
  %y = attn.linear %x, %wte layout out_in : tensor<?x41xf32>, tensor<100x41xbf16> -> tensor<?x100xf32>
  return %e, %y : tensor<?x41xf32>, tensor<?x100xf32>
}

// -----

// Stacked: each layer reads its slice of the pairs; an f32 weight keeps
// plain panels.
// CHECK-LABEL: func.func @layers
// CHECK-SAME: %[[P:[^:]+]]: tensor<3x1x8x48x2xbf16> {attn.kind = "packed", attn.layers = 3 : i64, attn.name = "panels(w)"
// CHECK-SAME: tensor<1x16x48xf32> {attn.kind = "packed", attn.name = "panels(v)"
// CHECK: scf.for %[[L:[^ ]+]] =
// CHECK: %[[PL:.+]] = tensor.extract_slice %[[P]][%[[L]], 0, 0, 0, 0] [1, 1, 8, 48, 2] [1, 1, 1, 1, 1] : tensor<3x1x8x48x2xbf16> to tensor<1x8x48x2xbf16>
// CHECK: attn.linear %{{.+}}, %[[PL]] layout panel_pairs : tensor<?x16xf32>, tensor<1x8x48x2xbf16> -> tensor<?x16xf32>
// CHECK: attn.linear %{{.+}} layout panels : tensor<?x16xf32>, tensor<1x16x48xf32> -> tensor<?x16xf32>
func.func @layers(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]},
                  %w: tensor<3x16x16xbf16> {attn.kind = "param", attn.name = "w", attn.tensor = "h.{i}.w", attn.shape = [3, 16, 16], attn.layers = 3 : i64},
                  %v: tensor<16x16xf32> {attn.kind = "param", attn.name = "v", attn.tensor = "v", attn.shape = [16, 16]})
    -> tensor<?x16xf32> attributes {attn.model = "layers", attn.dims = ["seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %x) -> (tensor<?x16xf32>) {
    %sw = tensor.extract_slice %w[%i, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<3x16x16xbf16> to tensor<16x16xbf16>
    %y = attn.linear %acc, %sw layout out_in : tensor<?x16xf32>, tensor<16x16xbf16> -> tensor<?x16xf32>
    scf.yield %y : tensor<?x16xf32>
  }
  %z = attn.linear %h, %v layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  return %z : tensor<?x16xf32>
}
