// RUN: attnc-opt %s -split-input-file | attnc-opt -split-input-file | FileCheck %s

// The variants of attention round-trip: a sliding window of W keys (with
// causal) and ALiBi biases, on attn.attention and attn.attention_probs.
// CHECK-LABEL: func.func @variants
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} causal window 4096 scale 1.250000e-01 : tensor<2x4x?x64xf32>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} alibi scale 1.250000e-01 : tensor<2x4x?x64xf32>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} causal window 1 alibi scale 1.250000e-01 : tensor<2x4x?x64xf32>
// CHECK: attn.attention_probs %{{.*}}, %{{.*}} causal window 8 alibi scale 1.250000e-01 : tensor<2x4x?x64xf32>
func.func @variants(%q: tensor<2x4x?x64xf32>, %m: tensor<2x?xi64>) -> (tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x?xf32>) {
  %0 = attn.attention %q, %q, %q causal window 4096 scale 0.125 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>
  %1 = attn.attention %q, %q, %q alibi scale 0.125 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>
  %2 = attn.attention %q, %q, %q mask %m causal window 1 alibi scale 0.125 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x?xi64> -> tensor<2x4x?x64xf32>
  %3 = attn.attention_probs %q, %q causal window 8 alibi scale 0.125 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x?xf32>
  return %0, %1, %2, %3 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x?xf32>
}
