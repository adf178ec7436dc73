// RUN: attnc-opt %s -split-input-file -attnc-pack-weights=weight-type=int8 | FileCheck %s
// RUN: not attnc-opt %s -split-input-file -attnc-pack-weights=weight-type=int4 2>&1 | FileCheck %s --check-prefix=BAD

// int8: the panels are i8 with each quad of inputs side by side ([panels,
// ceil(in / 4), 48, 4], read in layout panel_quads_f32), and their f16
// scales [panels, ceil(in / 32), 48] are a second packed argument of the
// same members; the linears read both, and so does the tied table's lookup
// (pack-weights-int8-tables.mlir).
// CHECK-LABEL: func.func @tied
// CHECK-SAME: %[[W:[^:]+]]: tensor<100x40xf32> {attn.kind = "param"
// CHECK-SAME: %[[P:[^:]+]]: tensor<3x10x48x4xi8> {attn.kind = "packed", attn.name = "panels(wte)", attn.pack_axis = 0 : i64, attn.pack_of = ["wte"], attn.pack_out_axis = 0 : i64, attn.pack_quads, attn.shape = [3, 10, 48, 4]}
// CHECK-SAME: %[[S:[^:]+]]: tensor<3x2x48xf16> {attn.kind = "packed", attn.name = "scales(wte)", attn.pack_axis = 0 : i64, attn.pack_block = 32 : i64, attn.pack_of = ["wte"], attn.pack_out_axis = 0 : i64, attn.shape = [3, 2, 48]}
// CHECK: attn.embedding %[[P]][%{{.+}}] scales %[[S]] rows 100
// CHECK: attn.linear %{{.+}}, %[[P]] scales %[[S]] layout panel_quads_f32 : tensor<?x40xf32>, tensor<3x10x48x4xi8> scales tensor<3x2x48xf16> -> tensor<?x100xf32>
// BAD: attnc-pack-weights: unknown weight-type 'int4'; expected int8 or none
func.func @tied(%x: tensor<?x40xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 40]},
                %ids: tensor<?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["seq"]},
                %wte: tensor<100x40xf32> {attn.kind = "param", attn.name = "wte", attn.tensor = "wte", attn.shape = [100, 40]})
    -> (tensor<?x40xf32>, tensor<?x100xf32>)
    attributes {attn.model = "tied", attn.dims = ["seq"]} {
  %e = attn.embedding %wte[%ids] : tensor<100x40xf32>, tensor<?xi64> -> tensor<?x40xf32>
  %y = attn.linear %x, %wte layout out_in : tensor<?x40xf32>, tensor<100x40xf32> -> tensor<?x100xf32>
  return %e, %y : tensor<?x40xf32>, tensor<?x100xf32>
}

// -----

// Stacked: each layer reads its slice of the panels and of the scales.
// CHECK-LABEL: func.func @layers
// CHECK-SAME: %[[P:[^:]+]]: tensor<3x1x4x48x4xi8> {attn.kind = "packed", attn.layers = 3 : i64, attn.name = "panels(w)"
// CHECK-SAME: %[[S:[^:]+]]: tensor<3x1x1x48xf16> {attn.kind = "packed", attn.layers = 3 : i64, attn.name = "scales(w)", attn.pack_axis = 0 : i64, attn.pack_block = 32 : i64
// CHECK: scf.for %[[L:[^ ]+]] =
// CHECK-DAG: %[[PL:.+]] = tensor.extract_slice %[[P]][%[[L]], 0, 0, 0, 0] [1, 1, 4, 48, 4] [1, 1, 1, 1, 1] : tensor<3x1x4x48x4xi8> to tensor<1x4x48x4xi8>
// CHECK-DAG: %[[SL:.+]] = tensor.extract_slice %[[S]][%[[L]], 0, 0, 0] [1, 1, 1, 48] [1, 1, 1, 1] : tensor<3x1x1x48xf16> to tensor<1x1x48xf16>
// CHECK: attn.linear %{{.+}}, %[[PL]] scales %[[SL]] layout panel_quads_f32 : tensor<?x16xf32>, tensor<1x4x48x4xi8> scales tensor<1x1x48xf16> -> tensor<?x16xf32>
func.func @layers(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]},
                  %w: tensor<3x16x16xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "h.{i}.w", attn.shape = [3, 16, 16], attn.layers = 3 : i64})
    -> tensor<?x16xf32> attributes {attn.model = "layers", attn.dims = ["seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %x) -> (tensor<?x16xf32>) {
    %sw = tensor.extract_slice %w[%i, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<3x16x16xf32> to tensor<16x16xf32>
    %y = attn.linear %acc, %sw layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    scf.yield %y : tensor<?x16xf32>
  }
  return %h : tensor<?x16xf32>
}

// -----

// On an AVX2 target (8 lanes, 16 registers) the int8 panels stay plain
// ([ceil(out / 24), in, 24], layout panels): the quads' widening needs
// registers the 4-row tiles do not have (docs/performance.md, "int8 weights
// in quads").
// CHECK-LABEL: func.func @avx2
// CHECK-SAME: %[[P:[^:]+]]: tensor<2x40x24xi8> {attn.kind = "packed", attn.name = "panels(w)"
// CHECK-SAME: %[[S:[^:]+]]: tensor<2x2x24xf16> {attn.kind = "packed", attn.name = "scales(w)"
// CHECK: attn.linear %{{.+}}, %[[P]] scales %[[S]] layout panels : tensor<?x40xf32>, tensor<2x40x24xi8> scales tensor<2x2x24xf16> -> tensor<?x30xf32>
module attributes {attn.target = {cpu = "haswell", features = ["avx", "avx2", "fma"], f32_lanes = 8 : i64, vector_registers = 16 : i64}} {
  func.func @avx2(%x: tensor<?x40xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 40]},
                  %w: tensor<30x40xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "w", attn.shape = [30, 40]})
      -> tensor<?x30xf32> attributes {attn.model = "avx2", attn.dims = ["seq"]} {
    %y = attn.linear %x, %w layout out_in : tensor<?x40xf32>, tensor<30x40xf32> -> tensor<?x30xf32>
    return %y : tensor<?x30xf32>
  }
}
