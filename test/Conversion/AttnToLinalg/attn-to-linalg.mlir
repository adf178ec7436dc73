// RUN: attnc-opt %s -split-input-file -convert-attn-to-linalg | FileCheck %s

// The bias is broadcast into the accumulator, then one reduction over `in`.
// CHECK-DAG: #[[BIAS:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[WT:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func.func @linear
// CHECK: %[[D0:.+]] = tensor.dim %{{.*}}, %c0
// CHECK: %[[D1:.+]] = tensor.dim %{{.*}}, %c1
// CHECK: tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x32xf32>
// CHECK: linalg.generic {indexing_maps = [#[[BIAS]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[WT]], #{{.+}}]
// CHECK-NOT: attn.
func.func @linear(%x: tensor<?x?x16xf32>, %w: tensor<32x16xf32>, %b: tensor<32xf32>, %wt: tensor<16x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %0 = attn.linear %x, %w, %b layout out_in : tensor<?x?x16xf32>, tensor<32x16xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
  %1 = attn.linear %x, %wt layout in_out : tensor<?x?x16xf32>, tensor<16x32xf32> -> tensor<?x?x32xf32>
  return %0, %1 : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// Head split and merge are index maps, not reshape + transpose copies.
// CHECK-DAG: #[[SPLIT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 * 8 + d3)>
// CHECK-DAG: #[[MERGE:.+]] = affine_map<(d0, d1, d2) -> (d0, d2 floordiv 8, d1, d2 mod 8)>
// CHECK-LABEL: func.func @heads
// CHECK: linalg.generic {indexing_maps = [#[[SPLIT]], #{{.+}}]
// CHECK: linalg.generic {indexing_maps = [#[[MERGE]], #{{.+}}]
// CHECK-NOT: tensor.expand_shape
func.func @heads(%x: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %0 = attn.split_heads %x heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  %1 = attn.merge_heads %0 : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
  return %1 : tensor<?x?x32xf32>
}

// -----

// Softmax: a max reduction, a sum of exp reduction, then a division.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEGINF]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:   arith.maximumf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:   math.exp
// CHECK:   arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:   math.exp
// CHECK:   arith.divf
func.func @softmax(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = attn.softmax %x : tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// The causal mask compares key and query indices, offset by keys - queries.
// CHECK-LABEL: func.func @causal_mask
// CHECK: %[[Q:.+]] = tensor.dim %{{.*}}, %c0
// CHECK: %[[K:.+]] = tensor.dim %{{.*}}, %c1
// CHECK: %[[OFF:.+]] = arith.subi %[[K]], %[[Q]]
// CHECK: linalg.generic
// CHECK:   %[[I:.+]] = linalg.index 0
// CHECK:   %[[J:.+]] = linalg.index 1
// CHECK:   %[[LIM:.+]] = arith.addi %[[I]], %[[OFF]]
// CHECK:   %[[FUT:.+]] = arith.cmpi ugt, %[[J]], %[[LIM]]
// CHECK:   arith.select %[[FUT]]
func.func @causal_mask(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = attn.causal_mask %x : tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// CHECK-DAG: #[[QM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[KM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[VM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-LABEL: func.func @attention
// CHECK: linalg.generic {indexing_maps = [#[[QM]], #[[KM]], #{{.+}}]
// CHECK: arith.constant 1.250000e-01
// CHECK: arith.cmpi ugt
// CHECK: math.exp
// CHECK: linalg.generic {indexing_maps = [#[[QM]], #[[VM]], #{{.+}}]
func.func @attention(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %0 : tensor<?x4x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @elementwise
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: arith.constant 5.000000e-01
// CHECK: arith.mulf
func.func @elementwise(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = attn.add %a, %b : tensor<?x8xf32>
  %1 = attn.sub %0, %b : tensor<?x8xf32>
  %2 = attn.mul %1, %b : tensor<?x8xf32>
  %3 = attn.div %2, %b : tensor<?x8xf32>
  %4 = attn.scale %3 by 0.5 : tensor<?x8xf32>
  return %4 : tensor<?x8xf32>
}
