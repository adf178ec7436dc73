// The step function is found the same way by every pass that reads it
// (ModelAttributes.h): at most one function marked attn.step_of.
// RUN: attnc-opt %s -verify-diagnostics -attnc-kv-cache
// RUN: attnc-opt %s -verify-diagnostics -attnc-expose-attention-probs
// RUN: attnc-opt %s -verify-diagnostics -attnc-expose-model-abi

// expected-error @+1 {{expected at most one function marked 'attn.step_of', found @s1 and @s2}}
module {
  func.func @m(%x: tensor<4xf32> {attn.kind = "input", attn.name = "x", attn.shape = [4]})
      -> (tensor<4xf32> {attn.name = "y", attn.shape = [4]}) attributes {attn.model = "m"} {
    return %x : tensor<4xf32>
  }
  func.func @s1(%x: tensor<4xf32>) -> tensor<4xf32> attributes {attn.step_of = "m"} {
    return %x : tensor<4xf32>
  }
  func.func @s2(%x: tensor<4xf32>) -> tensor<4xf32> attributes {attn.step_of = "m"} {
    return %x : tensor<4xf32>
  }
}
