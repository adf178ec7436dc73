// RUN: attnc-opt %s -split-input-file -attnc-fuse-attention -canonicalize | FileCheck %s

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

// -----

// A padding mask and a causal mask, in either order, with scales before
// and after them and the softmax's own scale (from the canonicalizer):
// every factor multiplies.
// CHECK-LABEL: func.func @padding_and_causal
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x4x?x8xf32>, %[[K:[^:]+]]: tensor<?x4x?x8xf32>, %[[V:[^:]+]]: tensor<?x4x?x8xf32>, %[[M:[^:]+]]: tensor<?x?xi64>)
// CHECK: %[[A:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] causal scale 2.500000e-01
// CHECK: %[[B:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] causal scale 1.250000e-01
// CHECK-NOT: attn.softmax
// CHECK-NOT: attn.padding_mask
// CHECK: return %[[A]], %[[B]]
func.func @padding_and_causal(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>, %mask: tensor<?x?xi64>)
    -> (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) {
  %kt = attn.transpose %k : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %s = attn.matmul %q, %kt : tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32> -> tensor<?x4x?x?xf32>
  %sc = attn.scale %s by 0.5 : tensor<?x4x?x?xf32>
  %pm = attn.padding_mask %sc, %mask : tensor<?x4x?x?xf32>, tensor<?x?xi64>
  %cm = attn.causal_mask %pm : tensor<?x4x?x?xf32>
  %p = attn.softmax %cm scale 0.5 : tensor<?x4x?x?xf32>
  %o = attn.matmul %p, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  %kt2 = attn.transpose %k : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %s2 = attn.matmul %q, %kt2 : tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32> -> tensor<?x4x?x?xf32>
  %cm2 = attn.causal_mask %s2 : tensor<?x4x?x?xf32>
  %pm2 = attn.padding_mask %cm2, %mask : tensor<?x4x?x?xf32>, tensor<?x?xi64>
  %sc2 = attn.scale %pm2 by 0.125 : tensor<?x4x?x?xf32>
  %p2 = attn.softmax %sc2 : tensor<?x4x?x?xf32>
  %o2 = attn.matmul %p2, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %o, %o2 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>
}

// -----

// Grouped-query attention as Hugging Face spells it: keys and values
// repeated to the query heads; the fused op reads the 2 groups directly.
// CHECK-LABEL: func.func @grouped_query
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x8x?x16xf32>, %[[K:[^:]+]]: tensor<?x2x?x16xf32>, %[[V:[^:]+]]: tensor<?x2x?x16xf32>)
// CHECK-NEXT: %[[O:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] causal scale 2.500000e-01 : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x8x?x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @grouped_query(%q: tensor<?x8x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x8x?x16xf32> {
  %k4 = attn.repeat_kv %k times 4 : tensor<?x2x?x16xf32> -> tensor<?x8x?x16xf32>
  %v4 = attn.repeat_kv %v times 4 : tensor<?x2x?x16xf32> -> tensor<?x8x?x16xf32>
  %kt = attn.transpose %k4 : tensor<?x8x?x16xf32> -> tensor<?x8x16x?xf32>
  %s = attn.matmul %q, %kt : tensor<?x8x?x16xf32>, tensor<?x8x16x?xf32> -> tensor<?x8x?x?xf32>
  %m = attn.causal_mask %s : tensor<?x8x?x?xf32>
  %p = attn.softmax %m scale 0.25 : tensor<?x8x?x?xf32>
  %o = attn.matmul %p, %v4 : tensor<?x8x?x?xf32>, tensor<?x8x?x16xf32> -> tensor<?x8x?x16xf32>
  return %o : tensor<?x8x?x16xf32>
}

// -----

// Near misses: two padding masks; a softmax scale that is not positive
// above a mask (-inf * -1 = +inf); they stay as they are.
// CHECK-LABEL: func.func @mask_near_misses
// CHECK-NOT: attn.attention
// CHECK-COUNT-2: attn.softmax
// CHECK-NOT: attn.attention
func.func @mask_near_misses(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>, %m1: tensor<?x?xi64>, %m2: tensor<?x?xf32>)
    -> (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) {
  %kt = attn.transpose %k : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %s = attn.matmul %q, %kt : tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32> -> tensor<?x4x?x?xf32>
  %a = attn.padding_mask %s, %m1 : tensor<?x4x?x?xf32>, tensor<?x?xi64>
  %b = attn.padding_mask %a, %m2 : tensor<?x4x?x?xf32>, tensor<?x?xf32>
  %p = attn.softmax %b : tensor<?x4x?x?xf32>
  %o = attn.matmul %p, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  %kt2 = attn.transpose %k : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %s2 = attn.matmul %q, %kt2 : tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32> -> tensor<?x4x?x?xf32>
  %c2 = attn.causal_mask %s2 : tensor<?x4x?x?xf32>
  %p2 = attn.softmax %c2 scale -1.0 : tensor<?x4x?x?xf32>
  %o2 = attn.matmul %p2, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %o, %o2 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>
}
