// RUN: attnc-opt %s -split-input-file -attnc-convert-attn-to-linalg | FileCheck %s

// The patch grid outside the loops of a patch: one index-map read, whose
// result collapses (no copy) to [B, patches, C p p] for the projection.
// CHECK-DAG: #[[GRID:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 4 + d4, d2 * 4 + d5)>
// CHECK-LABEL: func.func @patches
// CHECK:       %[[G:.+]] = linalg.generic {indexing_maps = [#[[GRID]], {{.+}}]{{.*}} outs(%{{.+}} : tensor<?x2x3x3x4x4xf32>)
// CHECK:       tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2], [3, 4, 5]] : tensor<?x2x3x3x4x4xf32> into tensor<?x6x48xf32>
func.func @patches(%img: tensor<?x3x8x12xf32>) -> tensor<?x6x48xf32> {
  %p = attn.patches %img size 4 : tensor<?x3x8x12xf32> -> tensor<?x6x48xf32>
  return %p : tensor<?x6x48xf32>
}

// -----

// The token broadcast over the batch (index 0 read), then both parts put in
// place; the batch size comes from the operand that has it.
// CHECK-DAG: #[[ZERO:.+]] = affine_map<(d0, d1, d2) -> (0, d1, d2)>
// CHECK-LABEL: func.func @concat
// CHECK-SAME:  (%[[CLS:.+]]: tensor<1x1x16xf32>, %[[X:.+]]: tensor<?x6x16xf32>)
// CHECK:       %[[B:.+]] = tensor.dim %[[X]], %c0
// CHECK:       %[[T:.+]] = linalg.generic {indexing_maps = [#[[ZERO]], {{.+}}]{{.*}} ins(%[[CLS]] : tensor<1x1x16xf32>)
// CHECK:       %[[R:.+]] = tensor.insert_slice %[[T]] into %{{.+}}[0, 0, 0] [%[[B]], 1, 16] [1, 1, 1]
// CHECK:       tensor.insert_slice %[[X]] into %[[R]][0, 1, 0] [%[[B]], 6, 16] [1, 1, 1]
func.func @concat(%cls: tensor<1x1x16xf32>, %x: tensor<?x6x16xf32>) -> tensor<?x7x16xf32> {
  %c = attn.concat %cls, %x axis 1 : tensor<1x1x16xf32>, tensor<?x6x16xf32> -> tensor<?x7x16xf32>
  return %c : tensor<?x7x16xf32>
}

// -----

// CHECK-DAG: #[[LAST0:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-LABEL: func.func @expand
// CHECK:       linalg.generic {indexing_maps = [#[[LAST0]], {{.+}}]{{.*}} outs(%{{.+}} : tensor<?x7x16xf32>)
func.func @expand(%g: tensor<?x7x1xf32>, %s: tensor<16xf32>) -> tensor<?x7x16xf32> {
  %e = attn.expand %g like %s : tensor<?x7x1xf32>, tensor<16xf32> -> tensor<?x7x16xf32>
  return %e : tensor<?x7x16xf32>
}

// -----

// CHECK-LABEL: func.func @select
// CHECK:       tensor.extract_slice %{{.+}}[0, 0, 0] [%{{.+}}, 1, 16] [1, 1, 1] : tensor<?x7x16xf32> to tensor<?x16xf32>
func.func @select(%x: tensor<?x7x16xf32>) -> tensor<?x16xf32> {
  %s = attn.select %x[1, 0] : tensor<?x7x16xf32> -> tensor<?x16xf32>
  return %s : tensor<?x16xf32>
}

// -----

// One index-map read: result (d0, d1, d2) reads input (d1, d2, d0).
// CHECK-DAG:   #[[READ:.+]] = affine_map<(d0, d1, d2) -> (d1, d2, d0)>
// CHECK-LABEL: func.func @permute
// CHECK:       %[[B:.+]] = tensor.dim %{{.+}}, %c0
// CHECK:       tensor.empty(%[[B]]) : tensor<4x?x3xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[READ]], #{{.+}}]
// CHECK-NOT:   attn.permute
func.func @permute(%x: tensor<?x3x4xf32>) -> tensor<4x?x3xf32> {
  %y = attn.permute %x dims [2, 0, 1] : tensor<?x3x4xf32> -> tensor<4x?x3xf32>
  return %y : tensor<4x?x3xf32>
}
