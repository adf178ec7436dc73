// RUN: attnc-opt %s -split-input-file -attnc-convert-attn-to-linalg -canonicalize | FileCheck %s

// RoPE of split heads reads the [B, S, H * D] input in place through its
// index maps: x[b, h, s, d] = in[b, s, h * D + d], the partner element at
// h * D + (d + D / 2) mod D; the split is not materialized.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 * 8 + d3)>
// CHECK-DAG: #[[P:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 * 8 + (d3 + 4) mod 8)>
// CHECK-LABEL: func.func @rope_of_split
// CHECK-SAME: (%[[IN:[^:]+]]: tensor<?x?x32xf32>
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[P]], {{.*}}} ins(%[[IN]], %[[IN]], {{.*}}) outs(%{{.+}} : tensor<?x4x?x8xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @rope_of_split(%x: tensor<?x?x32xf32>, %pos: tensor<?x?xi64>) -> tensor<?x4x?x8xf32> {
  %q = attn.split_heads %x heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  %r = attn.rope %q, %pos theta 10000.0 : tensor<?x4x?x8xf32>, tensor<?x?xi64>
  return %r : tensor<?x4x?x8xf32>
}

// -----

// Heads that are not a split are read as they are.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[PARTNER:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, (d3 + 4) mod 8)>
// CHECK-LABEL: func.func @rope_of_heads
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[PARTNER]], {{.*}}} ins(%arg0, %arg0, {{.*}})
func.func @rope_of_heads(%q: tensor<?x4x?x8xf32>, %pos: tensor<?x?xi64>) -> tensor<?x4x?x8xf32> {
  %r = attn.rope %q, %pos theta 10000.0 : tensor<?x4x?x8xf32>, tensor<?x?xi64>
  return %r : tensor<?x4x?x8xf32>
}
