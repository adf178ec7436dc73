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

// -----

// A chain of scales is one scale by the product of the factors.
// CHECK-LABEL: func.func @scale_of_scale
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xf32>)
// CHECK-NEXT: %[[S:.+]] = attn.scale %[[X]] by 3.000000e+00
// CHECK-NOT: attn.scale
func.func @scale_of_scale(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = attn.scale %x by 4.0 : tensor<?x8xf32>
  %1 = attn.scale %0 by 0.5 : tensor<?x8xf32>
  %2 = attn.scale %1 by 0.5 : tensor<?x8xf32>
  %3 = attn.scale %2 by 3.0 : tensor<?x8xf32>
  return %3 : tensor<?x8xf32>
}

// -----

// A scale whose only use is a softmax folds into it (the lowering multiplies
// while it reads): scales multiply, the softmax's own included.
// CHECK-LABEL: func.func @scale_into_softmax
// CHECK-SAME: (%[[X:.+]]: tensor<?x4x?x?xf32>)
// CHECK-NEXT: %[[P:.+]] = attn.softmax %[[X]] scale 1.250000e-01 : tensor<?x4x?x?xf32>
// CHECK-NEXT: %[[Q:.+]] = attn.softmax %[[X]] scale -2.500000e-01 : tensor<?x4x?x?xf32>
// CHECK-NEXT: return %[[P]], %[[Q]]
func.func @scale_into_softmax(%x: tensor<?x4x?x?xf32>) -> (tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32>) {
  %0 = attn.scale %x by 0.125 : tensor<?x4x?x?xf32>
  %1 = attn.softmax %0 : tensor<?x4x?x?xf32>
  %2 = attn.scale %x by -0.5 : tensor<?x4x?x?xf32>
  %3 = attn.softmax %2 scale 0.5 : tensor<?x4x?x?xf32>
  return %1, %3 : tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32>
}

// -----

// Near miss: a scale also used elsewhere stays, and the softmax reads it.
// CHECK-LABEL: func.func @shared_scale_stays
// CHECK: %[[S:.+]] = attn.scale
// CHECK-NEXT: %[[P:.+]] = attn.softmax %[[S]] : tensor<?x8xf32>
// CHECK-NEXT: return %[[P]], %[[S]]
func.func @shared_scale_stays(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = attn.scale %x by 0.125 : tensor<?x8xf32>
  %1 = attn.softmax %0 : tensor<?x8xf32>
  return %1, %0 : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Reshape chains: merge_heads(split_heads(x)) and split_heads(merge_heads(y))
// are their inputs.
// CHECK-LABEL: func.func @head_round_trips
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x?x32xf32>, %[[Y:[^:]+]]: tensor<?x4x?x8xf32>)
// CHECK-NOT: attn.split_heads
// CHECK-NOT: attn.merge_heads
// CHECK: return %[[X]], %[[Y]]
func.func @head_round_trips(%x: tensor<?x?x32xf32>, %y: tensor<?x4x?x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x4x?x8xf32>) {
  %0 = attn.split_heads %x heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  %1 = attn.merge_heads %0 : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
  %2 = attn.merge_heads %y : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
  %3 = attn.split_heads %2 heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  return %1, %3 : tensor<?x?x32xf32>, tensor<?x4x?x8xf32>
}

// -----

// Near miss: splitting merged heads into a different number of heads is a
// real reshape.
// CHECK-LABEL: func.func @different_head_count
// CHECK: attn.merge_heads
// CHECK: attn.split_heads %{{.+}} heads 2
func.func @different_head_count(%y: tensor<?x4x?x8xf32>) -> tensor<?x2x?x16xf32> {
  %0 = attn.merge_heads %y : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
  %1 = attn.split_heads %0 heads 2 : tensor<?x?x32xf32> -> tensor<?x2x?x16xf32>
  return %1 : tensor<?x2x?x16xf32>
}

// -----

