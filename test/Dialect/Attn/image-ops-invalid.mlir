// RUN: attnc-opt %s -split-input-file -verify-diagnostics

func.func @expand_mismatch(%a: tensor<2x8xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'attn.expand' op cannot broadcast [2, 8] to [2, 4] (8 vs 4)}}
  %0 = attn.expand %a like %b : tensor<2x8xf32>, tensor<2x4xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @expand_result(%a: tensor<1x8xf32>, %b: tensor<?x8xf32>) {
  // expected-error @+1 {{'attn.expand' op expects a result of shape [?, 8], got 'tensor<?x4xf32>'}}
  %0 = attn.expand %a like %b : tensor<1x8xf32>, tensor<?x8xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<1x8xf32>, %b: tensor<?x2x8xf32>) {
  // expected-error @+1 {{'attn.concat' op expects operands of one rank, got [1, 8] and [?, 2, 8]}}
  %0 = attn.concat %a, %b axis 1 : tensor<1x8xf32>, tensor<?x2x8xf32> -> tensor<?x3x8xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<1x1x8xf32>, %b: tensor<?x2x8xf32>) {
  // expected-error @+1 {{'attn.concat' op axis 3 is out of range for rank 3}}
  %0 = attn.concat %a, %b axis 3 : tensor<1x1x8xf32>, tensor<?x2x8xf32> -> tensor<?x3x8xf32>
  return
}

// -----

func.func @concat_dynamic_axis(%a: tensor<1x1x8xf32>, %b: tensor<?x?x8xf32>) {
  // expected-error @+1 {{'attn.concat' op expects static sizes along axis 1, got [1, 1, 8] and [?, ?, 8]}}
  %0 = attn.concat %a, %b axis 1 : tensor<1x1x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @concat_width(%a: tensor<1x1x4xf32>, %b: tensor<?x2x8xf32>) {
  // expected-error @+1 {{'attn.concat' op dimension 2 differs: [1, 1, 4] and [?, 2, 8]}}
  %0 = attn.concat %a, %b axis 1 : tensor<1x1x4xf32>, tensor<?x2x8xf32> -> tensor<?x3x8xf32>
  return
}

// -----

func.func @concat_result(%a: tensor<1x1x8xf32>, %b: tensor<?x2x8xf32>) {
  // expected-error @+1 {{'attn.concat' op expects a result of shape [?, 3, 8], got 'tensor<?x2x8xf32>'}}
  %0 = attn.concat %a, %b axis 1 : tensor<1x1x8xf32>, tensor<?x2x8xf32> -> tensor<?x2x8xf32>
  return
}

// -----

func.func @select_index(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{'attn.select' op index 4 needs a static size above it along axis 1, got [?, 4, 8]}}
  %0 = attn.select %x[1, 4] : tensor<?x4x8xf32> -> tensor<?x8xf32>
  return
}

// -----

func.func @select_axis(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{'attn.select' op axis 3 is out of range for rank 3}}
  %0 = attn.select %x[3, 0] : tensor<?x4x8xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @select_result(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{'attn.select' op expects a result of shape [?, 8], got 'tensor<?x4xf32>'}}
  %0 = attn.select %x[1, 0] : tensor<?x4x8xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @patches_rank(%x: tensor<?x3x32xf32>) {
  // expected-error @+1 {{'attn.patches' op expects an input [B, C, H, W] of rank 4, got rank 3}}
  %0 = attn.patches %x size 4 : tensor<?x3x32xf32> -> tensor<?x8x48xf32>
  return
}

// -----

func.func @patches_divide(%x: tensor<?x3x30x32xf32>) {
  // expected-error @+1 {{'attn.patches' op expects static channels, height and width, the last two multiples of 4, got [?, 3, 30, 32]}}
  %0 = attn.patches %x size 4 : tensor<?x3x30x32xf32> -> tensor<?x56x48xf32>
  return
}

// -----

func.func @patches_result(%x: tensor<?x3x32x32xf32>) {
  // expected-error @+1 {{'attn.patches' op expects a result of shape [?, 64, 48], got 'tensor<?x64x16xf32>'}}
  %0 = attn.patches %x size 4 : tensor<?x3x32x32xf32> -> tensor<?x64x16xf32>
  return
}

// -----

func.func @reduce_rank(%x: tensor<16xf32>) {
  // expected-error @+1 {{'attn.sum' op expects an input of rank at least 2, got rank 1 ('tensor<16xf32>')}}
  %0 = attn.sum %x : tensor<16xf32> -> tensor<1xf32>
  return
}

// -----

func.func @reduce_result(%x: tensor<?x7x16xf32>) {
  // expected-error @+1 {{'attn.max' op expects a result of shape [?, 7], got 'tensor<?x16xf32>'}}
  %0 = attn.max %x : tensor<?x7x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @permute_count(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'attn.permute' op expects 3 dims, one per dimension of the input, got 2}}
  %0 = attn.permute %x dims [1, 0] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  return
}

// -----

func.func @permute_range(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'attn.permute' op dim 3 is out of range for rank 3}}
  %0 = attn.permute %x dims [0, 3, 1] : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  return
}

// -----

func.func @permute_twice(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'attn.permute' op dim 1 is listed twice}}
  %0 = attn.permute %x dims [1, 0, 1] : tensor<2x3x4xf32> -> tensor<3x2x3xf32>
  return
}

// -----

func.func @permute_result(%x: tensor<?x3x4xf32>) {
  // expected-error @+1 {{'attn.permute' op expects a result of shape [4, ?, 3], got 'tensor<3x?x4xf32>'}}
  %0 = attn.permute %x dims [2, 0, 1] : tensor<?x3x4xf32> -> tensor<3x?x4xf32>
  return
}
