// RUN: attnc-opt %s -split-input-file -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @transpose_of_transpose
// CHECK-SAME: (%[[X:.+]]: tensor<?x4x?x8xf32>)
// CHECK-NOT: attn.transpose
// CHECK: return %[[X]]
func.func @transpose_of_transpose(%x: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %0 = attn.transpose %x : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %1 = attn.transpose %0 : tensor<?x4x8x?xf32> -> tensor<?x4x?x8xf32>
  return %1 : tensor<?x4x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @scale_by_one
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xf32>)
// CHECK-NOT: attn.scale
// CHECK: return %[[X]]
func.func @scale_by_one(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = attn.scale %x by 1.0 : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Near miss: a scale by anything else stays.
// CHECK-LABEL: func.func @scale_by_two
// CHECK: attn.scale %{{.*}} by 2.000000e+00
func.func @scale_by_two(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = attn.scale %x by 2.0 : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @dead_values
// CHECK-NOT: attn.softmax
// CHECK: return
func.func @dead_values(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = attn.softmax %x : tensor<?x8xf32>
  return %x : tensor<?x8xf32>
}
