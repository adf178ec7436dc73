// RUN: attnc-opt %s -split-input-file -verify-diagnostics

func.func @window_zero(%q: tensor<1x4x?x8xf32>) {
  // expected-error @+1 {{'attn.attention' op expects a window of at least 1 key, got 0}}
  %0 = attn.attention %q, %q, %q causal window 0 scale 1.0 : tensor<1x4x?x8xf32>, tensor<1x4x?x8xf32>, tensor<1x4x?x8xf32> -> tensor<1x4x?x8xf32>
  return
}

// -----

func.func @window_not_causal(%q: tensor<1x4x?x8xf32>) {
  // expected-error @+1 {{'attn.attention' op expects 'causal' with a window}}
  %0 = attn.attention %q, %q, %q window 16 scale 1.0 : tensor<1x4x?x8xf32>, tensor<1x4x?x8xf32>, tensor<1x4x?x8xf32> -> tensor<1x4x?x8xf32>
  return
}

// -----

func.func @probs_window_negative(%q: tensor<1x4x?x8xf32>) {
  // expected-error @+1 {{'attn.attention_probs' op expects a window of at least 1 key, got -2}}
  %0 = attn.attention_probs %q, %q causal window -2 scale 1.0 : tensor<1x4x?x8xf32>, tensor<1x4x?x8xf32> -> tensor<1x4x?x?xf32>
  return
}

// -----

func.func @alibi_dynamic_heads(%q: tensor<1x?x?x8xf32>) {
  // expected-error @+1 {{'attn.attention' op expects a static head count with alibi, got 'tensor<1x?x?x8xf32>'}}
  %0 = attn.attention %q, %q, %q alibi scale 1.0 : tensor<1x?x?x8xf32>, tensor<1x?x?x8xf32>, tensor<1x?x?x8xf32> -> tensor<1x?x?x8xf32>
  return
}
