// RUN: attnc-opt %s -split-input-file -attnc-pack-weights=weight-type=int8 | FileCheck %s
// RUN: attnc-opt %s -split-input-file -attnc-pack-weights | FileCheck %s --check-prefix=FLOAT
// RUN: attnc-opt %s -split-input-file -attnc-pack-weights="weight-type=int8 round-activations" | FileCheck %s --check-prefix=QUADS

// int8: every embedding table is looked up from int8 values and their
// scales (docs/abi.md "int8 weights"). A table tied to a linear ([out, in] =
// [V, E]) is read from that linear's quads ([3, ceil(40 / 4), 48, 4]): one
// copy, and the f32 table is no longer read (the runtime frees it). V = 100
// is not a multiple of the panel width, E = 40 not one of the block.
// CHECK-LABEL: func.func @tied
// CHECK-SAME: %[[IDS:[^:]+]]: tensor<?xi64>
// CHECK-SAME: %[[W:[^:]+]]: tensor<100x40xf32> {attn.kind = "param"
// CHECK-SAME: %[[P:[^:]+]]: tensor<3x10x48x4xi8> {attn.kind = "packed", attn.name = "panels(wte)"
// CHECK-SAME: %[[S:[^:]+]]: tensor<3x2x48xf16> {attn.kind = "packed", attn.name = "scales(wte)"
// CHECK-NOT: attn.kind = "packed"
// CHECK: attn.embedding %[[P]][%[[IDS]]] scales %[[S]] rows 100 : tensor<3x10x48x4xi8>, tensor<?xi64> scales tensor<3x2x48xf16> -> tensor<?x40xf32>
// CHECK: attn.linear %{{.+}}, %[[P]] scales %[[S]] layout panel_quads_f32
// CHECK-NOT: %[[W]]
// With int8 x int8 products the linear reads the same quads in layout
// panel_quads (its input quantized); the lookup is unchanged.
// QUADS-LABEL: func.func @tied
// QUADS-SAME: %[[P:[^:]+]]: tensor<3x10x48x4xi8> {attn.kind = "packed", attn.name = "panels(wte)"
// QUADS-SAME: %[[S:[^:]+]]: tensor<3x2x48xf16> {attn.kind = "packed", attn.name = "scales(wte)"
// QUADS-NOT: attn.kind = "packed"
// QUADS: attn.embedding %[[P]][%{{.+}}] scales %[[S]] rows 100 : tensor<3x10x48x4xi8>, tensor<?xi64> scales tensor<3x2x48xf16> -> tensor<?x40xf32>
// QUADS: attn.linear %{{.+}}, %[[P]] scales %[[S]] layout panel_quads :
// Without int8 the lookup reads the table itself.
// FLOAT-LABEL: func.func @tied
// FLOAT: attn.embedding %{{.+}} : tensor<100x40xf32>, tensor<?xi64> -> tensor<?x40xf32>
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

// An untied table (a position table, LLaMA's embed_tokens) gets its own
// pack: panels of width 1 (never in quads), its rows, [V, E, 1] and scales [V, ceil(E / 32),
// 1]. Two lookups of one table share it; a linear's weight [in, out] of the
// same table would not hold its rows as outputs, so it does not serve.
// CHECK-LABEL: func.func @untied
// CHECK-SAME: %[[IDS:[^:]+]]: tensor<?xi64>
// CHECK-SAME: %[[T:[^:]+]]: tensor<7x40xf32> {attn.kind = "param"
// CHECK-SAME: %[[P:[^:]+]]: tensor<1x2x48x4xi8> {attn.kind = "packed", attn.name = "panels(wpe)", attn.pack_axis = 0 : i64, attn.pack_of = ["wpe"], attn.pack_out_axis = 1 : i64
// CHECK-SAME: %[[PS:[^:]+]]: tensor<1x1x48xf16> {attn.kind = "packed", attn.name = "scales(wpe)"
// CHECK-SAME: %[[R:[^:]+]]: tensor<7x40x1xi8> {attn.kind = "packed", attn.name = "rows(wpe)", attn.pack_axis = 0 : i64, attn.pack_of = ["wpe"], attn.pack_out_axis = 0 : i64, attn.shape = [7, 40, 1]}
// CHECK-SAME: %[[RS:[^:]+]]: tensor<7x2x1xf16> {attn.kind = "packed", attn.name = "row_scales(wpe)", attn.pack_axis = 0 : i64, attn.pack_block = 32 : i64, attn.pack_of = ["wpe"], attn.pack_out_axis = 0 : i64, attn.shape = [7, 2, 1]}
// CHECK: attn.linear %{{.+}}, %[[P]] scales %[[PS]] layout panel_quads_f32
// CHECK: attn.embedding %[[R]][%[[IDS]]] scales %[[RS]] rows 7 : tensor<7x40x1xi8>, tensor<?xi64> scales tensor<7x2x1xf16> -> tensor<?x40xf32>
// CHECK: attn.embedding %[[R]][%[[IDS]]] scales %[[RS]] rows 7
// FLOAT-LABEL: func.func @untied
// FLOAT-COUNT-2: attn.embedding %{{.+}} : tensor<7x40xf32>
func.func @untied(%x: tensor<?x7xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 7]},
                  %ids: tensor<?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["seq"]},
                  %wpe: tensor<7x40xf32> {attn.kind = "param", attn.name = "wpe", attn.tensor = "wpe", attn.shape = [7, 40]})
    -> (tensor<?x40xf32>, tensor<?x40xf32>, tensor<?x40xf32>)
    attributes {attn.model = "untied", attn.dims = ["seq"]} {
  %y = attn.linear %x, %wpe layout in_out : tensor<?x7xf32>, tensor<7x40xf32> -> tensor<?x40xf32>
  %e = attn.embedding %wpe[%ids] : tensor<7x40xf32>, tensor<?xi64> -> tensor<?x40xf32>
  %f = attn.embedding %wpe[%ids] : tensor<7x40xf32>, tensor<?xi64> -> tensor<?x40xf32>
  return %y, %e, %f : tensor<?x40xf32>, tensor<?x40xf32>, tensor<?x40xf32>
}

// -----

// A bf16 table (declared so, or --weight-type bf16) is looked up as it is
// without int8; with int8 it is packed into int8 rows like an f32 one (as a
// bf16 linear weight gets int8 panels).
// FLOAT-LABEL: func.func @bf16
// FLOAT: attn.embedding %{{.+}} : tensor<7x40xbf16>, tensor<?xi64> -> tensor<?x40xf32>
// FLOAT-NOT: attn.kind = "packed"
// CHECK-LABEL: func.func @bf16
// CHECK: attn.embedding %{{.+}} scales %{{.+}} rows 7 : tensor<7x40x1xi8>, tensor<?xi64> scales tensor<7x2x1xf16> -> tensor<?x40xf32>
func.func @bf16(%ids: tensor<?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["seq"]},
                %t: tensor<7x40xbf16> {attn.kind = "param", attn.name = "t", attn.tensor = "t", attn.shape = [7, 40]})
    -> tensor<?x40xf32> attributes {attn.model = "bf16", attn.dims = ["seq"]} {
  %e = attn.embedding %t[%ids] : tensor<7x40xbf16>, tensor<?xi64> -> tensor<?x40xf32>
  return %e : tensor<?x40xf32>
}
