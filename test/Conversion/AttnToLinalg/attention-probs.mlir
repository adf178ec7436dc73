// RUN: attnc-opt %s -split-input-file -attnc-convert-attn-to-linalg | FileCheck %s

// The probabilities are the attention's own: scores of q and k (query head h
// reads key head h floordiv 2 here), scaled, causally masked, softmax; no
// product with values.
// CHECK-DAG: #[[QM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[KM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-LABEL: func.func @causal_grouped
// CHECK-NOT: attn.
// CHECK: linalg.generic {indexing_maps = [#[[QM]], #[[KM]], #{{.+}}]
// CHECK: arith.constant 1.250000e-01
// CHECK: arith.cmpi ugt
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: %[[P:.+]] = linalg.generic
// CHECK: arith.divf
// CHECK-NOT: linalg.generic
// CHECK: return %[[P]]
func.func @causal_grouped(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>) -> tensor<?x4x?x?xf32> {
  %0 = attn.attention_probs %q, %k causal scale 0.125 : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// A padding mask drops keys whose mask entry is 0.
// CHECK-DAG: #[[KEYS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-LABEL: func.func @padding
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[KEYS]], #{{.+}}]
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK-NOT: arith.cmpi ugt
func.func @padding(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %m: tensor<2x7xi64>) -> tensor<2x4x5x7xf32> {
  %0 = attn.attention_probs %q, %k mask %m scale 1.0 : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x7xi64> -> tensor<2x4x5x7xf32>
  return %0 : tensor<2x4x5x7xf32>
}
