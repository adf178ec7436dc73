// RUN: attnc-opt %s -split-input-file | attnc-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @linear
// CHECK: attn.linear %{{.*}}, %{{.*}}, %{{.*}} layout out_in : tensor<?x?x16xf32>, tensor<32x16xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
// CHECK: attn.linear %{{.*}}, %{{.*}} layout in_out : tensor<?x?x16xf32>, tensor<16x32xf32> -> tensor<?x?x32xf32>
func.func @linear(%x: tensor<?x?x16xf32>, %w: tensor<32x16xf32>, %b: tensor<32xf32>, %wt: tensor<16x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %0 = attn.linear %x, %w, %b layout out_in : tensor<?x?x16xf32>, tensor<32x16xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
  %1 = attn.linear %x, %wt layout in_out : tensor<?x?x16xf32>, tensor<16x32xf32> -> tensor<?x?x32xf32>
  return %0, %1 : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @explicit_attention
// CHECK: %[[Q:.+]] = attn.split_heads %{{.*}} heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
// CHECK: %[[KT:.+]] = attn.transpose %[[Q]] : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
// CHECK: %[[S:.+]] = attn.matmul %[[Q]], %[[KT]] : tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32> -> tensor<?x4x?x?xf32>
// CHECK: %[[SC:.+]] = attn.scale %[[S]] by 3.535530e-01 : tensor<?x4x?x?xf32>
// CHECK: %[[M:.+]] = attn.causal_mask %[[SC]] : tensor<?x4x?x?xf32>
// CHECK: %[[P:.+]] = attn.softmax %[[M]] : tensor<?x4x?x?xf32>
// CHECK: %[[O:.+]] = attn.matmul %[[P]], %[[Q]]
// CHECK: attn.merge_heads %[[O]] : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
func.func @explicit_attention(%x: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %q = attn.split_heads %x heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  %kt = attn.transpose %q : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %s = attn.matmul %q, %kt : tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32> -> tensor<?x4x?x?xf32>
  %sc = attn.scale %s by 0.353553 : tensor<?x4x?x?xf32>
  %m = attn.causal_mask %sc : tensor<?x4x?x?xf32>
  %p = attn.softmax %m : tensor<?x4x?x?xf32>
  %o = attn.matmul %p, %q : tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  %y = attn.merge_heads %o : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @fused
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} causal scale 1.250000e-01 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} scale 1.000000e+00 : tensor<2x4x5x64xf32>, tensor<2x4x9x64xf32>, tensor<2x4x9x16xf32> -> tensor<2x4x5x16xf32>
func.func @fused(%q: tensor<2x4x?x64xf32>, %a: tensor<2x4x5x64xf32>, %k: tensor<2x4x9x64xf32>, %v: tensor<2x4x9x16xf32>) -> (tensor<2x4x?x64xf32>, tensor<2x4x5x16xf32>) {
  %0 = attn.attention %q, %q, %q causal scale 0.125 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>
  %1 = attn.attention %a, %k, %v scale 1.0 : tensor<2x4x5x64xf32>, tensor<2x4x9x64xf32>, tensor<2x4x9x16xf32> -> tensor<2x4x5x16xf32>
  return %0, %1 : tensor<2x4x?x64xf32>, tensor<2x4x5x16xf32>
}

// -----

// Keys and values of a KV cache kept in bf16.
// CHECK-LABEL: func.func @bf16_keys
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} causal scale 1.250000e-01 : tensor<1x4x1x64xf32>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x4x1x64xf32>
func.func @bf16_keys(%q: tensor<1x4x1x64xf32>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x4x1x64xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<1x4x1x64xf32>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x4x1x64xf32>
  return %0 : tensor<1x4x1x64xf32>
}

// -----

