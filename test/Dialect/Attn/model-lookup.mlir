// Every pass finds the model function and the step function the same way
// (ModelAttributes.h): one function marked attn.model, with a body, and at
// most one marked attn.step_of.
// RUN: attnc-opt %s -split-input-file -verify-diagnostics -attnc-fuse-projections
// RUN: attnc-opt %s -split-input-file -verify-diagnostics -attnc-pack-weights
// RUN: attnc-opt %s -split-input-file -verify-diagnostics -attnc-kv-cache
// RUN: attnc-opt %s -split-input-file -verify-diagnostics -attnc-expose-attention-probs
// RUN: attnc-opt %s -split-input-file -verify-diagnostics -attnc-expose-model-abi

// expected-error @+1 {{expected one function marked 'attn.model', found 2}}
module {
  func.func @a(%x: tensor<4xf32> {attn.kind = "input", attn.name = "x", attn.shape = [4]})
      -> (tensor<4xf32> {attn.name = "y", attn.shape = [4]}) attributes {attn.model = "a"} {
    return %x : tensor<4xf32>
  }
  func.func @b(%x: tensor<4xf32> {attn.kind = "input", attn.name = "x", attn.shape = [4]})
      -> (tensor<4xf32> {attn.name = "y", attn.shape = [4]}) attributes {attn.model = "b"} {
    return %x : tensor<4xf32>
  }
}

// -----

module {
  // expected-error @+1 {{the model function @decl has no body}}
  func.func private @decl(%x: tensor<4xf32>) -> tensor<4xf32> attributes {attn.model = "decl"}
}