// repeat_kv once is the identity, twice is once by the product; attention
// reads grouped heads unrepeated when keys and values are repeated alike,
// not otherwise.
// CHECK-LABEL: func.func @repeated_heads
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x8x?x16xf32>, %[[K:[^:]+]]: tensor<?x2x?x16xf32>, %[[V:[^:]+]]: tensor<?x2x?x16xf32>, %[[W:[^:]+]]: tensor<?x4x?x16xf32>)
// CHECK-NEXT: %[[K4:.+]] = attn.repeat_kv %[[K]] times 4
// CHECK-NEXT: %[[A:.+]] = attn.attention %[[Q]], %[[K]], %[[V]] causal scale {{.*}} : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
// CHECK-NEXT: %[[W2:.+]] = attn.repeat_kv %[[W]] times 2
// CHECK-NEXT: %[[B:.+]] = attn.attention %[[Q]], %[[K4]], %[[W2]] scale
// CHECK-NEXT: return %[[A]], %[[B]], %[[K]]
func.func @repeated_heads(%q: tensor<?x8x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %w: tensor<?x4x?x16xf32>)
    -> (tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>) {
  %k4 = attn.repeat_kv %k times 4 : tensor<?x2x?x16xf32> -> tensor<?x8x?x16xf32>
  %v2 = attn.repeat_kv %v times 2 : tensor<?x2x?x16xf32> -> tensor<?x4x?x16xf32>
  %v4 = attn.repeat_kv %v2 times 2 : tensor<?x4x?x16xf32> -> tensor<?x8x?x16xf32>
  %a = attn.attention %q, %k4, %v4 causal scale 0.25 : tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32> -> tensor<?x8x?x16xf32>
  %w2 = attn.repeat_kv %w times 2 : tensor<?x4x?x16xf32> -> tensor<?x8x?x16xf32>
  %b = attn.attention %q, %k4, %w2 scale 0.25 : tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32> -> tensor<?x8x?x16xf32>
  %one = attn.repeat_kv %k times 1 : tensor<?x2x?x16xf32> -> tensor<?x2x?x16xf32>
  return %a, %b, %one : tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>
}

// -----

// reshape(reshape(x)) back to x's shape, with the same dynamic sizes, is x;
// an identity reshape is its input.
// CHECK-LABEL: func.func @reshape_round_trips
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x?x24xf32>)
// CHECK-NOT: attn.reshape
// CHECK: return %[[X]], %[[X]], %[[X]]
func.func @reshape_round_trips(%x: tensor<?x?x24xf32>) -> (tensor<?x?x24xf32>, tensor<?x?x24xf32>, tensor<?x?x24xf32>) {
  %0 = attn.reshape %x dims [0, 1] : tensor<?x?x24xf32> -> tensor<?x?x4x6xf32>
  %1 = attn.reshape %0 dims [0, 1] : tensor<?x?x4x6xf32> -> tensor<?x?x24xf32>
  %2 = attn.reshape %x dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x24xf32>
  %3 = attn.reshape %2 dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x24xf32>
  %4 = attn.reshape %x dims [0, 1] : tensor<?x?x24xf32> -> tensor<?x?x24xf32>
  return %1, %3, %4 : tensor<?x?x24xf32>, tensor<?x?x24xf32>, tensor<?x?x24xf32>
}

// -----

// A chain becomes one reshape of x, its dimension maps composed; a reshape
// that swaps two dynamic sizes is not the identity.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x?x24xf32>)
// CHECK: %[[R:.+]] = attn.reshape %[[X]] dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x2x12xf32>
// CHECK-NOT: attn.reshape
// CHECK: return %[[R]]
func.func @reshape_chain(%x: tensor<?x?x24xf32>) -> tensor<?x?x2x12xf32> {
  %0 = attn.reshape %x dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x4x6xf32>
  %1 = attn.reshape %0 dims [0, 1] : tensor<?x?x4x6xf32> -> tensor<?x?x2x12xf32>
  return %1 : tensor<?x?x2x12xf32>
}
