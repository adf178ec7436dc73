// RUN: attnc-opt %s -split-input-file -attnc-kv-cache | FileCheck %s

// A decoder: @dec_step takes a key and a value cache and the position of the
// first new token; the new keys and values are written into the caches at
// that position, and attention reads the cached prefix [0, position + S).
// CHECK-LABEL: func.func @dec(
// CHECK-LABEL: func.func @dec_step(
// CHECK-SAME: %[[KC:[^:]+]]: memref<?x4x?x4xf32> {attn.kind = "kv_cache", attn.name = "k0"}
// CHECK-SAME: %[[VC:[^:]+]]: memref<?x4x?x4xf32> {attn.kind = "kv_cache", attn.name = "v0"}
// CHECK-SAME: %[[POS:[^:]+]]: index {attn.kind = "position", attn.name = "position"}
// CHECK-SAME: attn.step_of = "dec"
// CHECK: %[[Q:.+]] = attn.split_heads
// CHECK: %[[K:.+]] = attn.split_heads
// CHECK: %[[V:.+]] = attn.split_heads
// CHECK: %[[NEW:.+]] = tensor.dim %[[K]], %{{.+}}
// CHECK: %[[END:.+]] = arith.addi %[[POS]], %[[NEW]]
// CHECK: %[[KNEW:.+]] = memref.subview %[[KC]][0, 0, %[[POS]], 0]
// CHECK: bufferization.materialize_in_destination %[[K]] in writable %[[KNEW]]
// CHECK: %[[KALL:.+]] = memref.subview %[[KC]][0, 0, 0, 0] [%{{.+}}, 4, %[[END]], 4]
// CHECK: %[[KT:.+]] = bufferization.to_tensor %[[KALL]] restrict
// CHECK: memref.subview %[[VC]]
// CHECK: %[[VT:.+]] = bufferization.to_tensor
// CHECK: attn.attention %[[Q]], %[[KT]], %[[VT]] causal
func.func @dec(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
               %w: tensor<48x16xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "qkv.weight", attn.shape = [48, 16]})
    -> (tensor<?x?x16xf32> {attn.name = "y", attn.shape = ["batch", "seq", 16]})
    attributes {attn.model = "dec", attn.dims = ["batch", "seq"]} {
  %qkv = attn.linear %x, %w layout out_in : tensor<?x?x16xf32>, tensor<48x16xf32> -> tensor<?x?x48xf32>
  %q = attn.slice %qkv[0, 16] : tensor<?x?x48xf32> -> tensor<?x?x16xf32>
  %k = attn.slice %qkv[16, 16] : tensor<?x?x48xf32> -> tensor<?x?x16xf32>
  %v = attn.slice %qkv[32, 16] : tensor<?x?x48xf32> -> tensor<?x?x16xf32>
  %qh = attn.split_heads %q heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %kh = attn.split_heads %k heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %vh = attn.split_heads %v heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %o = attn.attention %qh, %kh, %vh causal scale 0.5 : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32> -> tensor<?x4x?x4xf32>
  %y = attn.merge_heads %o : tensor<?x4x?x4xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Inside the layer loop the caches are stacked over the layers and indexed by
// the loop's induction variable; positions get the offset.
// CHECK-LABEL: func.func @layers_step(
// CHECK-SAME: %[[KC:[^:]+]]: memref<3x?x2x?x4xf32> {attn.kind = "kv_cache", attn.layers = 3 : i64, attn.name = "k0"}
// CHECK-SAME: %[[POS:[^:]+]]: index {attn.kind = "position"
// CHECK: attn.positions %{{.+}} offset %[[POS]]
// CHECK: scf.for %[[L:[^ ]+]] =
// CHECK: memref.subview %[[KC]][%[[L]], 0, 0, %[[POS]], 0]
// CHECK: attn.attention
func.func @layers(%ids: tensor<?x?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["batch", "seq"]},
                  %wte: tensor<50x8xf32> {attn.kind = "param", attn.name = "wte", attn.tensor = "wte", attn.shape = [50, 8]})
    -> (tensor<?x?x8xf32> {attn.name = "h", attn.shape = ["batch", "seq", 8]})
    attributes {attn.model = "layers", attn.dims = ["batch", "seq"]} {
  %x = attn.embedding %wte[%ids] : tensor<50x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %p = attn.positions %ids : tensor<?x?xi64> -> tensor<?x?xi64>
  %pe = attn.sinusoidal %p : tensor<?x?xi64> -> tensor<?x?x8xf32>
  %x1 = attn.add %x, %pe : tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %c1 = arith.constant 1 : index
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %x1) -> (tensor<?x?x8xf32>) {
    %qh = attn.split_heads %acc heads 2 : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
    %o = attn.attention %qh, %qh, %qh causal scale 0.5 : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
    %m = attn.merge_heads %o : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
    scf.yield %m : tensor<?x?x8xf32>
  }
  return %h : tensor<?x?x8xf32>
}

// -----

// Near misses: an encoder (non-causal attention) and a function that is not
// a model get no incremental entry.
// CHECK-LABEL: func.func @encoder(
// CHECK-NOT: func.func @encoder_step
// CHECK-LABEL: func.func @not_a_model(
// CHECK-NOT: _step
func.func @encoder(%q: tensor<?x4x?x4xf32> {attn.kind = "input", attn.name = "q", attn.shape = ["batch", 4, "seq", 4]})
    -> (tensor<?x4x?x4xf32> {attn.name = "o", attn.shape = ["batch", 4, "seq", 4]})
    attributes {attn.model = "encoder", attn.dims = ["batch", "seq"]} {
  %o = attn.attention %q, %q, %q scale 0.5 : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32> -> tensor<?x4x?x4xf32>
  return %o : tensor<?x4x?x4xf32>
}

func.func @not_a_model(%q: tensor<?x4x?x4xf32>) -> tensor<?x4x?x4xf32> {
  %o = attn.attention %q, %q, %q causal scale 0.5 : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32> -> tensor<?x4x?x4xf32>
  return %o : tensor<?x4x?x4xf32>
}

// -----

// A module that has its step entry already (a resumed --emit=fused dump):
// the pass adds no second one.
// CHECK-LABEL: func.func @again(
// CHECK: func.func @again_step(
// CHECK-NOT: func.func @again_step(
func.func @again(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> attributes {attn.model = "again"} {
  %q = attn.split_heads %x heads 2 : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o = attn.attention %q, %q, %q causal scale 0.5 : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %y = attn.merge_heads %o : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}
func.func @again_step(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> attributes {attn.step_of = "again"} {
  return %x : tensor<?x?x8xf32>
}