// CHECK-LABEL: func.func @attention_probs
// CHECK: attn.attention_probs %{{.*}}, %{{.*}} causal scale 1.250000e-01 : tensor<?x4x?x64xf32>, tensor<?x4x?x64xf32> -> tensor<?x4x?x?xf32>
// CHECK: attn.attention_probs %{{.*}}, %{{.*}} mask %{{.*}} scale 1.000000e+00 : tensor<2x8x5x64xf32>, tensor<2x2x9x64xf32>, tensor<2x9xi64> -> tensor<2x8x5x9xf32>
func.func @attention_probs(%q: tensor<?x4x?x64xf32>, %a: tensor<2x8x5x64xf32>, %k: tensor<2x2x9x64xf32>, %m: tensor<2x9xi64>) -> (tensor<?x4x?x?xf32>, tensor<2x8x5x9xf32>) {
  %0 = attn.attention_probs %q, %q causal scale 0.125 : tensor<?x4x?x64xf32>, tensor<?x4x?x64xf32> -> tensor<?x4x?x?xf32>
  %1 = attn.attention_probs %a, %k mask %m scale 1.0 : tensor<2x8x5x64xf32>, tensor<2x2x9x64xf32>, tensor<2x9xi64> -> tensor<2x8x5x9xf32>
  return %0, %1 : tensor<?x4x?x?xf32>, tensor<2x8x5x9xf32>
}

// -----

// CHECK-LABEL: func.func @elementwise
// CHECK: attn.add
// CHECK: attn.sub
// CHECK: attn.mul
// CHECK: attn.div
func.func @elementwise(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = attn.add %a, %b : tensor<?x8xf32>
  %1 = attn.sub %0, %b : tensor<?x8xf32>
  %2 = attn.mul %1, %b : tensor<?x8xf32>
  %3 = attn.div %2, %b : tensor<?x8xf32>
  return %3 : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @masks_and_repeats
// CHECK: %[[M:.+]] = attn.padding_mask %{{.*}}, %{{.*}} : tensor<?x4x?x?xf32>, tensor<?x?xi64>
// CHECK: attn.padding_mask %{{.*}}, %{{.*}} : tensor<2x4x3x5xf32>, tensor<2x5xf32>
// CHECK: attn.softmax %[[M]] : tensor<?x4x?x?xf32>
// CHECK: attn.softmax %[[M]] scale 1.250000e-01 : tensor<?x4x?x?xf32>
// CHECK: attn.repeat_kv %{{.*}} times 4 : tensor<?x2x?x8xf32> -> tensor<?x8x?x8xf32>
func.func @masks_and_repeats(%s: tensor<?x4x?x?xf32>, %m: tensor<?x?xi64>, %t: tensor<2x4x3x5xf32>, %f: tensor<2x5xf32>, %k: tensor<?x2x?x8xf32>)
    -> (tensor<2x4x3x5xf32>, tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32>, tensor<?x8x?x8xf32>) {
  %0 = attn.padding_mask %s, %m : tensor<?x4x?x?xf32>, tensor<?x?xi64>
  %1 = attn.padding_mask %t, %f : tensor<2x4x3x5xf32>, tensor<2x5xf32>
  %2 = attn.softmax %0 : tensor<?x4x?x?xf32>
  %3 = attn.softmax %0 scale 0.125 : tensor<?x4x?x?xf32>
  %4 = attn.repeat_kv %k times 4 : tensor<?x2x?x8xf32> -> tensor<?x8x?x8xf32>
  return %1, %2, %3, %4 : tensor<2x4x3x5xf32>, tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32>, tensor<?x8x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK: attn.reshape %{{.*}} dims [0, 1] : tensor<?x?x24xf32> -> tensor<?x?x4x6xf32>
// CHECK: attn.reshape %{{.*}} dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x2x12xf32>
// CHECK: attn.reshape %{{.*}} dims [] : tensor<2x3x4xi64> -> tensor<24xi64>
func.func @reshape(%x: tensor<?x?x24xf32>, %ids: tensor<2x3x4xi64>) -> (tensor<?x?x4x6xf32>, tensor<?x?x2x12xf32>, tensor<24xi64>) {
  %0 = attn.reshape %x dims [0, 1] : tensor<?x?x24xf32> -> tensor<?x?x4x6xf32>
  %1 = attn.reshape %x dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x2x12xf32>
  %2 = attn.reshape %ids dims [] : tensor<2x3x4xi64> -> tensor<24xi64>
  return %0, %1, %2 : tensor<?x?x4x6xf32>, tensor<?x?x2x12xf32>, tensor<24xi64>
}
