// RUN: attnc-opt %s -split-input-file -attn-fuse-attention -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @causal
// CHECK-SAME: (%[[Q:.+]]: tensor<?x4x?x8xf32>, %[[K:.+]]: tensor<?x4x?x8xf32>, %[[V:.+]]: tensor<?x4x?x8xf32>)
// CHECK: %[[O:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] causal scale 3.535530e-01
// CHECK-NOT: attn.softmax
// CHECK-NOT: attn.matmul
// CHECK: return %[[O]]
func.func @causal(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %kt = attn.transpose %k : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %s = attn.matmul %q, %kt : tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32> -> tensor<?x4x?x?xf32>
  %sc = attn.scale %s by 0.353553 : tensor<?x4x?x?xf32>
  %m = attn.causal_mask %sc : tensor<?x4x?x?xf32>
  %p = attn.softmax %m : tensor<?x4x?x?xf32>
  %o = attn.matmul %p, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// Mask first, then a positive scale: the same computation.
// CHECK-LABEL: func.func @mask_then_scale
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} causal scale 5.000000e-01
func.func @mask_then_scale(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32> {
  %kt = attn.transpose %k : tensor<1x2x5x8xf32> -> tensor<1x2x8x5xf32>
  %s = attn.matmul %q, %kt : tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32> -> tensor<1x2x5x5xf32>
  %m = attn.causal_mask %s : tensor<1x2x5x5xf32>
  %sc = attn.scale %m by 0.5 : tensor<1x2x5x5xf32>
  %p = attn.softmax %sc : tensor<1x2x5x5xf32>
  %o = attn.matmul %p, %v : tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

// -----

// No scale, no mask; cross-attention (different key length).
// CHECK-LABEL: func.func @unscaled_cross
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} scale 1.000000e+00 : tensor<2x2x5x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x16xf32> -> tensor<2x2x5x16xf32>
func.func @unscaled_cross(%q: tensor<2x2x5x8xf32>, %k: tensor<2x2x9x8xf32>, %v: tensor<2x2x9x16xf32>) -> tensor<2x2x5x16xf32> {
  %kt = attn.transpose %k : tensor<2x2x9x8xf32> -> tensor<2x2x8x9xf32>
  %s = attn.matmul %q, %kt : tensor<2x2x5x8xf32>, tensor<2x2x8x9xf32> -> tensor<2x2x5x9xf32>
  %p = attn.softmax %s : tensor<2x2x5x9xf32>
  %o = attn.matmul %p, %v : tensor<2x2x5x9xf32>, tensor<2x2x9x16xf32> -> tensor<2x2x5x16xf32>
  return %o : tensor<2x2x5x16xf32>
}

// -----

// Near miss: the probabilities are also returned, so they must exist.
// CHECK-LABEL: func.func @probs_used_elsewhere
// CHECK-NOT: attn.attention
// CHECK: attn.softmax
func.func @probs_used_elsewhere(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> (tensor<1x2x5x8xf32>, tensor<1x2x5x5xf32>) {
  %kt = attn.transpose %k : tensor<1x2x5x8xf32> -> tensor<1x2x8x5xf32>
  %s = attn.matmul %q, %kt : tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32> -> tensor<1x2x5x5xf32>
  %p = attn.softmax %s : tensor<1x2x5x5xf32>
  %o = attn.matmul %p, %v : tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  return %o, %p : tensor<1x2x5x8xf32>, tensor<1x2x5x5xf32>
}

// -----

// Near miss: a negative scale after the mask would turn -inf into +inf.
// CHECK-LABEL: func.func @negative_scale_after_mask
// CHECK-NOT: attn.attention
func.func @negative_scale_after_mask(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32> {
  %kt = attn.transpose %k : tensor<1x2x5x8xf32> -> tensor<1x2x8x5xf32>
  %s = attn.matmul %q, %kt : tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32> -> tensor<1x2x5x5xf32>
  %m = attn.causal_mask %s : tensor<1x2x5x5xf32>
  %sc = attn.scale %m by -0.5 : tensor<1x2x5x5xf32>
  %p = attn.softmax %sc : tensor<1x2x5x5xf32>
  %o = attn.matmul %p, %v : tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

// -----

// Near miss: scores without the key transpose are not q @ k^T.
// CHECK-LABEL: func.func @no_transpose
// CHECK-NOT: attn.attention
func.func @no_transpose(%q: tensor<1x2x5x5xf32>, %k: tensor<1x2x5x5xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32> {
  %s = attn.matmul %q, %k : tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32> -> tensor<1x2x5x5xf32>
  %p = attn.softmax %s : tensor<1x2x5x5xf32>
  %o = attn.matmul %p, %v : tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

// -----

// Near miss: rank 3 (no head dimension) is left alone.
// CHECK-LABEL: func.func @rank3
// CHECK-NOT: attn.attention
func.func @rank3(%q: tensor<2x5x8xf32>, %k: tensor<2x5x8xf32>, %v: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  %kt = attn.transpose %k : tensor<2x5x8xf32> -> tensor<2x8x5xf32>
  %s = attn.matmul %q, %kt : tensor<2x5x8xf32>, tensor<2x8x5xf32> -> tensor<2x5x5xf32>
  %p = attn.softmax %s : tensor<2x5x5xf32>
  %o = attn.matmul %p, %v : tensor<2x5x5xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>
  return %o : tensor<2x5x8xf32>
}
